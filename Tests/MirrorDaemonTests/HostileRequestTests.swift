import Foundation
import Testing

/// Issue: numbers that did not parse were taken as defaults (`seconds=abc` opened a consent session), an unknown
/// clip answered 403, path parameters were not percent-decoded, and mirrorctl sent a clip id's `?` as a query.
///
/// Serialized, and alone in scripts/test: 300 half-sent requests each, held until the idle timeouts close them.
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
            let fd = try connectUnix(daemon.socket)
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
            var flags = fcntl(fd, F_GETFL)
            flags |= O_NONBLOCK
            _ = fcntl(fd, F_SETFL, flags)
            if isClosed(fd) { closed += 1 }
        }
        print("closed by mirrord after 12 s: \(closed) of \(held.count)")
        #expect(closed == held.count)
        #expect(try await daemon.stop() == 0)
    }

    /// Issue: concurrent screenshots each took a new copy of the panel with no bound (500 took mirrord to 337 MB; 100
    /// sent at once +174 MB). Now one is taken at a time from one kept buffer and the others are answered 503 with
    /// Retry-After, which mirrorctl honours.
    @Test func aBurstOfScreenshotsIsBoundedAndTheRestAreAskedToComeBack() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let pid = daemon.process.processIdentifier
        let first = try await run(
            Binaries.path("mirrorctl"), ["screenshot", "\(daemon.folder)/first.png", "--socket", daemon.socket])
        #expect(first.status == 0, "\(first)")
        let before = try peakResidentKilobytes(pid)
        // 100 requests, all sent before any answer is read, so mirrord holds them at once.
        var connections: [Int32] = []
        defer { connections.forEach { close($0) } }
        for _ in 0..<100 {
            let fd = try connectUnix(daemon.socket)
            let request = "GET /v1/screenshot HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n"
            _ = request.withCString { write(fd, $0, strlen($0)) }
            connections.append(fd)
        }
        var answers: [String: Int] = [:]
        var retryAfterOnEvery503 = true
        for fd in connections {
            let answer = readToEnd(fd, timeout: .seconds(30))
            let head = String(decoding: answer.prefix(512), as: UTF8.self)
            let status = head.split(separator: " ").dropFirst().first.map(String.init) ?? "none"
            answers[status, default: 0] += 1
            if status == "503" && !head.lowercased().contains("retry-after: 1") { retryAfterOnEvery503 = false }
        }
        let after = try peakResidentKilobytes(pid)
        print("100 screenshots at once: \(answers); peak RSS \(before) -> \(after) kB (+\((after - before) / 1024) MB)")
        #expect(Set(answers.keys).isSubset(of: ["200", "503"]), "\(answers)")
        #expect(answers["200", default: 0] >= 1 && retryAfterOnEvery503)
        #expect(after - before < 40 * 1024, "peak grew by \(after - before) kB")
        // Staff asking while others are taken get theirs after a retry.
        let socket = daemon.socket
        let folder = daemon.folder
        let shots = try await withThrowingTaskGroup(of: Int32.self) { group in
            for index in 0..<6 {
                group.addTask {
                    try await run(
                        Binaries.path("mirrorctl"), ["screenshot", "\(folder)/shot\(index).png", "--socket", socket]
                    ).status
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(shots.allSatisfy { $0 == 0 }, "\(shots)")
        #expect(try await daemon.stop() == 0)
    }

    /// Issue: the hub, which faces the network, kept 2,000 half-sent requests open for good. Now it closes a
    /// connection that sends nothing or half a request after 10 s, and answers others meanwhile.
    @Test func theHubClosesHalfSentRequestsAndStillAnswers() async throws {
        let hub = try HubUnderTest()
        try await hub.start()
        defer { hub.crash() }
        var held: [Int32] = []
        defer { held.forEach { close($0) } }
        // From three addresses, 100 each: within each client's share (128), so that it is the idle timeout that
        // closes them (from one address, those over the share were closed at once, and so was /healthz).
        for index in 0..<300 {
            let fd = try connectLoopback(port: hub.port, from: "127.0.0.\(2 + index % 3)")
            let partial = index % 2 == 0 ? "GET /v1/version HTTP/1.1\r\nHost: hu" : ""
            _ = partial.withCString { write(fd, $0, strlen($0)) }
            held.append(fd)
        }
        let started = ContinuousClock.now
        let health = try await hub.get("/healthz", token: nil)
        print(
            "hub /healthz with 300 half-sent requests held: \(health.count) bytes after \(ContinuousClock.now - started)"
        )
        try await Task.sleep(for: .seconds(14))
        var closed = 0
        for fd in held {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            if isClosed(fd) { closed += 1 }
        }
        print("closed by mirrorhub after 14 s: \(closed) of \(held.count)")
        #expect(closed == held.count)
    }
}

/// Whether the server closed `fd` (non-blocking): the end of the stream, or a reset (a connection closed with
/// bytes of ours unread, as one refused over its client's share is).
private func isClosed(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    let count = recv(fd, &byte, 1, 0)
    return count == 0 || (count < 0 && errno == ECONNRESET)
}

private func peakResidentKilobytes(_ pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { throw TestFailure("no VmHWM for \(pid)") }
    return kilobytes
}
