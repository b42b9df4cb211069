import Foundation
import MirrorCore
import Testing

/// Issue: 905 connections trickling a body silenced the hub, and 50 did the same to mirrord's socket and share
/// port: every listener's cap filled with them and newcomers waited. Now one client (an address, or a process on
/// a Unix socket) holds a share of each process's connections and no more, so a flood from one place leaves the
/// rest answering. The flood here comes from 127.0.0.2 (or the test process on the socket); everyone else is
/// another address or process.
///
/// Serialized, and alone in scripts/test: thousands of connections: another test's would be refused.
@Suite(.serialized) struct ConnectionFloodTests {
    static let flood = 600

    /// Opens `count` connections to `connect()`, each sending complete headers for a 100,000-byte body and one
    /// byte of it; answers the descriptors (closed by the caller) that are still open `settle` later (past the
    /// 250 ms a refused connection to the socket is given to send its head, for its 503). Connections that cannot
    /// be made (the server stopped accepting) are left out. Without `settle`, answers every connection made, at
    /// once. The sockets are blocking: they are used on a thread of their own, never on the shared pool the other
    /// tests' tasks run on.
    static func trickle(
        _ count: Int, head: String, settle: Duration? = .seconds(1), connect: @escaping @Sendable () throws -> Int32
    ) async throws -> [Int32] {
        let open = await LoopThread.run("flood") { () -> [Int32] in
            var open: [Int32] = []
            for _ in 0..<count {
                guard let fd = try? connect() else { continue }
                _ = (head + "{").withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                open.append(fd)
            }
            return open
        }
        guard let settle else { return open }
        try await Task.sleep(for: settle)
        // A connection the server closed reads as ended at once; one it holds has nothing to read.
        var held: [Int32] = []
        for fd in open {
            var byte: UInt8 = 0
            if recv(fd, &byte, 1, Int32(MSG_DONTWAIT)) < 0, errno == EAGAIN { held.append(fd) } else { close(fd) }
        }
        return held
    }

    /// How long `body` takes.
    static func timed(_ body: () async throws -> Void) async rethrows -> Duration {
        let started = ContinuousClock.now
        try await body()
        return ContinuousClock.now - started
    }

    /// The resident memory (KiB) and open descriptors of process `pid`.
    static func footprint(_ pid: Int32) -> (rssKiB: Int, descriptors: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.flatMap {
            Int($0.split(separator: " ").dropFirst().first ?? "")
        }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        return (rss ?? -1, descriptors)
    }

    @Test func aFloodFromOneAddressLeavesTheHubAnsweringWhileAMirrorSyncs() async throws {
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(interval: 1)
        defer { hub.crash() }
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let head =
            "POST /v1/enrol HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        let hubPort = hub.port
        let held = try await Self.trickle(Self.flood, head: head) {
            try connectLoopback(port: hubPort, from: "127.0.0.2")
        }
        defer { held.forEach { close($0) } }
        // The hub's side, not ours (a connection the hub has not accepted yet looks held from here).
        let (rss, descriptors) = Self.footprint(try #require(hub.process?.processIdentifier))

        // Everyone else: /healthz on a new connection at once, and the mirror's request reaches head office.
        let took = try await Self.timed { _ = try await hub.get("/healthz", token: nil) }
        #expect(took < .seconds(1), "/healthz took \(took)")
        let ctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        #expect(try await ctl(["ui", "event", "start"]).status == 0)
        #expect(try await ctl(["suggestions", "act", "request", "KN-101-RUS"]).status == 0)
        let arrived = try await eventuallyAsync(timeout: .seconds(15)) {
            let body = try? await hub.get("/v1/stores/demo-store/requests?all=1", token: headOffice)
            return body.map { String(decoding: $0, as: UTF8.self).contains("KN-101-RUS") } ?? false
        }
        #expect(arrived, "the mirror's sync reached the hub during the flood")
        #expect(descriptors < 128 + 100, "the hub holds \(descriptors) descriptors under one address's flood")
        print(
            "hub under \(Self.flood) trickling connections from one address: \(held.count) held, /healthz in "
                + "\(took), \(rss / 1024) MiB resident, \(descriptors) descriptors")
        #expect(try await daemon.stop() == 0)
    }

    @Test func aFloodLeavesMirrordsSharePortAndSocketAnswering() async throws {
        let daemon = try DaemonUnderTest(extraConfig: "share:\n  listen: 127.0.0.1:0\n  url: http://127.0.0.1:8090\n")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let sharePort = try await daemon.boundPort("share")
        let head = "POST /v1/enroll HTTP/1.1\r\nHost: mirror\r\nContent-Length: 100000\r\n\r\n"
        // The share port serves pages only: its flood is a head that never ends.
        let share = try await Self.trickle(Self.flood, head: "GET /s/x HTTP/1.1\r\nHost: mirror\r\nX-Wait: ") {
            try connectLoopback(port: sharePort, from: "127.0.0.2")
        }
        defer { share.forEach { close($0) } }
        let socket = try await Self.trickle(Self.flood, head: head) { [socket = daemon.socket] in
            try connectUnix(socket)
        }
        defer { socket.forEach { close($0) } }

        let page = try await Self.timed {
            let fd = try connectLoopback(port: sharePort)
            defer { close(fd) }
            _ = "GET /nothing-here HTTP/1.1\r\nHost: mirror\r\n\r\n".withCString { write(fd, $0, strlen($0)) }
            let answer = String(decoding: readToEnd(fd, timeout: .seconds(5)) { !$0.isEmpty }, as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 404"), "\(answer)")
        }
        var status: Outcome?
        let control = try await Self.timed {
            status = try await run(Binaries.path("mirrorctl"), ["status", "--socket", daemon.socket])
        }
        #expect(status?.status == 0, "\(String(describing: status))")
        #expect(page < .seconds(1) && control < .seconds(3), "share page \(page), mirrorctl status \(control)")
        let (rss, descriptors) = Self.footprint(daemon.process.processIdentifier)
        #expect(descriptors < 32 + 16 + 100, "mirrord holds \(descriptors) descriptors under the two floods")
        print(
            "mirrord under \(Self.flood) trickling connections on its share port and \(Self.flood) on its socket: "
                + "held \(share.count) and \(socket.count), a share page in \(page), mirrorctl status in \(control), "
                + "\(rss / 1024) MiB resident, \(descriptors) descriptors")
        #expect(try await daemon.stop() == 0)
    }
}
