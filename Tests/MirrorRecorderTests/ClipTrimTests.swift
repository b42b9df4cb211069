import Crypto
import Foundation
import MirrorRecorder
import Testing

/// A look keeps the frames from the first with the shopper in view to the last: no empty fitting area before
/// they stepped in or after they left; presence not known counts as in view, and a clip where nobody was seen at
/// all is kept whole.
@Suite struct ClipTrimTests {
    @Test(arguments: [
        ([false, false, true, true, nil, true, false] as [Bool?], 2..<6),
        ([true, false, true], 0..<3),  // a gap in the middle stays: the look is one piece
        ([nil, false, true, false, nil], 0..<5),  // unknown at both ends: kept
        ([false, false, false], 0..<3),  // nobody seen: the camera may not know, kept whole
        ([nil, nil], 0..<2),
        ([], 0..<0),
    ])
    func keepsWhereTheShopperIsInView(inView: [Bool?], kept: Range<Int>) {
        #expect(ClipTrim.kept(inView: inView) == kept)
    }

    @Test func presenceIsTheNearestSampleWithinReach() {
        var log = PresenceLog()
        for (time, present) in [(10.0, false), (10.2, false), (10.4, true), (10.6, true), (11.0, false)] {
            log.add(present, at: time)
        }
        #expect(
            log.inView(at: [10.1, 10.35, 10.45, 10.79, 10.81, 11.5, 11.7, 9.3]) == [
                false, true, true, true, false, false, nil, nil,
            ])
        // The capture clock went back (a restart): what came before is forgotten.
        log.add(true, at: 2)
        #expect(log.inView(at: [10.4, 2.1]) == [nil, true])
    }

    @Test func aTrimmedClipHoldsOnlyTheKeptFrames() throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/look.avi"
        let key = EncryptedClip.newKey()
        let input = try frames(10)
        let writer = try EncryptedClip.create(path: path, width: 90, height: 160, fps: 12, key: key)
        for frame in input { try writer.append(frame) }
        try writer.finish(keeping: 2..<7)
        let reader = try EncryptedClip.open(path: path, key: key)
        #expect(reader.frames.count == 5)
        #expect(try reader.frames.indices.map { try reader.frame($0) } == Array(input[2..<7]))
    }
}
