#if canImport(Glibc)
    import Glibc
#endif

/// The project's one way to write a whole file so that a crash or power loss leaves either the old file or the
/// new one, never a part: the bytes go to a new file beside `path` (`O_EXCL | O_NOFOLLOW`, created with `mode`,
/// 0600 by default: secrets and shoppers' data), are synced, then renamed over `path` (or, with
/// `replace: false`, linked, so a file another process put there meanwhile wins), and the folder is synced so
/// the new name survives too. The temporary file never outlives the call.
public enum DurableFile {
    /// Writes `bytes` to `path`. Returns false only when `replace` is false and `path` already exists.
    @discardableResult
    public static func write(
        _ bytes: some Collection<UInt8>, to path: String, mode: mode_t = 0o600, replace: Bool = true
    ) throws(SystemCallError) -> Bool {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(folder)/.\(name).\(getpid())-\(UInt32.random(in: .min ... .max)).part"
        let fd = try systemCall("open", temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        defer { unlink(temporary) }
        // The error of the first write or fsync that failed, if any.
        let failure: SystemCallError? = Array(bytes).withUnsafeBytes { buffer in
            defer { close(fd) }
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Glibc.write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return SystemCallError(call: "write", subject: temporary, errno: errno)
                }
                offset += written
            }
            return fsync(fd) == 0 ? nil : SystemCallError(call: "fsync", subject: temporary, errno: errno)
        }
        if let failure { throw failure }
        if replace {
            try systemCall("rename", path) { rename(temporary, path) }
        } else if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw SystemCallError(call: "link", subject: path, errno: errno)
        }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return true
    }
}
