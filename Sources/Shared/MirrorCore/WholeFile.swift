#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole file with the `errno` of what failed, so a caller can tell a file that cannot be read (gone,
/// not allowed) from a process that cannot read anything just now (out of descriptors or memory).
public enum WholeFile {
    public static func read(_ path: String) throws(SystemCallError) -> [UInt8] {
        let fd = try systemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = try systemCall("read", path) {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}

extension SystemCallError {
    /// Whether the call failed for want of a resource the process may have again soon (descriptors, memory,
    /// kernel buffers), not because of the file itself: worth trying again later.
    public var isTransient: Bool { [EMFILE, ENFILE, ENOMEM, ENOBUFS, EAGAIN].contains(errno) }
}
