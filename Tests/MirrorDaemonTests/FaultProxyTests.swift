import Foundation
import MirrorCore
import MirrorProtocol
import MirrorStore
import Synchronization
import Testing

/// An HTTP/1.1 proxy on loopback between the mirror and the hub that misbehaves as store networks do: it drops
/// answers after the hub has committed (the client sees the connection close and must retry), sends requests
/// twice, and delivers old requests again after newer ones (reordering). One blocking thread per connection;
/// requests and answers are framed by `Content-Length` (what the hub and the mirror's client send).
final class FaultProxy: @unchecked Sendable {
    enum Fault: String, CaseIterable, Sendable {
        case none, dropAnswer, duplicate, replayLater
    }

    let port: Int
    private let listener: Int32
    private let upstream: Int
    private let state = Mutex(State())
    private struct State {
        var requests = 0
        var faults: [Fault: Int] = [:]
        var held: [[UInt8]] = []
        var chaos = true
    }

    init(upstream: Int) {
        let (fd, port) = listeningSocket()
        listen(fd, 64)
        listener = fd
        self.port = port
        self.upstream = upstream
        Thread { [self] in acceptLoop() }.start()
    }

    /// Stop misbehaving (and deliver nothing held back any more).
    func calm() { state.withLock { $0.chaos = false } }

    var counts: (requests: Int, faults: [Fault: Int]) { state.withLock { ($0.requests, $0.faults) } }

    /// Stops accepting connections (the accept thread ends).
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            Thread { [self] in serve(client) }.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        while let request = Self.readMessage(client) {
            let (fault, stale) = state.withLock { s -> (Fault, [[UInt8]]) in
                s.requests += 1
                guard s.chaos else {
                    // Whatever was held back still arrives, late.
                    defer { s.held.removeAll() }
                    return (.none, s.held)
                }
                // A third of the requests misbehave, in a fixed order (so every kind happens in every run):
                // of each nine, the 3rd loses its answer, the 6th is sent twice, the 8th is held back and
                // delivered after the next one.
                let fault: Fault =
                    switch s.requests % 9 {
                    case 3: .dropAnswer
                    case 6: .duplicate
                    case 8: .replayLater
                    default: .none
                    }
                s.faults[fault, default: 0] += 1
                if fault == .replayLater {
                    s.held.append(request)
                    return (fault, [])
                }
                defer { s.held.removeAll() }
                return (fault, s.held)
            }
            // Old requests arrive after newer ones.
            for old in stale { _ = exchange(old) }
            guard let answer = exchange(request) else { return }
            switch fault {
            case .dropAnswer: return  // committed at the hub, never answered
            case .duplicate: _ = exchange(request)
            case .none, .replayLater: break
            }
            guard Self.writeAll(client, answer) else { return }
        }
    }

    /// Sends `request` to the hub on a fresh connection and returns its answer.
    private func exchange(_ request: [UInt8]) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(upstream).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0, Self.writeAll(fd, request) else { return nil }
        return Self.readMessage(fd)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// One HTTP message (head and `Content-Length` body) from `fd`, or nil at the end of the stream.
    static func readMessage(_ fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var total = Int.max
        while bytes.count < total {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            bytes += buffer[..<count]
            if headEnd == nil, let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound {
                headEnd = end
                let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                total = end + (length ?? 0)
            }
        }
        return bytes
    }
}

/// Two mirrors of one store: one syncs through the misbehaving proxy, the other straight; shoppers make requests
/// at both while head office changes stock, adds an item and erases a shopper. Once the network calms down,
/// everything is at the hub exactly once, and both mirrors hold what the hub holds.
@Suite struct FaultProxyTests {
    @Test func droppedDuplicatedAndReorderedRequestsLoseNothingApplyNothingTwiceAndNothingDiverges() async throws {
        // Enrolled straight to the hub (a lost enrolment answer would burn the one-time token), then every
        // sync round through the proxy.
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(interval: 1)
        let proxy = FaultProxy(upstream: hub.port)
        defer { proxy.stop() }
        try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            .replacingOccurrences(of: hub.url, with: "http://127.0.0.1:\(proxy.port)")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let other = try HubSyncProcessTests.mirror(of: hub, interval: 1)
        try await HubSyncProcessTests.enrol(
            other, token: try await hub.admin("enrolment-token", "--store", "demo-store"), name: "room 2")
        let mirrors = [daemon, other]
        for mirror in mirrors {
            try mirror.start()
            _ = try await mirror.waitUntilStreaming()
        }
        func ctl(_ mirror: DaemonUnderTest, _ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", mirror.socket])
        }
        try await hub.send("PUT", "/v1/shoppers/DEMO-9999", #"{"colours":["navy"]}"#, token: headOffice)
        for mirror in mirrors {
            #expect(try await ctl(mirror, "ui", "event", "start").status == 0)
            #expect(try await ctl(mirror, "suggestions", "identify", "DEMO-1234").status == 0)
        }
        let skus = ["KN-101-RUS", "KN-101-NAV", "TR-401-NAV", "SK-501-CAM", "AC-951-BUR"]
        var accepted = 0
        for round in 0..<15 {
            let mirror = mirrors[round % 3 == 2 ? 1 : 0]
            if try await ctl(mirror, "suggestions", "act", "request", skus[round % skus.count]).status == 0 {
                accepted += 1
            }
            _ = try await ctl(mirror, "suggestions", "act", "favourite", skus[(round + 2) % skus.count])
            // Head office at work meanwhile: stock moves, a new colour, a shopper erased.
            switch round {
            case 3, 8, 12:
                try await hub.send(
                    "PUT", "/v1/stores/demo-store/inventory", #"{"KN-101-RUS":{"M":\#(round),"L":1}}"#,
                    token: headOffice)
            case 5:
                try await hub.send(
                    "PUT", "/v1/catalog",
                    ##"[{"sku":"KN-101-GRN","style":"KN-101","name":"Ribbed Crew Jumper","brand":"Northfold","##
                        + ##""price":5900,"category":"knitwear","colour":"green","hex":"#2e6b3a","##
                        + ##""sizes":["S","M","L"],"goesWith":[]}]"##, token: headOffice)
            case 10:
                try await hub.send("POST", "/v1/erasures", #"{"loyaltyId":"DEMO-9999"}"#, token: headOffice)
            default: break
            }
            try await Task.sleep(for: .milliseconds(700))
        }
        proxy.calm()

        // What the hub holds for devices of this store: its whole change log, as a device reads it.
        let credential = try String(contentsOfFile: "\(other.folder)/state/hub-credential", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let log = try JSONDecoder().decode(
            SyncPullResponse.self, from: try await hub.get("/v1/sync/pull?cursor=0&limit=1000", token: credential))
        #expect(!log.more)
        var atHub: [SyncChangeKind: [String: JSONValue]] = [:]
        for change in log.changes { atHub[change.kind, default: [:]][change.key] = change.body ?? .null }

        // Calm network: both mirrors catch up (nothing left to push, everything pulled).
        let stores = mirrors.map { mirror in { try DeviceStore(stateDirectory: "\(mirror.folder)/state") } }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline,
            try stores.contains(where: { try $0().syncState().pending > 0 || $0().syncState().cursor < log.cursor })
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        for mirror in mirrors { #expect(try await mirror.stop() == 0) }

        struct Device: Decodable {
            var id: String
            var name: String
            var ackedSeq: Int64
            var highestSeq: Int64
        }
        let requests = try JSONDecoder().decode(
            [HubRequest].self, from: try await hub.get("/v1/stores/demo-store/requests?all=1", token: headOffice))
        let devices = try JSONDecoder().decode([Device].self, from: try await hub.get("/v1/devices", token: headOffice))
        let device = try #require(devices.first { $0.name == "room 1" })
        let sync = try stores[0]().syncState()
        let made = sync.nextSeq - 1
        // Diverged: what a mirror holds of the hub's data (catalog, stock, erasures) that differs from the hub,
        // and requests whose state differs between a mirror and the hub.
        var diverged = 0
        var compared = 0
        for (index, store) in stores.enumerated() {
            let mirror = try store()
            for kind in [SyncChangeKind.catalogItem, .inventory] {
                let held = try mirror.hubData(kind: kind).mapValues {
                    try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))
                }
                let expected = (atHub[kind] ?? [:]).filter { $0.value != .null }
                compared += Set(held.keys).union(expected.keys).count
                diverged += Set(held.keys).union(expected.keys).filter { held[$0] != expected[$0] }.count
            }
            compared += 2
            if try !mirror.isErased(loyaltyId: "DEMO-9999") { diverged += 1 }
            if try mirror.isErased(loyaltyId: "DEMO-1234") { diverged += 1 }
            let id = try #require(devices.first { $0.name == (index == 0 ? "room 1" : "room 2") }?.id)
            let hubState = Dictionary(
                uniqueKeysWithValues: requests.filter { $0.deviceId == id }.map { ($0.id, $0.state) })
            let local = try mirror.staffRequests(openOnly: false)
            compared += local.count
            diverged += local.filter { hubState[String($0.id ?? 0)] != $0.state }.count
            diverged += max(0, hubState.count - local.count)
        }
        let (total, faults) = proxy.counts
        print(
            "fault proxy: \(total) requests, answers dropped after commit \(faults[.dropAnswer] ?? 0), sent twice "
                + "\(faults[.duplicate] ?? 0), delivered again later \(faults[.replayLater] ?? 0); shopper requests "
                + "accepted \(accepted), at the hub \(requests.count) (lost \(max(0, accepted - requests.count)), "
                + "applied twice \(max(0, requests.count - accepted))); ops made \(made), acknowledged \(device.ackedSeq); "
                + "2 mirrors against the hub (catalog, stock, erasures, requests): \(compared) compared, diverged "
                + "\(diverged)")
        #expect(accepted == 15 && requests.count == accepted)
        #expect(made > 10 && sync.pending == 0 && sync.ackedSeq == made)
        #expect(device.ackedSeq == made && device.highestSeq == made)
        #expect((faults[.dropAnswer] ?? 0) > 0 && (faults[.duplicate] ?? 0) > 0 && (faults[.replayLater] ?? 0) > 0)
        #expect(diverged == 0 && compared >= 23)
        #expect(atHub[.inventory]?["KN-101-RUS"] != nil && atHub[.catalogItem]?["KN-101-GRN"] != nil)
    }
}
