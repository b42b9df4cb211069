import Foundation
import Hummingbird
import Logging
import MirrorCore
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// A mirror's telemetry as the hub stores it; `alerts` are the mirror's own.
func sampleTelemetry(alerts: [String] = [], fps: Double = 30) -> TelemetryReport {
    TelemetryReport(
        version: "0.1.0", profile: "demo-replay", model: "efficientnet-lite0",
        at: Date(timeIntervalSince1970: 1_000), uptimeSeconds: 60, healthy: true, alerts: alerts,
        camera: .init(state: "streaming", fps: fps, framesDropped: 3, framesCorrupt: 0, reconnects: 0),
        displayFPS: 30, displayLatencyP99Ms: 40, diskFreeBytes: 20 << 30, diskTotalBytes: 64 << 30,
        clipsStored: 2, sessions: 5, temperatureCelsius: 51,
        sync: .init(
            enabled: true, lastSuccess: nil, outboxPending: 0, consecutiveFailures: 0, lastError: nil))
}

@Suite struct FleetTests {
    @Test(arguments: Backend.allCases)
    func fleetShowsWhereEachMirrorIsAndWhatNeedsALook(backend: Backend) async throws {
        let clock = Atomic<Int64>(10_000_000)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            let a = try await HubStoreTests.enrolled(hub, store: "s1", name: "room 1")
            let b = try await HubStoreTests.enrolled(hub, store: "s2", name: "room 9")
            let c = try await HubStoreTests.enrolled(hub, store: "s1", name: "room 2")
            _ = try await hub.hello(device: a, address: "10.0.0.5", telemetryPort: 9100, version: "0.1.0")
            _ = try await hub.hello(device: b, address: "10.0.9.9", telemetryPort: nil, version: "0.1.0")
            _ = try await hub.hello(device: c, address: "fd00::7", telemetryPort: 9100, version: nil)

            let targets = try await hub.telemetryTargets()
            #expect(targets.map(\.address) == ["10.0.0.5:9100", "[fd00::7]:9100"])

            let now = clock.load(ordering: .relaxed)
            try await hub.record(
                [
                    TelemetryPull(
                        deviceId: a.deviceId!, at: now, result: .success(sampleTelemetry(alerts: ["disk: low"]))),
                    TelemetryPull(deviceId: c.deviceId!, at: now, result: .failure(HubError(.unreachable, "refused"))),
                ], keepMillis: 3_600_000)
            let fleet = try await hub.fleet(staleMillis: 3000)
            let byName = Dictionary(uniqueKeysWithValues: fleet.map { ($0.name, $0) })
            #expect(byName["room 1"]?.online == true && byName["room 1"]?.alerts == ["disk: low"])
            #expect(byName["room 1"]?.telemetry?.camera.fps == 30 && byName["room 1"]?.version == "0.1.0")
            #expect(
                byName["room 2"]?.online == false && byName["room 2"]?.alerts == ["offline (never reached): refused"])
            #expect(byName["room 9"]?.alerts.first?.hasPrefix("no telemetry address") == true)

            let staff = try #require(
                try await hub.authenticate(
                    bearer: try await hub.createCredential(role: .staff, store: "s1", name: "Ann")))
            #expect(try await hub.fleet(visibleTo: staff, staleMillis: 3000).map(\.name) == ["room 1", "room 2"])

            // Three missed intervals later the mirror counts as offline, with the time of its last telemetry.
            clock.store(now + 3001, ordering: .relaxed)
            let later = try await hub.fleet(staleMillis: 3000).first { $0.name == "room 1" }
            #expect(
                later?.online == false && later?.alerts.first?.hasPrefix("offline (since 1970-01-01T02:46:40Z)") == true
            )

            let groups = try await hub.prometheusTargets()
            #expect(groups.first?.targets == ["10.0.0.5:9100"])
            #expect(
                groups.first?.labels == ["mirror_store": "s1", "mirror_device": a.deviceId!, "mirror_name": "room 1"])

            // History older than the horizon goes at the next round.
            clock.store(now + 7_200_000, ordering: .relaxed)
            try await hub.record(
                [TelemetryPull(deviceId: a.deviceId!, at: now + 7_200_000, result: .success(sampleTelemetry()))],
                keepMillis: 3_600_000)
            let rows = try await hub.database.transaction { tx in
                try await tx.query("SELECT COUNT(*) FROM device_telemetry").first?.int(0)
            }
            #expect(rows == 1)
        }
    }

    /// One round over a mirror that answers, one whose port is closed, one that accepts and never answers, and
    /// one that answers nonsense: the round ends within about the timeout and records each outcome.
    @Test func aRoundIsBoundedByTheTimeoutAndRecordsEveryOutcome() async throws {
        let router = Router()
        router.get("/v1/telemetry") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try TelemetryReport.encoder().encode(sampleTelemetry()))))
        }
        let junk = Router()
        junk.get("/v1/telemetry") { _, _ in "{\"not\": \"a report\"}" }
        let silent = try SilentListener()
        // Bound and not listening: connections are refused, and nobody else can take the port meanwhile.
        let closed = try SilentListener(listening: false)
        // The servers bind port 0 and say which port they got (a port picked first could be taken meanwhile).
        let bound = Mutex<[String: Int]>(["closed": closed.port, "silent": silent.port])
        let address = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        let apps: [any ApplicationProtocol] = [
            Application(
                router: router, configuration: address,
                onServerRunning: { channel in bound.withLock { $0["good"] = channel.localAddress?.port } }),
            Application(
                router: junk, configuration: address,
                onServerRunning: { channel in bound.withLock { $0["junk"] = channel.localAddress?.port } }),
        ]
        _ = try await withHub(.sqlite) { hub in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for app in apps { group.addTask { try await app.run() } }
                let deadline = ContinuousClock.now + .seconds(10)
                while bound.withLock({ $0.count }) < 4 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                for (name, port) in bound.withLock({ $0 }) {
                    let device = try await HubStoreTests.enrolled(hub, store: "s1", name: name)
                    _ = try await hub.hello(device: device, address: "127.0.0.1", telemetryPort: port)
                }
                let poller = FleetPoller(
                    store: hub, timeout: .seconds(1), concurrency: 4, logger: Logger(label: "test"))
                let started = ContinuousClock.now
                let round = try await poller.round()
                let took = ContinuousClock.now - started
                print("fleet round over 4 mirrors (one silent, timeout 1 s) took \(took)")
                #expect(round.reached == 1 && round.failed == 3)
                // The silent mirror holds its connection for ever: without the timeout the round would not end.
                // 8 s leaves room for a loaded machine (3.7 s was seen with four process tests beside it).
                #expect(took < .seconds(8))
                let fleet = try await hub.fleet(staleMillis: 60_000)
                let errors = Dictionary(uniqueKeysWithValues: fleet.map { ($0.name, $0.pollError) })
                #expect(fleet.first { $0.name == "good" }?.online == true)
                #expect(errors["silent"] == "no answer in time")
                #expect(errors["junk"] == "the answer is not a telemetry report")
                #expect(errors["closed"] == "connection refused")
                withExtendedLifetime((silent, closed)) {}
                try await poller.shutdown()
                group.cancelAll()
            }
        }
    }
}

/// A loopback socket that listens and never accepts: connections wait in the backlog, unanswered; or, not
/// listening, a port held that refuses every connection.
final class SilentListener: Sendable {
    let fd: Int32
    let port: Int

    init(listening: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, !listening || listen(fd, 16) == 0 else { throw HubError(.badConfig, "cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
