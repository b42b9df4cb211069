import Foundation
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

/// The mirror syncs through the misbehaving proxy while a shopper makes requests; once the network calms down,
/// everything is at the hub exactly once.
@Suite(.serialized) struct FaultProxyTests {
    @Test func droppedDuplicatedAndReorderedRequestsLoseNothingAndApplyNothingTwice() async throws {
        // Enrolled straight to the hub (a lost enrolment answer would burn the one-time token), then every
        // sync round through the proxy.
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(interval: 1)
        let proxy = FaultProxy(upstream: hub.port)
        defer { proxy.stop() }
        try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            .replacingOccurrences(of: hub.url, with: "http://127.0.0.1:\(proxy.port)")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        #expect(try await ctl("ui", "event", "start").status == 0)
        #expect(try await ctl("suggestions", "identify", "DEMO-1234").status == 0)
        let skus = ["KN-101-RUS", "KN-101-NAV", "TR-401-NAV", "SK-501-CAM", "AC-951-BUR"]
        var accepted = 0
        for round in 0..<15 {
            if try await ctl("suggestions", "act", "request", skus[round % skus.count]).status == 0 { accepted += 1 }
            _ = try await ctl("suggestions", "act", "favourite", skus[(round + 2) % skus.count])
            try await Task.sleep(for: .milliseconds(700))
        }
        proxy.calm()

        // Calm network: the mirror catches up.
        let local = { try DeviceStore(stateDirectory: "\(daemon.folder)/state").syncState() }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try local().pending > 0 { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await daemon.stop() == 0)

        struct Device: Decodable {
            var ackedSeq: Int64
            var highestSeq: Int64
        }
        let requests = try JSONDecoder().decode(
            [HubRequest].self, from: try await hub.get("/v1/stores/demo-store/requests?all=1", token: headOffice))
        let device = try #require(
            try JSONDecoder().decode([Device].self, from: try await hub.get("/v1/devices", token: headOffice)).first)
        let sync = try local()
        let made = sync.nextSeq - 1
        let (total, faults) = proxy.counts
        print(
            "fault proxy: \(total) requests, answers dropped after commit \(faults[.dropAnswer] ?? 0), sent twice "
                + "\(faults[.duplicate] ?? 0), delivered again later \(faults[.replayLater] ?? 0); shopper requests "
                + "accepted \(accepted), at the hub \(requests.count) (lost \(max(0, accepted - requests.count)), "
                + "applied twice \(max(0, requests.count - accepted))); ops made \(made), acknowledged \(device.ackedSeq)"
        )
        #expect(accepted == 15 && requests.count == accepted)
        #expect(made > 15 && sync.pending == 0 && sync.ackedSeq == made)
        #expect(device.ackedSeq == made && device.highestSeq == made)
        #expect((faults[.dropAnswer] ?? 0) > 0 && (faults[.duplicate] ?? 0) > 0 && (faults[.replayLater] ?? 0) > 0)
    }
}
