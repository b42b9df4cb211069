import Foundation
import MirrorTesting
import Testing

/// Issue: mirrorhub ran the database and the HTTP server in two service groups that both took SIGTERM, so the
/// database (PostgreSQL's connection pool) stopped while HTTP was still finishing its requests. Now one group
/// stops HTTP first and the database last.
@Suite(.serialized) struct HubLifecycleTests {
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
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(hub.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(connected == 0)
            func send(_ text: String) { _ = text.withCString { write(fd, $0, strlen($0)) } }
            send(
                "PUT /v1/catalog HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(headOffice)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[")
            try await Task.sleep(for: .milliseconds(500))
            kill(process.processIdentifier, SIGTERM)
            // Long enough for a database that stops with the signal to have stopped.
            try await Task.sleep(for: .seconds(1))
            send("]")
            var answer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 200) >= 0 else { break }
                guard ready.revents != 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                answer.append(contentsOf: chunk[0..<count])
                if String(decoding: answer, as: UTF8.self).contains("\"changed\"") { break }
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
