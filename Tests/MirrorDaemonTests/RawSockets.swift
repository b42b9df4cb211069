import Foundation

// Raw connections, for tests that hold requests half sent or send many before reading any answer.

/// A connection to the Unix socket at `path`; one not made within 2 s (a full backlog) fails.
func connectUnix(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var limit = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
        for (offset, byte) in path.utf8.enumerated() { sunPath[offset] = byte }
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        throw TestFailure("cannot connect to \(path): \(String(cString: strerror(errno)))")
    }
    return fd
}

/// Everything `fd` sends until it closes or `done` says so, or what came within `timeout`.
func readToEnd(_ fd: Int32, timeout: Duration, until done: ([UInt8]) -> Bool = { _ in false }) -> [UInt8] {
    let deadline = ContinuousClock.now + timeout
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while ContinuousClock.now < deadline {
        var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 200) >= 0 else { break }
        guard ready.revents != 0 else { continue }
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        if done(bytes) { break }
    }
    return bytes
}

/// A TCP connection to `port` on 127.0.0.1, from `source` (another loopback address, as another client would be)
/// when given; a connection not made within 2 s fails.
func connectLoopback(port: Int, from source: String? = nil) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var limit = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    if let source {
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw TestFailure("cannot bind \(source): \(String(cString: strerror(errno)))")
        }
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        throw TestFailure("cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    }
    return fd
}
