import Foundation
import Testing

/// Issue: a request whose headers arrive whole and whose body then trickles (a byte every few seconds) held its
/// connection for ever, since every byte reset the idle timeout; 900 of them silenced the hub. Now every listener
/// answers 408 and closes a request that has not arrived within its allowance plus a second per 8 KiB of body.
@Suite(.serialized) struct SlowBodyTests {
    /// Sends complete headers announcing `length` bytes of body, then one byte every 2 s; the answer and when
    /// it came (nil when none came within `limit`).
    static func trickle(_ fd: Int32, head: String, limit: Duration) async throws -> (String, Duration)? {
        _ = head.withCString { write(fd, $0, strlen($0)) }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            _ = " ".withCString { send(fd, $0, 1, Int32(MSG_NOSIGNAL)) }
            let answer = readToEnd(fd, timeout: .seconds(2)) { _ in true }
            if !answer.isEmpty { return (String(decoding: answer, as: UTF8.self), ContinuousClock.now - started) }
        }
        return nil
    }

    @Test func theHubAnswers408ToATricklingBody() async throws {
        let hub = try HubUnderTest()
        try await hub.start()
        let fd = try connectLoopback(port: hub.port)
        defer { close(fd) }
        let head =
            "POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        let outcome = try await Self.trickle(fd, head: head, limit: .seconds(45))
        print(
            "a trickling enrolment body on the hub: \(outcome.map { "\($0.0.prefix(12)) after \($0.1)" } ?? "no answer")"
        )
        let (answer, after) = try #require(outcome, "the hub answered within 45 s")
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(after < .seconds(25))
        _ = try await hub.get("/healthz", token: nil)
    }

    @Test func mirrordAnswers408ToATricklingBodyOnItsSocket() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let fd = try connectUnix(daemon.socket)
        defer { close(fd) }
        let head = "POST /v1/enroll HTTP/1.1\r\nHost: mirror\r\nContent-Length: 100\r\n\r\n"
        let outcome = try await Self.trickle(fd, head: head, limit: .seconds(45))
        print(
            "a trickling body on mirrord's socket: \(outcome.map { "\($0.0.prefix(12)) after \($0.1)" } ?? "no answer")"
        )
        let (answer, after) = try #require(outcome, "mirrord answered within 45 s")
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(after < .seconds(25))
        #expect(try await run(Binaries.path("mirrorctl"), ["status", "--socket", daemon.socket]).status == 0)
        #expect(try await daemon.stop() == 0)
    }
}
