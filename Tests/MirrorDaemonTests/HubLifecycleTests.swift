import Foundation
import MirrorTesting
import Testing

/// Issue: mirrorhub ran the database and the HTTP server in two service groups that both took SIGTERM, so the
/// database (PostgreSQL's connection pool) stopped while HTTP was still finishing its requests. Now one group
/// stops HTTP first and the database last.
@Suite struct HubLifecycleTests {
    @Test func aRequestInFlightAtSIGTERMStillReachesTheDatabase() async throws {
        guard let server = ProcessInfo.processInfo.environment["MIRROR_TEST_POSTGRES"] else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("MIRROR_TEST_POSTGRES is not set: scripts/test starts PostgreSQL and sets it")
            } else {
                print("skipped: MIRROR_TEST_POSTGRES is not set (scripts/test starts PostgreSQL and sets it)")
            }
            return
        }
        try await ScratchPostgres.withNamedDatabase(serverURL: server, prefix: "mirrorhub_lifecycle") { _, url in
            let hub = try HubUnderTest()
            hub.database = url
            let headOffice = try await hub.admin("create-credential", "--role", "head_office", "--name", "test")
            try await hub.start()
            defer { hub.crash() }
            guard let process = hub.process else { throw TestFailure("no hub process") }

            // A catalog upload whose body is half sent: the request is in the handler, waiting for the rest.
            let fd = try connectLoopback(port: hub.port)
            defer { close(fd) }
            func send(_ text: String) { _ = text.withCString { write(fd, $0, strlen($0)) } }
            send(
                "PUT /v1/catalog HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(headOffice)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[")
            try await Task.sleep(for: .milliseconds(500))
            kill(process.processIdentifier, SIGTERM)
            // Long enough for a database that stops with the signal to have stopped.
            try await Task.sleep(for: .seconds(1))
            send("]")
            let answer = readToEnd(fd, timeout: .seconds(10)) {
                String(decoding: $0, as: UTF8.self).contains("\"changed\"")
            }
            let text = String(decoding: answer, as: UTF8.self)
            print("the upload in flight at SIGTERM got: \(text.split(separator: "\r\n").first ?? "nothing")")
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            let stopped = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < stopped { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!process.isRunning && process.terminationStatus == 0, "mirrorhub stopped cleanly after the request")
        }
    }
}
