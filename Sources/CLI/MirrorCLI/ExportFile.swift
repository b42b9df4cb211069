import Foundation

/// Where a decrypted clip may be written: a new regular file, created 0600 (the caller may widen it), or in place of
/// a regular file the caller owns. Never through or over a symbolic link, a device, a directory or another user's
/// file: a shopper's video must not land in `/dev/full`, behind a planted link or in a world-readable file.
public enum ExportFile {
    /// Writes `bytes` to `path`: into a new 0600 file beside it (`O_EXCL | O_NOFOLLOW`), synced, then renamed over
    /// `path`, so a crash leaves the old file or the whole new one. Throws a ``CLIError`` (exit 73) saying what
    /// `path` is when it refuses.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            let refusal: String? =
                switch kind {
                case S_IFLNK: "it is a symbolic link"
                case S_IFDIR: "it is a directory"
                case S_IFREG: info.st_uid == geteuid() ? nil : "it is another user's file"
                default: "it is a device or special file, not a regular file"
                }
            if let refusal {
                throw CLIError("refusing to write \(path): \(refusal) (name a new file)", exitCode: 73)
            }
        } else if errno != ENOENT {
            throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))", exitCode: 73)
        }
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).\(getpid()).part"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))", exitCode: 73)
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw CLIError("cannot write \(path): \(String(cString: strerror(failure)))", exitCode: 73)
        }
    }
}
