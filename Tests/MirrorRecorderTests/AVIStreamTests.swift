import Crypto
import Foundation
import MirrorRecorder
import Testing

/// An export streamed from the decrypting reader is the file the old export wrote, byte for byte, in pieces of
/// any size; a clip that does not decrypt is refused before the first piece.
@Suite struct AVIStreamTests {
    func encryptedClip(_ count: Int, in folder: String, key: SymmetricKey) throws -> String {
        let path = "\(folder)/clip.mclip"
        let writer = try EncryptedClip.create(path: path, width: 180, height: 320, fps: 12, key: key)
        for frame in try frames(count, width: 180, height: 320) { try writer.append(frame) }
        try writer.finish()
        return path
    }

    @Test(arguments: [1, 4096, 256 << 10, 1 << 30])
    func theStreamIsTheExportedFile(pieces: Int) throws {
        let folder = try scratch()
        let key = EncryptedClip.newKey()
        let clip = try encryptedClip(25, in: folder, key: key)
        try EncryptedClip.export(clip, key: key, to: "\(folder)/plain.avi")
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(folder)/plain.avi")))

        let stream = try AVIStream(reader: try EncryptedClip.open(path: clip, key: key))
        #expect(stream.length == file.count && stream.frameCount == 25)
        try stream.verify()
        var streamed: [UInt8] = []
        var count = 0
        while let piece = try stream.next(atLeast: pieces) {
            streamed += piece
            count += 1
        }
        #expect(streamed == file)
        #expect(try stream.next() == nil)
        if pieces == 1 { #expect(count == 25 + 2, "the header, each frame, the index") }
        let read = try AVIReader(source: BytesSource(streamed))
        #expect(read.frames.count == 25 && read.width == 180 && read.fps == 12)
    }

    @Test func aClipWithNoFramesIsAWholeFile() throws {
        let folder = try scratch()
        let key = EncryptedClip.newKey()
        let clip = try encryptedClip(0, in: folder, key: key)
        let bytes = try AVIStream(reader: try EncryptedClip.open(path: clip, key: key)).all()
        #expect(try AVIReader(source: BytesSource(bytes)).frames.isEmpty)
    }

    @Test func aDamagedClipIsRefusedBeforeAnythingIsSent() throws {
        let folder = try scratch()
        let key = EncryptedClip.newKey()
        let clip = try encryptedClip(25, in: folder, key: key)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: clip)))
        bytes[bytes.count / 3] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: clip))
        let stream = try AVIStream(reader: try EncryptedClip.open(path: clip, key: key))
        #expect { try stream.verify() } throws: { ($0 as? RecorderError)?.code == .crypto }
        // A damaged chunk that holds the index is refused when the clip is opened: earlier still.
    }
}

/// Bytes in memory as a clip source.
final class BytesSource: ClipSource {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var name: String { "memory" }
    var length: Int { bytes.count }
    func read(offset: Int, count: Int) throws(RecorderError) -> [UInt8] {
        Array(bytes[min(offset, bytes.count)..<min(offset + count, bytes.count)])
    }
}
