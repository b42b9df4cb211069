import ArgumentParser
import Foundation
import Logging
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorTesting

/// Many mirrors pushing their outboxes at once into the hub's store, on SQLite and (with `--postgres`)
/// PostgreSQL in the same run: ops per second and push latency. It calls the store directly, without HTTP,
/// so it measures the database work every push does (one transaction, idempotency, the acked sequence).
struct HubLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-load", abstract: "Sync push throughput and latency of the hub's backends.")

    @Option(help: "Simulated devices.") var devices = 1000
    @Option(help: "Pushes per device.") var pushes = 5
    @Option(help: "Ops per push.") var ops = 20
    @Option(help: "Pushes in flight at once.") var concurrency = 64
    @Option(help: "A PostgreSQL server to create a throwaway database on (postgres://USER@/postgres?host=…).")
    var postgres: String?

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try SQLiteHubDatabase(path: folder.appendingPathComponent("hub.sqlite").path)
        try await measure(sqlite)
        guard let postgres else { return }
        try await ScratchPostgres.withDatabase(serverURL: postgres, prefix: "mirror_hub_load", maxConnections: 16) {
            try await measure($0)
        }
    }

    struct Figures: Sendable {
        var opsPerSecond: Double
        var p50: Double
        var p99: Double
    }

    func measure(_ database: any HubDatabase) async throws {
        let figures = try await Self.measure(
            database, devices: devices, pushes: pushes, ops: ops, concurrency: concurrency)
        print(
            String(
                format:
                    "hub %@: %d devices x %d pushes x %d ops, %d in flight: %.0f ops/s, push p50 %.1f ms, p99 %.1f ms",
                database.dialect.name, devices, pushes, ops, concurrency, figures.opsPerSecond, figures.p50,
                figures.p99))
    }

    static func measure(_ database: any HubDatabase, devices: Int, pushes: Int, ops: Int, concurrency: Int)
        async throws -> Figures
    {
        let hub = try await HubStore(database: database)
        try await hub.addStore(id: "load", name: "Load")
        var principals: [Principal] = []
        for index in 0..<devices {
            let (token, _) = try await hub.createEnrolmentToken(store: "load")
            let credential = try await hub.enrol(EnrolRequest(token: token, name: "m\(index)")).credential
            principals.append(try await hub.authenticate(bearer: credential)!)
        }
        return try await pushLoad(
            devices: principals, pushes: pushes, ops: ops, concurrency: concurrency, stamp: { hub.stamp() }
        ) { principal, batch in
            try await hub.push(device: principal, SyncPushRequest(ops: batch)).applied
        }
    }
}

/// Drives `pushes` rounds of `ops`-op pushes from every device, `concurrency` in flight (round r of every device
/// before round r + 1 of any), through `push`, which returns how many ops were applied; ops per second and push
/// latency (p50, p99, in ms).
func pushLoad<Device: Sendable>(
    devices: [Device], pushes: Int, ops: Int, concurrency: Int, stamp: @escaping @Sendable () -> HLC,
    push: @escaping @Sendable (Device, [SyncOp]) async throws -> Int
) async throws -> HubLoad.Figures {
    let jobs = (0..<pushes).flatMap { round in devices.map { ($0, round) } }
    let start = ContinuousClock.now
    var latencies: [Double] = []
    try await withThrowingTaskGroup(of: Double.self) { group in
        var next = 0
        func add() {
            let (device, round) = jobs[next]
            next += 1
            group.addTask {
                let batch = (0..<ops).map { index in
                    let seq = Int64(round * ops + index + 1)
                    return SyncOp(
                        opId: ULID.make(), seq: seq, hlc: stamp(), entity: .sessionEvent, key: "e\(seq)",
                        patch: [
                            "sessionId": .string("s"), "at": .number(Double(seq)), "kind": .string("tried_on"),
                            "sku": .string("KN-101-RUS"),
                        ])
                }
                let begin = ContinuousClock.now
                let applied = try await push(device, batch)
                guard applied == ops else { throw ValidationError("the hub applied \(applied) of \(ops) ops") }
                return (ContinuousClock.now - begin).milliseconds
            }
        }
        for _ in 0..<min(concurrency, jobs.count) { add() }
        while let latency = try await group.next() {
            latencies.append(latency)
            if next < jobs.count { add() }
        }
    }
    let seconds = (ContinuousClock.now - start).milliseconds / 1000
    latencies.sort()
    return HubLoad.Figures(
        opsPerSecond: Double(jobs.count * ops) / seconds, p50: latencies[latencies.count / 2],
        p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
}
