import Foundation
import Testing

/// Issue: numbers that did not parse were taken as defaults (`seconds=abc` opened a consent session), an unknown
/// clip answered 403, path parameters were not percent-decoded, and mirrorctl sent a clip id's `?` as a query.
@Suite(.serialized) struct HostileRequestTests {
    @Test func numbersThatDoNotParseAndClipIdsAreRefusedAsSuch() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func call(_ method: String, _ path: String) async throws -> (status: Int, body: String) {
            let outcome = try await run(
                "/usr/bin/curl",
                ["-s", "-X", method, "--unix-socket", daemon.socket, "-w", "\n%{http_code}", "http://mirror\(path)"])
            let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
        }
        for (method, path, range) in [
            ("POST", "/v1/record?seconds=abc", "2 to 30"),
            ("POST", "/v1/record?seconds=9223372036854775808", "2 to 30"),
            ("GET", "/v1/logs?limit=abc", "1 to 2000"), ("GET", "/v1/audit?limit=1e2", "1 to 10000"),
            ("POST", "/v1/display/test-pattern?seconds=ten", "1 to 600"),
            ("POST", "/v1/record?seconds=5&seconds=6", "given once"),
        ] {
            let answer = try await call(method, path)
            #expect(answer.status == 400 && answer.body.contains(range), "\(path): \(answer)")
        }
        let ui = try await run(Binaries.path("mirrorctl"), ["ui", "state", "--json", "--socket", daemon.socket])
        #expect(ui.stdout.contains("\"state\" : \"idle\""), "a refused record opened a session: \(ui.stdout)")

        let unknown = try await call("GET", "/v1/clips/nope/export")
        #expect(unknown.status == 404 && unknown.body.contains("no clip nope"), "\(unknown)")
        let spaced = try await call("GET", "/v1/clips/a%20b/export")
        #expect(spaced.status == 404 && spaced.body.contains("no clip a b"), "\(spaced)")
        let query = try await run(
            Binaries.path("mirrorctl"),
            ["clips", "export", "x?y=1", "\(daemon.folder)/out.avi", "--socket", daemon.socket])
        #expect(query.status != 0 && query.stderr.contains("no clip x?y=1"), "\(query)")
        #expect(try await daemon.stop() == 0)
    }

    /// Issue: 2,000 half-sent requests stayed open for good; 20,000 put mirrord at 100 % CPU and starved status and
    /// the sweep. Now a connection that sends nothing or half a request is closed after 5 s, at most 512 are open,
    /// and staff still get an answer while 300 half-sent requests are held.
    @Test func halfSentRequestsAreClosedAndStatusStillAnswers() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        for index in 0..<300 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { path in
                for (offset, byte) in daemon.socket.utf8.enumerated() { path[offset] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            #expect(connected == 0, "connect \(index)")
            let partial = index % 2 == 0 ? "GET /v1/status HTTP/1.1\r\nHost: mir" : ""
            _ = partial.withCString { write(fd, $0, strlen($0)) }
            held.append(fd)
        }
        let started = ContinuousClock.now
        let status = try await run(Binaries.path("mirrorctl"), ["status", "--socket", daemon.socket])
        let waited = ContinuousClock.now - started
        print("status with 300 half-sent requests held: exit \(status.status) after \(waited)")
        #expect(status.status == 0, "\(status.stderr)")
        // Every held connection is closed by mirrord (a read sees the end) within the timeout and a margin.
        try await Task.sleep(for: .seconds(12))
        var closed = 0
        for fd in held {
            var byte: UInt8 = 0
            var flags = fcntl(fd, F_GETFL)
            flags |= O_NONBLOCK
            _ = fcntl(fd, F_SETFL, flags)
            if recv(fd, &byte, 1, 0) == 0 { closed += 1 }
        }
        print("closed by mirrord after 12 s: \(closed) of \(held.count)")
        #expect(closed == held.count)
        #expect(try await daemon.stop() == 0)
    }
}
