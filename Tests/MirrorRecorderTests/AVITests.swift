import Foundation
import MirrorImaging
import MirrorRecorder
import MirrorTesting
import Testing

@Suite struct AVITests {
    @Test func writtenClipReadsBackFrameForFrame() throws {
        let folder = try scratch()
        let input = try frames(24)
        let writer = try AVIWriter(path: "\(folder)/clip.avi", width: 90, height: 160, fps: 12)
        for frame in input { try writer.append(frame) }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/clip.avi"), "no final name before finish")
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/clip.avi.partial"))
        let reader = try AVIReader("\(folder)/clip.avi")
        #expect(reader.width == 90 && reader.height == 160 && reader.fps == 12)
        #expect(reader.frames.count == 24)
        try #expect((0..<24).allSatisfy { try reader.frame($0) == input[$0] }, "no re-encoding: bytes identical")
        let scanned = try AVIReader("\(folder)/clip.avi", scan: true)
        #expect(scanned.frames == reader.frames)
    }

    @Test(.enabled(if: ffprobe != nil || inCI, "ffprobe is not installed (Debian package ffmpeg)"))
    func ffprobeAgreesOnFramesSizeAndRate() async throws {
        let tool = try #require(ffprobe, "ffprobe is required in CI")
        let folder = try scratch()
        let writer = try AVIWriter(path: "\(folder)/clip.avi", width: 90, height: 160, fps: 12)
        for frame in try frames(30) { try writer.append(frame) }
        try writer.finish()
        let (status, output) = try probe(tool, "\(folder)/clip.avi")
        #expect(status == 0)
        #expect(output == "mjpeg,90,160,12/1,30")
    }

    @Test func partialClipIsRecoveredUpToItsLastWholeFrame() throws {
        let folder = try scratch()
        let input = try frames(10)
        let writer = try AVIWriter(path: "\(folder)/whole.avi", width: 90, height: 160, fps: 12)
        for frame in input { try writer.append(frame) }
        // Simulate kill -9 before finish: the partial file cut at about a hundred points, and whole.
        let partial = try Data(contentsOf: URL(fileURLWithPath: writer.temporaryPath))
        var outcomes: [Int: Int] = [:]
        for cut in Array(stride(from: 300, to: partial.count, by: max(1, partial.count / 97))) + [partial.count] {
            let path = "\(folder)/cut-\(cut).avi.partial"
            try partial.prefix(cut).write(to: URL(fileURLWithPath: path))
            let kept = try AVIReader.recover(path, to: "\(folder)/cut-\(cut).avi")
            let reader = try AVIReader("\(folder)/cut-\(cut).avi")
            #expect(reader.frames.count == kept)
            try #expect((0..<kept).allSatisfy { try reader.frame($0) == input[$0] })
            #expect(!FileManager.default.fileExists(atPath: path), "the partial file is gone after recovery")
            outcomes[kept, default: 0] += 1
        }
        #expect(outcomes.keys.max() == 10, "a partial file holding every frame recovers all of them")
    }

    @Test func notAnAVIIsRefusedClearly() throws {
        let folder = try scratch()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: "\(folder)/x.avi"))
        #expect {
            _ = try AVIReader("\(folder)/x.avi")
        } throws: { error in
            "\(error)".contains("is not an AVI file")
        }
    }
}
