import Foundation
import MirrorCore

/// Where a decrypted clip may be written: a new regular file, created 0600 (the caller may widen it), or in place of
/// a regular file the caller owns. Never through or over a symbolic link, a device, a directory or another user's
/// file: a shopper's video must not land in `/dev/full`, behind a planted link or in a world-readable file.
public enum ExportFile {
    /// Writes `bytes` to `path` with ``DurableFile`` (a new 0600 file beside it, synced, renamed over `path`), so a
    /// crash leaves the old file or the whole new one. Throws a ``CLIError`` (exit 73) saying what
    /// `path` is when it refuses.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try check(path)
        do {
            try DurableFile.write(bytes, to: path)
        } catch {
            throw CLIError("cannot write \(path): \(error.reason)", exitCode: 73)
        }
    }

    /// Refuses `path` (exit 73, saying what it is) unless it is a new file in a folder the caller may write, or a
    /// regular file of the caller's: run before mirrord is asked for a clip, so a destination that cannot take it
    /// costs no decryption, no transfer and no audit row of an export that never happened.
    public static func check(_ path: String) throws {
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
        let parent = folder.isEmpty ? "." : folder
        guard stat(parent, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw CLIError("cannot write \(path): there is no folder \(parent)", exitCode: 73)
        }
        guard access(parent, W_OK | X_OK) == 0 else {
            throw CLIError("cannot write \(path): the folder \(parent) is not writable by you", exitCode: 73)
        }
    }
}
