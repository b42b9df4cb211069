/// A clip as a plain MJPEG AVI, made in order piece by piece and never written anywhere: the header (its sizes
/// worked out beforehand from the reader's frame index), the frames (each read, and so decrypted, when its
/// piece is asked for) and the `idx1` index. The bytes are those ``AVIReader/export(to:)`` writes to a file, and
/// `length` is known before the first piece, so an HTTP answer can carry it as its Content-Length.
///
/// An export used to decrypt the whole clip into a temporary file first: plain shopper video on the disk for
/// as long as the download took (and after a crash, until the next start), and the clip's size again in space.
public final class AVIStream {
    /// The whole file's size in bytes.
    public let length: Int
    public var frameCount: Int { reader.frames.count }
    private let reader: AVIReader
    private var header: [UInt8]?
    private var index: [UInt8]?
    private var nextFrame = 0

    public init(reader: AVIReader) throws(RecorderError) {
        self.reader = reader
        let sizes = reader.frames.map(\.count)
        let fps = reader.fps > 0 ? reader.fps : 30
        let blank = AVIWriter.header(
            width: reader.width, height: reader.height, fps: fps, frames: 0, largest: 0, riffSize: 0, moviSize: 0)
        // Each frame is a `00dc` chunk, padded to an even length; idx1 offsets count from the `movi` fourcc.
        var index = Array("idx1".utf8) + le32(UInt32(sizes.count * 16))
        var offset = 4
        for size in sizes {
            index += Array("00dc".utf8) + le32(0x10) + le32(UInt32(offset)) + le32(UInt32(size))
            offset += 8 + size + (size & 1)
        }
        let total = blank.count - 4 + offset + index.count
        guard total < Int(UInt32.max) else {
            throw RecorderError(.invalidClip, "\(reader.source.name) is too long for an AVI file (\(total) bytes)")
        }
        length = total
        self.index = index
        header = AVIWriter.header(
            width: reader.width, height: reader.height, fps: fps, frames: sizes.count, largest: sizes.max() ?? 0,
            riffSize: UInt32(total - 8), moviSize: UInt32(offset))
    }

    /// Reads every frame once without keeping it, so a clip that does not decrypt (damage, tampering, a wrong
    /// key) is refused before the first byte goes out rather than cut off part way.
    public func verify() throws(RecorderError) {
        for index in reader.frames.indices { _ = try reader.frame(index) }
    }

    /// The next piece: at least `bytes` long (a frame is never split) but the last, nil once all were given.
    public func next(atLeast bytes: Int = 256 << 10) throws(RecorderError) -> [UInt8]? {
        if let header {
            self.header = nil
            return header
        }
        var piece: [UInt8] = []
        while piece.count < bytes, nextFrame < reader.frames.count {
            let frame = try reader.frame(nextFrame)
            piece += Array("00dc".utf8) + le32(UInt32(frame.count))
            piece += frame
            if frame.count & 1 == 1 { piece.append(0) }
            nextFrame += 1
        }
        if piece.count < bytes, let index {
            self.index = nil
            piece += index
        }
        return piece.isEmpty ? nil : piece
    }

    /// The whole file in memory (a share link's download, a few megabytes).
    public func all() throws(RecorderError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        while let piece = try next() { bytes += piece }
        return bytes
    }
}
