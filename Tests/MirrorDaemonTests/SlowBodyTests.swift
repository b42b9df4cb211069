import Foundation
import MirrorCore
import Testing

/// Issue: a request whose headers arrive whole and whose body then trickles (a byte every few seconds) held its
/// connection for ever, since every byte reset the idle timeout; 900 of them silenced the hub. Now every listener
/// answers 408 and closes a request that has not arrived within its allowance plus a second per 8 KiB of body.
///
/// Serialized, and alone in scripts/test: trickled bodies timed against the request deadlines.
@Suite(.serialized) struct SlowBodyTests {
    /// Sends complete headers announcing a body (`head`), then one byte every 2 s, and expects a 408 well before
    /// the trickle could end (at most 45 s are waited); `what` names the listener in the printed figure.
    /// The socket is blocking: it is read on a thread of its own, never on the shared pool.
    static func expect408(_ fd: Int32, head: String, what: String) async throws {
        _ = head.withCString { write(fd, $0, strlen($0)) }
        let started = ContinuousClock.now
        let answer = await LoopThread.run("trickle") { () -> String in
            var answer = ""
            while answer.isEmpty, ContinuousClock.now - started < .seconds(45) {
                _ = " ".withCString { send(fd, $0, 1, Int32(MSG_NOSIGNAL)) }
                answer = String(decoding: readToEnd(fd, timeout: .seconds(2)) { _ in true }, as: UTF8.self)
            }
            return answer
        }
        let after = ContinuousClock.now - started
        print("a trickling body on \(what): \(answer.isEmpty ? "no answer" : String(answer.prefix(12))) after \(after)")
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(after < .seconds(25))
    }

    @Test func theHubAnswers408ToATricklingBody() async throws {
        let hub = try HubUnderTest()
        try await hub.start()
        let fd = try connectLoopback(port: hub.port)
        defer { close(fd) }
        let head =
            "POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        try await Self.expect408(fd, head: head, what: "the hub's enrolment")
        _ = try await hub.get("/healthz", token: nil)
    }

    @Test func mirrordAnswers408ToATricklingBodyOnItsSocket() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let fd = try connectUnix(daemon.socket)
        defer { close(fd) }
        let head = "POST /v1/enroll HTTP/1.1\r\nHost: mirror\r\nContent-Length: 100\r\n\r\n"
        try await Self.expect408(fd, head: head, what: "mirrord's socket")
        #expect(try await run(Binaries.path("mirrorctl"), ["status", "--socket", daemon.socket]).status == 0)
        #expect(try await daemon.stop() == 0)
    }
}
