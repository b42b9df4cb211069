import Foundation
public import MirrorCore
import MirrorImaging

/// Why a clip could not be written or read.
public enum RecorderErrorCode: String, Sendable {
    /// A file could not be created, read, written or renamed.
    case io
    /// The file is not a clip this module reads.
    case invalidClip
    /// The clip was cut short (not finished); recover it.
    case truncated
    /// A key is wrong, or a chunk failed authentication (damage or tampering).
    case crypto
    /// The file's structure is damaged.
    case corrupt
    /// A key file is missing, unsafe (too open) or damaged.
    case keyFile
}

public typealias RecorderError = MirrorError<RecorderErrorCode>

/// Writes MJPEG frames into an AVI file (RIFF, one video stream, `idx1` index) without re-encoding.
///
/// The bytes go to a ``ClipSink``: a plain file (``PlainFileSink``) or an encrypted container
/// (``EncryptedClipWriter``). The clip is written under a temporary name; ``finish()`` adds the index, patches
/// the header sizes (the header is the sink's head, so it is rewritten in place), fsyncs, renames it into
/// place and fsyncs the folder, so a crash leaves either a whole clip or a partial file that
/// ``AVIReader/recover(_:to:)`` or ``EncryptedClip/recover(_:to:key:)`` can repair. Hand-written because no
/// library here writes AVI; the format is the Microsoft AVI RIFF reference (AVIMAINHEADER, AVISTREAMHEADER,
/// idx1).
public final class AVIWriter {
    public var path: String { sink.path }
    public var temporaryPath: String { sink.temporaryPath }
    let width: Int
    let height: Int
    let fps: Double
    private let sink: any ClipSink
    private var index: [(offset: UInt32, size: UInt32)] = []
    private var moviStart: UInt64 = 0
    private var position: UInt64 = 0
    private var largest = 0
    private var finished = false

    /// Creates `path + ".partial"` as a plain file; nothing appears at `path` until ``finish()``.
    public convenience init(path: String, width: Int, height: Int, fps: Double) throws(RecorderError) {
        try self.init(sink: PlainFileSink(path: path), width: width, height: height, fps: fps)
    }

    /// Writes the clip into `sink`, starting with the AVI header (the sink's head).
    public init(sink: any ClipSink, width: Int, height: Int, fps: Double) throws(RecorderError) {
        self.sink = sink
        self.width = width
        self.height = height
        self.fps = fps
        let header = Self.header(
            width: width, height: height, fps: fps, frames: 0, largest: 0, riffSize: 0, moviSize: 4)
        try write(header)
        moviStart = UInt64(header.count) - 4  // offsets in idx1 count from the 'movi' fourcc
    }

    /// The number of frames appended so far.
    public var frameCount: Int { index.count }

    /// Appends one JPEG frame as a `00dc` chunk.
    public func append(_ jpeg: some Collection<UInt8>) throws(RecorderError) {
        precondition(!finished)
        var chunk = Array("00dc".utf8) + le32(UInt32(jpeg.count))
        chunk.append(contentsOf: jpeg)
        if jpeg.count % 2 == 1 { chunk.append(0) }
        index.append((UInt32(position - moviStart), UInt32(jpeg.count)))
        largest = max(largest, jpeg.count)
        try write(chunk)
    }

    /// Hands the frames appended so far to the kernel, so a killed process keeps them (call about once a second).
    public func flush() throws(RecorderError) {
        precondition(!finished)
        try sink.flush()
    }

    /// Writes the index and final sizes, makes the clip durable and gives it its real name. With `keeping`, the
    /// clip is those frames alone (the others stay in the file's data, encrypted, but no reader sees them).
    public func finish(keeping: Range<Int>? = nil) throws(RecorderError) {
        precondition(!finished)
        finished = true
        let kept = keeping.map { index[$0.clamped(to: index.indices)] } ?? index[...]
        var idx = Array("idx1".utf8) + le32(UInt32(kept.count * 16))
        for entry in kept {
            idx += Array("00dc".utf8)
            idx += le32(0x10)  // AVIIF_KEYFRAME: every MJPEG frame stands alone
            idx += le32(entry.offset)
            idx += le32(entry.size)
        }
        let moviSize = UInt32(position - moviStart)
        try write(idx)
        let header = Self.header(
            width: width, height: height, fps: fps, frames: kept.count, largest: largest,
            riffSize: UInt32(position - 8), moviSize: moviSize)
        try sink.finish(head: header)
    }

    private func write(_ bytes: [UInt8]) throws(RecorderError) {
        try sink.write(bytes)
        position += UInt64(bytes.count)
    }

    /// RIFF header, hdrl (avih, strl: strh, strf) and the start of the movi list; its size never changes.
    static func header(
        width: Int, height: Int, fps: Double, frames: Int, largest: Int, riffSize: UInt32, moviSize: UInt32
    ) -> [UInt8] {
        let rate = UInt32((fps * 1000).rounded())
        var avih: [UInt8] = []
        for value in [
            UInt32(1e6 / fps), UInt32(Double(largest) * fps), 0, 0x10 /* AVIF_HASINDEX */, UInt32(frames), 0, 1,
            UInt32(largest), UInt32(width), UInt32(height), 0, 0, 0, 0,
        ] { avih += le32(value) }
        var strh = Array("vidsMJPG".utf8)
        for value in [0, 0, 0, 1000, rate, 0, UInt32(frames), UInt32(largest), 0xFFFF_FFFF, 0] as [UInt32] {
            strh += le32(value)
        }
        strh += le16(0) + le16(0) + le16(UInt16(width)) + le16(UInt16(height))
        var strf = le32(40) + le32(UInt32(width)) + le32(UInt32(height)) + le16(1) + le16(24)
        strf += Array("MJPG".utf8)
        strf += le32(UInt32(width * height * 3)) + le32(0) + le32(0) + le32(0) + le32(0)
        let strl = list("strl", chunk("strh", strh) + chunk("strf", strf))
        let hdrl = list("hdrl", chunk("avih", avih) + strl)
        var data = Array("RIFF".utf8) + le32(riffSize) + Array("AVI ".utf8)
        data += hdrl
        data += Array("LIST".utf8) + le32(moviSize) + Array("movi".utf8)
        return data
    }
}

/// Reads MJPEG AVI clips written by ``AVIWriter`` (and other simple MJPEG AVIs) from a ``ClipSource``.
///
/// Only the headers and the frame index are read when opening; a frame's bytes are read when asked for,
/// so memory does not grow with the clip (beyond 16 bytes of index per frame).
public final class AVIReader {
    public let width: Int
    public let height: Int
    public let fps: Double
    /// Byte ranges of the JPEG frames in the source.
    public let frames: [Range<Int>]
    /// Where the bytes come from.
    public let source: any ClipSource

    /// Opens the plain AVI file at `path`; with `scan`, ignores the index and walks the movi chunks
    /// (repairing partial files).
    public convenience init(_ path: String, scan: Bool = false) throws(RecorderError) {
        try self.init(source: PlainFileSource(path: path), scan: scan)
    }

    /// Parses the AVI in `source`; with `scan`, ignores the index and walks the movi chunks.
    public init(source: any ClipSource, scan: Bool = false) throws(RecorderError) {
        self.source = source
        let name = source.name
        let length = source.length
        let riff = try source.read(offset: 0, count: 12)
        guard riff.count == 12, riff[0..<4].elementsEqual("RIFF".utf8), riff[8..<12].elementsEqual("AVI ".utf8) else {
            throw RecorderError(.invalidClip, "\(name) is not an AVI file")
        }
        // Walk the top-level chunks up to the movi list, keeping the hdrl list.
        var hdrl: [UInt8] = []
        var movi: Int?
        var moviEnd = 0
        var offset = 12
        while offset + 12 <= length, movi == nil {
            let head = try source.read(offset: offset, count: 12)
            guard head.count == 12 else { break }
            let size = Int(Self.u32(head, 4))
            if head[0..<4].elementsEqual("LIST".utf8), head[8..<12].elementsEqual("hdrl".utf8) {
                hdrl = try source.read(offset: offset + 12, count: min(max(0, size - 4), 1 << 20))
            } else if head[0..<4].elementsEqual("LIST".utf8), head[8..<12].elementsEqual("movi".utf8) {
                movi = offset + 8
                moviEnd = offset + 8 + size + (size & 1)
            }
            offset += 8 + size + (size & 1)
        }
        guard let avih = Self.find("avih", in: hdrl, from: 0), avih.count >= 40,
            let strh = Self.find("strh", in: hdrl, from: 0), strh.count >= 28,
            let movi
        else {
            throw RecorderError(.invalidClip, "\(name) has no AVI headers")
        }
        width = Int(Self.u32(hdrl, avih.lowerBound + 32))
        height = Int(Self.u32(hdrl, avih.lowerBound + 36))
        let scale = Double(Self.u32(hdrl, strh.lowerBound + 20))
        let rate = Double(Self.u32(hdrl, strh.lowerBound + 24))
        fps = scale > 0 ? rate / scale : 0
        var found: [Range<Int>] = []
        let idx = scan ? [] : try source.read(offset: moviEnd, count: 8)
        if idx.count == 8, idx[0..<4].elementsEqual("idx1".utf8) {
            let entries = try source.read(offset: moviEnd + 8, count: Int(Self.u32(idx, 4)))
            for entry in stride(from: 0, to: entries.count - 15, by: 16) {
                let start = movi + Int(Self.u32(entries, entry + 8)) + 8  // idx1 offsets count from 'movi'
                let size = Int(Self.u32(entries, entry + 12))
                guard start + size <= length else {
                    throw RecorderError(.invalidClip, "\(name): index points past the end")
                }
                found.append(start..<(start + size))
            }
        } else {
            // Walk the chunks; stop at the first one cut short (a crash mid-write).
            var offset = movi + 4
            while offset + 8 <= length {
                let head = try source.read(offset: offset, count: 8)
                let size = Int(Self.u32(head, 4))
                let start = offset + 8
                guard head.count == 8, start + size <= length else { break }
                if head[0..<4].elementsEqual("00dc".utf8) { found.append(start..<(start + size)) }
                if head[0..<4].elementsEqual("idx1".utf8) { break }
                offset = start + size + (size & 1)
            }
        }
        frames = found
    }

    /// The JPEG bytes of frame `index`, read from the source now.
    public func frame(_ index: Int) throws(RecorderError) -> [UInt8] {
        let range = frames[index]
        let bytes = try source.read(offset: range.lowerBound, count: range.count)
        guard bytes.count == range.count else {
            throw RecorderError(.truncated, "\(source.name): frame \(index) is cut short")
        }
        return bytes
    }

    /// Copies every frame, as is, into `writer` (not finished); with `validOnly`, skips frames that are not
    /// whole JPEG images. Returns how many frames were copied.
    @discardableResult
    public func copy(into writer: AVIWriter, validOnly: Bool = false) throws(RecorderError) -> Int {
        var kept = 0
        for index in frames.indices {
            let bytes = try frame(index)
            if validOnly {
                let valid = bytes.withUnsafeBytes { raw -> Bool in
                    guard case .success = JPEGMarkers.inspect(raw) else { return false }
                    return true
                }
                guard valid else { continue }
            }
            try writer.append(bytes)
            kept += 1
        }
        return kept
    }

    /// Writes the clip as a plain MJPEG AVI at `path` (temporary name, then rename); returns the frame count.
    @discardableResult
    public func export(to path: String) throws(RecorderError) -> Int {
        let writer = try AVIWriter(path: path, width: width, height: height, fps: fps > 0 ? fps : 30)
        let count = try copy(into: writer)
        try writer.finish()
        return count
    }

    /// Rebuilds a partial clip's index into a whole clip at `path`: every whole, valid frame is kept.
    ///
    /// The new clip is written as `path + ".recovering"` (so `partial` may be `path + ".partial"`), then
    /// renamed; `partial` is removed last, so a crash during recovery leaves it to be recovered again.
    @discardableResult
    public static func recover(_ partial: String, to path: String) throws(RecorderError) -> Int {
        let reader = try AVIReader(partial, scan: true)
        let sink = try PlainFileSink(path: path, temporaryPath: recoveryPath(for: path))
        let writer = try AVIWriter(
            sink: sink, width: reader.width, height: reader.height, fps: reader.fps > 0 ? reader.fps : 30)
        let kept = try reader.copy(into: writer, validOnly: true)
        try writer.finish()
        try? FileManager.default.removeItem(atPath: partial)
        return kept
    }

    static func u32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16
            | UInt32(data[offset + 3]) << 24
    }

    /// The payload of the first chunk named `fourcc`, descending into LISTs.
    static func find(_ fourcc: String, in data: [UInt8], from: Int = 12, to: Int? = nil) -> Range<Int>? {
        var offset = from
        let end = min(to ?? data.count, data.count)
        while offset + 8 <= end {
            let id = data[offset..<(offset + 4)]
            let size = Int(u32(data, offset + 4))
            let start = offset + 8
            if id.elementsEqual(fourcc.utf8) { return start..<min(start + size, data.count) }
            if id.elementsEqual("LIST".utf8), start + 4 <= end, !data[start..<(start + 4)].elementsEqual("movi".utf8),
                let inner = find(fourcc, in: data, from: start + 4, to: min(start + size, end))
            {
                return inner
            }
            offset = start + size + (size & 1)
        }
        return nil
    }
}

/// Where a recovered clip is written before its rename: never the partial file being read.
func recoveryPath(for path: String) -> String { path + ".recovering" }

/// Atomic, durable file replacement: rename, then fsync the folder so the new name survives power loss.
enum Durable {
    static func rename(_ from: String, to: String) throws(RecorderError) {
        guard Glibc.rename(from, to) == 0 else {
            throw RecorderError(.io, "cannot rename \(from)", underlying: SystemCallError(call: "rename", errno: errno))
        }
        let folder = (to as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
func le16(_ value: UInt16) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

func chunk(_ fourcc: String, _ payload: [UInt8]) -> [UInt8] {
    var data = Array(fourcc.utf8) + le32(UInt32(payload.count)) + payload
    if payload.count % 2 == 1 { data.append(0) }
    return data
}

func list(_ type: String, _ payload: [UInt8]) -> [UInt8] {
    Array("LIST".utf8) + le32(UInt32(payload.count + 4)) + Array(type.utf8) + payload
}
