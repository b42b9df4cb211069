import Foundation
import MirrorCore
import MirrorImaging

/// Why a clip could not be written or read.
public enum RecorderErrorCode: String, Sendable {
    case io, invalidClip, truncated
}

public typealias RecorderError = MirrorError<RecorderErrorCode>

/// Writes MJPEG frames into an AVI file (RIFF, one video stream, `idx1` index) without re-encoding.
///
/// The file is written under a temporary name; ``finish()`` adds the index, patches the header sizes,
/// fsyncs, renames it into place and fsyncs the folder, so a crash leaves either a whole clip or a
/// partial file that ``AVIReader/recover(_:to:)`` can repair. Hand-written because no library here
/// writes AVI; the format is the Microsoft AVI RIFF reference (AVIMAINHEADER, AVISTREAMHEADER, idx1).
public final class AVIWriter {
    public let path: String
    public let temporaryPath: String
    let width: Int
    let height: Int
    let fps: Double
    private let handle: FileHandle
    private var index: [(offset: UInt32, size: UInt32)] = []
    private var moviStart: UInt64 = 0
    private var position: UInt64 = 0
    private var largest = 0
    private var finished = false

    /// Creates `path + ".partial"`; nothing appears at `path` until ``finish()``.
    public init(path: String, width: Int, height: Int, fps: Double) throws(RecorderError) {
        self.path = path
        self.temporaryPath = path + ".partial"
        self.width = width
        self.height = height
        self.fps = fps
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporaryPath)
        else {
            throw RecorderError(.io, "cannot create \(temporaryPath)")
        }
        self.handle = handle
        let header = Self.header(
            width: width, height: height, fps: fps, frames: 0, largest: 0, riffSize: 0, moviSize: 4)
        try write(header)
        moviStart = UInt64(header.count) - 4  // offsets in idx1 count from the 'movi' fourcc
    }

    deinit { try? handle.close() }

    public var frameCount: Int { index.count }

    /// Appends one JPEG frame as a `00dc` chunk.
    public func append(_ jpeg: some Collection<UInt8>) throws(RecorderError) {
        precondition(!finished)
        var chunk = Data()
        chunk.append(contentsOf: Array("00dc".utf8))
        chunk.append(le32(UInt32(jpeg.count)))
        chunk.append(contentsOf: jpeg)
        if jpeg.count % 2 == 1 { chunk.append(0) }
        index.append((UInt32(position - moviStart), UInt32(jpeg.count)))
        largest = max(largest, jpeg.count)
        try write(chunk)
    }

    /// Writes the index and final sizes, makes the clip durable and gives it its real name.
    public func finish() throws(RecorderError) {
        precondition(!finished)
        finished = true
        var idx = Data(Array("idx1".utf8))
        idx.append(le32(UInt32(index.count * 16)))
        for entry in index {
            idx.append(contentsOf: Array("00dc".utf8))
            idx.append(le32(0x10))  // AVIIF_KEYFRAME: every MJPEG frame stands alone
            idx.append(le32(entry.offset))
            idx.append(le32(entry.size))
        }
        let moviSize = UInt32(position - moviStart)
        try write(idx)
        let header = Self.header(
            width: width, height: height, fps: fps, frames: index.count, largest: largest,
            riffSize: UInt32(position - 8), moviSize: moviSize)
        do {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: header)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw RecorderError(.io, "cannot finish \(temporaryPath): \(error.localizedDescription)")
        }
        try Durable.rename(temporaryPath, to: path)
    }

    private func write(_ data: Data) throws(RecorderError) {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw RecorderError(.io, "cannot write \(temporaryPath): \(error.localizedDescription)")
        }
        position += UInt64(data.count)
    }

    /// RIFF header, hdrl (avih, strl: strh, strf) and the start of the movi list.
    static func header(
        width: Int, height: Int, fps: Double, frames: Int, largest: Int, riffSize: UInt32, moviSize: UInt32
    ) -> Data {
        let rate = UInt32((fps * 1000).rounded())
        var avih = Data()
        for value in [
            UInt32(1e6 / fps), UInt32(Double(largest) * fps), 0, 0x10 /* AVIF_HASINDEX */, UInt32(frames), 0, 1,
            UInt32(largest), UInt32(width), UInt32(height), 0, 0, 0, 0,
        ] { avih.append(le32(value)) }
        var strh = Data(Array("vidsMJPG".utf8))
        for value in [0, 0, 0, 1000, rate, 0, UInt32(frames), UInt32(largest), 0xFFFF_FFFF, 0] as [UInt32] {
            strh.append(le32(value))
        }
        strh.append(le16(0) + le16(0) + le16(UInt16(width)) + le16(UInt16(height)))
        var strf = Data()
        strf.append(le32(40) + le32(UInt32(width)) + le32(UInt32(height)) + le16(1) + le16(24))
        strf.append(contentsOf: Array("MJPG".utf8))
        strf.append(le32(UInt32(width * height * 3)) + le32(0) + le32(0) + le32(0) + le32(0))
        let strl = list("strl", chunk("strh", strh) + chunk("strf", strf))
        let hdrl = list("hdrl", chunk("avih", avih) + strl)
        var data = Data(Array("RIFF".utf8))
        data.append(le32(riffSize))
        data.append(contentsOf: Array("AVI ".utf8))
        data.append(hdrl)
        data.append(contentsOf: Array("LIST".utf8))
        data.append(le32(moviSize))
        data.append(contentsOf: Array("movi".utf8))
        return data
    }
}

/// Reads MJPEG AVI clips written by ``AVIWriter`` (and other simple MJPEG AVIs).
public struct AVIReader: Sendable {
    public let width: Int
    public let height: Int
    public let fps: Double
    /// Byte ranges of the JPEG frames in the file.
    public let frames: [Range<Int>]
    let data: [UInt8]

    /// Parses `path`; with `scan`, ignores the index and walks the movi chunks (repairing partial files).
    public init(_ path: String, scan: Bool = false) throws(RecorderError) {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw RecorderError(.io, "cannot read \(path)")
        }
        data = [UInt8](contents)
        guard data.count >= 12, data[0..<4].elementsEqual("RIFF".utf8), data[8..<12].elementsEqual("AVI ".utf8) else {
            throw RecorderError(.invalidClip, "\(path) is not an AVI file")
        }
        guard let avih = Self.find("avih", in: data), avih.count >= 40,
            let strh = Self.find("strh", in: data), strh.count >= 28,
            let movi = Self.findList("movi", in: data)
        else {
            throw RecorderError(.invalidClip, "\(path) has no AVI headers")
        }
        width = Int(Self.u32(data, avih.lowerBound + 32))
        height = Int(Self.u32(data, avih.lowerBound + 36))
        let scale = Double(Self.u32(data, strh.lowerBound + 20))
        let rate = Double(Self.u32(data, strh.lowerBound + 24))
        fps = scale > 0 ? rate / scale : 0
        var found: [Range<Int>] = []
        if !scan, let idx = Self.find("idx1", in: data) {
            let base = movi.lowerBound  // idx1 offsets count from the 'movi' fourcc
            for entry in stride(from: idx.lowerBound, to: idx.upperBound - 15, by: 16) {
                let start = base + Int(Self.u32(data, entry + 8)) + 8
                let size = Int(Self.u32(data, entry + 12))
                guard start >= 0, start + size <= data.count else {
                    throw RecorderError(.invalidClip, "\(path): index points past the end")
                }
                found.append(start..<(start + size))
            }
        } else {
            // Walk the chunks; stop at the first one cut short (a crash mid-write).
            var offset = movi.lowerBound + 4
            while offset + 8 <= data.count {
                let size = Int(Self.u32(data, offset + 4))
                let start = offset + 8
                guard start + size <= data.count else { break }
                if data[offset..<(offset + 4)].elementsEqual("00dc".utf8) { found.append(start..<(start + size)) }
                if data[offset..<(offset + 4)].elementsEqual("idx1".utf8) { break }
                offset = start + size + (size & 1)
            }
        }
        frames = found
    }

    /// The JPEG bytes of frame `index`.
    public func frame(_ index: Int) -> ArraySlice<UInt8> { data[frames[index]] }

    /// Rebuilds a partial clip's index into a whole clip at `path`: every whole, valid frame is kept.
    @discardableResult
    public static func recover(_ partial: String, to path: String) throws(RecorderError) -> Int {
        let reader = try AVIReader(partial, scan: true)
        let writer = try AVIWriter(
            path: path, width: reader.width, height: reader.height, fps: reader.fps > 0 ? reader.fps : 30)
        var kept = 0
        for range in reader.frames {
            let valid = reader.data.withUnsafeBytes { all -> Bool in
                guard case .success = JPEGMarkers.inspect(UnsafeRawBufferPointer(rebasing: all[range])) else {
                    return false
                }
                return true
            }
            guard valid else { continue }
            try writer.append(reader.data[range])
            kept += 1
        }
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

    /// The payload of the LIST of type `type` (starting at its type fourcc).
    static func findList(_ type: String, in data: [UInt8]) -> Range<Int>? {
        var offset = 12
        while offset + 12 <= data.count {
            let size = Int(u32(data, offset + 4))
            if data[offset..<(offset + 4)].elementsEqual("LIST".utf8),
                data[(offset + 8)..<(offset + 12)].elementsEqual(type.utf8)
            {
                return (offset + 8)..<min(offset + 8 + size, data.count)
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}

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

func le32(_ value: UInt32) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
func le16(_ value: UInt16) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }

func chunk(_ fourcc: String, _ payload: Data) -> Data {
    var data = Data(Array(fourcc.utf8))
    data.append(le32(UInt32(payload.count)))
    data.append(payload)
    if payload.count % 2 == 1 { data.append(0) }
    return data
}

func list(_ type: String, _ payload: Data) -> Data {
    var data = Data(Array("LIST".utf8))
    data.append(le32(UInt32(payload.count + 4)))
    data.append(contentsOf: Array(type.utf8))
    data.append(payload)
    return data
}
