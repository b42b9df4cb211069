import Foundation
public import MirrorCore

/// Where ``AVIWriter`` puts a clip's bytes: a plain file or an encrypted container.
///
/// The first ``write(_:)`` is the clip's head (the AVI header); ``finish(head:)`` replaces it once with
/// bytes of the same length, then makes the clip durable under its final name.
public protocol ClipSink: AnyObject {
    /// The name the finished clip gets.
    var path: String { get }
    /// The name the clip is written under until ``finish(head:)``.
    var temporaryPath: String { get }
    /// Appends bytes; the first call's bytes are the head.
    func write(_ bytes: [UInt8]) throws(RecorderError)
    /// Hands everything appended so far to the kernel, so a killed process loses nothing before this call.
    func flush() throws(RecorderError)
    /// Rewrites the head (same length as the first write), fsyncs, renames into place and fsyncs the folder.
    func finish(head: [UInt8]) throws(RecorderError)
}

/// Random access to a clip's bytes: a plain file, or the plaintext of an encrypted clip.
public protocol ClipSource: AnyObject {
    /// What the source is called in error messages (usually its path).
    var name: String { get }
    /// How many bytes can be read.
    var length: Int { get }
    /// Up to `count` bytes from `offset`; fewer only where the source ends.
    func read(offset: Int, count: Int) throws(RecorderError) -> [UInt8]
}

/// A plain file written in place: the behaviour ``AVIWriter`` always had.
public final class PlainFileSink: ClipSink {
    public let path: String
    public let temporaryPath: String
    private let file: RawFile
    private var headLength: Int?

    /// Creates `temporaryPath` (by default `path + ".partial"`); nothing appears at `path` until
    /// ``finish(head:)``.
    public init(path: String, temporaryPath: String? = nil) throws(RecorderError) {
        self.path = path
        self.temporaryPath = temporaryPath ?? path + ".partial"
        file = try RawFile(creating: self.temporaryPath)
    }

    public func write(_ bytes: [UInt8]) throws(RecorderError) {
        if headLength == nil { headLength = bytes.count }
        try file.append(bytes)
    }

    /// Nothing to do: every write already went to the kernel.
    public func flush() throws(RecorderError) {}

    public func finish(head: [UInt8]) throws(RecorderError) {
        guard head.count == headLength else {
            throw RecorderError(.io, "cannot finish \(temporaryPath): the new head is not the size of the old one")
        }
        try file.write(head, at: 0)
        try file.sync()
        file.close()
        try Durable.rename(temporaryPath, to: path)
    }
}

/// Reads a plain file with `pread`, never holding more than one request in memory.
public final class PlainFileSource: ClipSource {
    public let name: String
    public let length: Int
    private let file: RawFile

    /// Opens `path` for reading.
    public init(path: String) throws(RecorderError) {
        name = path
        file = try RawFile(reading: path)
        length = try file.size()
    }

    public func read(offset: Int, count: Int) throws(RecorderError) -> [UInt8] {
        try file.read(at: offset, count: max(0, min(count, length - offset)))
    }
}

/// A file descriptor with the few calls the recorder needs, errors carrying the path.
final class RawFile {
    let path: String
    private var fd: Int32

    init(creating path: String, mode: mode_t = 0o644) throws(RecorderError) {
        self.path = path
        do {
            fd = try systemCall("open", path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        } catch {
            throw RecorderError(.io, "cannot create \(path)", underlying: error)
        }
    }

    init(reading path: String) throws(RecorderError) {
        self.path = path
        do {
            fd = try systemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        } catch {
            throw RecorderError(.io, "cannot open \(path)", underlying: error)
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    func size() throws(RecorderError) -> Int {
        var info = stat()
        do {
            try systemCall("fstat", path) { fstat(fd, &info) }
        } catch {
            throw RecorderError(.io, "cannot stat \(path)", underlying: error)
        }
        return Int(info.st_size)
    }

    func append(_ bytes: [UInt8]) throws(RecorderError) {
        try write(bytes, at: nil)
    }

    /// Writes all of `bytes` at `offset`, or at the end of what was written when `offset` is nil.
    func write(_ bytes: [UInt8], at offset: Int?) throws(RecorderError) {
        var done = 0
        while done < bytes.count {
            let written: Int
            do {
                written = try bytes.withUnsafeBytes { raw throws(SystemCallError) -> Int in
                    let rest = raw.baseAddress! + done
                    if let offset {
                        return try systemCall("pwrite", path) {
                            pwrite(fd, rest, raw.count - done, off_t(offset + done))
                        }
                    }
                    return try systemCall("write", path) { Glibc.write(fd, rest, raw.count - done) }
                }
            } catch {
                throw RecorderError(.io, "cannot write \(path)", underlying: error)
            }
            done += written
        }
    }

    /// Up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(at offset: Int, count: Int) throws(RecorderError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got: Int
            do {
                got = try bytes.withUnsafeMutableBytes { raw throws(SystemCallError) -> Int in
                    try systemCall("pread", path) {
                        pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                    }
                }
            } catch {
                throw RecorderError(.io, "cannot read \(path)", underlying: error)
            }
            if got == 0 { break }
            done += got
        }
        if done < count { bytes.removeLast(count - done) }
        return bytes
    }

    func sync() throws(RecorderError) {
        do {
            try systemCall("fsync", path) { fsync(fd) }
        } catch {
            throw RecorderError(.io, "cannot sync \(path)", underlying: error)
        }
    }
}
