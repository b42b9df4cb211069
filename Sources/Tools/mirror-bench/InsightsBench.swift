import ArgumentParser
import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorTesting

/// Head-office figures at chain size: a generated chain (stores × days × visits a day, with their events, staff
/// requests and sales) bulk-loaded into SQLite and (with `--postgres`) PostgreSQL, then in the same run:
/// - a store-week page (`HubStore.insights` for one store and seven days), p50 and p95 over random store-weeks,
///   beside a full-scan SQL query of one of its figures (visits and their median dwell, from the raw events);
/// - the whole chain over the whole range, beside the same full-scan query;
/// - ingest through the sync push path (ops per second), beside the bulk load's rows per second.
struct InsightsLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights", abstract: "The hub's insight figures on a generated chain: page times and ingest.")

    @Option(help: "Stores.") var stores = 200
    @Option(help: "Days.") var days = 90
    @Option(help: "Visits per store per day.") var visits = 40
    @Option(help: "Random store-weeks timed.") var pages = 20
    @Option(help: "Ops pushed through the sync path for the ingest figure.") var ingestOps = 20_000
    @Option(help: "Skip SQLite (PostgreSQL only).") var postgresOnly = false
    @Option(help: "A PostgreSQL server to create a throwaway database on (postgres://USER@/postgres?host=…).")
    var postgres: String?

    func run() async throws {
        let chain = Chain(stores: stores, days: days, visits: visits)
        print(
            "chain: \(stores) stores x \(days) days x \(visits) visits: \(chain.visitCount) visits, "
                + "about \(chain.visitCount * Chain.eventsPerVisit) events")
        if !postgresOnly {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("insights-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            try await measure(try SQLiteHubDatabase(path: folder.appendingPathComponent("hub.sqlite").path), chain)
        }
        guard let postgres else { return }
        try await ScratchPostgres.withDatabase(serverURL: postgres, prefix: "mirror_insights", maxConnections: 8) {
            try await measure($0, chain)
        }
    }

    /// A deterministic chain: every store has one mirror; visits between 09:00 and 19:00.
    struct Chain {
        let stores: Int
        let days: Int
        let visits: Int
        static let eventsPerVisit = 9
        static let firstDay = "2026-08-03"
        var visitCount: Int { stores * days * visits }
        var start: Int64 { try! InsightsQuery.days(store: nil, from: Self.firstDay, to: Self.firstDay).fromMillis }

        /// The rows of store `s`, day `d`: session events (13 values each), staff requests (11) and sales (9).
        func rows(store s: Int, day d: Int) -> (events: [[SQLValue]], requests: [[SQLValue]], sales: [[SQLValue]]) {
            var random = SplitMix64(seed: UInt64(s * 100_003 + d))
            let device = "dev-\(s)"
            let store = "store-\(s)"
            let skus = (0..<40).map { "SKU-\($0)" }
            var events: [[SQLValue]] = []
            var requests: [[SQLValue]] = []
            var sales: [[SQLValue]] = []
            let midnight = start + Int64(d) * 86_400_000
            for v in 0..<visits {
                let session = "s\(s)-\(d)-\(v)"
                var t = midnight + Int64(random.int(9 * 3600...19 * 3600)) * 1000
                var n = 0
                func event(
                    _ kind: String, sku: String? = nil, size: String? = nil, via: String? = nil,
                    suggestion: String? = nil, tried: String? = nil, rating: Int64? = nil
                ) {
                    n += 1
                    events.append([
                        .text(device), .text("\(session)-\(n)"), .text(store), .text(session), .int(t), .text(kind),
                        SQLValue(sku), SQLValue(size), .text(""), .int(t), SQLValue(via), SQLValue(suggestion),
                        SQLValue(tried), rating.map { .int($0) } ?? .null,
                    ])
                }
                event(VisitEventKind.started)
                let sku = skus[random.int(0...39)]
                let size = ["S", "M", "L"][random.int(0...2)]
                t += 30_000
                event(VisitEventKind.triedOn, sku: sku, size: size, via: "scan")
                t += 30_000
                event(VisitEventKind.triedOn, sku: skus[random.int(0...39)], via: "vision")
                event(VisitEventKind.recordedLook)
                let suggested = skus[random.int(0...39)]
                event(VisitEventKind.suggestionShown, sku: suggested, suggestion: "your-size")
                if random.int(0...1) == 0 {
                    event(VisitEventKind.suggestionAccepted, sku: suggested, suggestion: "your-size")
                    requests.append([
                        .text(device), .text("\(session)-r"), .text(store), .text(session), .int(t), .text(suggested),
                        .text("M"), .text(""), .text("done"), .int(t + Int64(random.int(30...600)) * 1000), .int(t),
                    ])
                }
                event(VisitEventKind.sizeRequest, sku: sku, size: size == "L" ? "M" : "L", tried: size)
                event(VisitEventKind.rated, rating: Int64(random.int(1...5)))
                t += Int64(random.int(60...900)) * 1000
                event(VisitEventKind.ended)
                if random.int(0...2) == 0 {
                    sales.append([
                        .text("\(session)-sale"), .text(store), .int(t + 600_000), .text(sku), .text(size), .int(1),
                        .null, .null, .int(t),
                    ])
                }
            }
            return (events, requests, sales)
        }
    }

    static func insert(_ tx: any SQLTransaction, _ table: String, _ columns: String, _ rows: [[SQLValue]]) async throws
    {
        guard let width = rows.first?.count else { return }
        for chunk in stride(from: 0, to: rows.count, by: 400) {
            let part = rows[chunk..<min(rows.count, chunk + 400)]
            let tuple = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
            try await tx.query(
                "INSERT INTO \(table) (\(columns)) VALUES "
                    + Array(repeating: tuple, count: part.count).joined(separator: ", "),
                part.flatMap { $0 })
        }
    }

    func measure(_ database: any HubDatabase, _ chain: Chain) async throws {
        let name = database.dialect.name
        let hub = try await HubStore(database: database)
        // The chain, bulk-loaded one store-day per transaction.
        let loadStart = ContinuousClock.now
        var rowsLoaded = 0
        for s in 0..<chain.stores {
            try await hub.addStore(id: "store-\(s)", name: "Store \(s)")
            for d in 0..<chain.days {
                let rows = chain.rows(store: s, day: d)
                rowsLoaded += rows.events.count + rows.requests.count + rows.sales.count
                try await database.transaction { tx in
                    try await Self.insert(
                        tx, "session_events",
                        "device_id, id, store_id, session_id, at_ms, kind, sku, size, detail, hlc, via, suggestion_kind, tried_size, rating",
                        rows.events)
                    try await Self.insert(
                        tx, "staff_requests",
                        "device_id, id, store_id, session_id, at_ms, sku, size, description, state, done_ms, hlc",
                        rows.requests)
                    try await Self.insert(
                        tx, "sales", "line_id, store_id, at_ms, sku, size, quantity, loyalty_id, basket, imported_ms",
                        rows.sales)
                }
            }
        }
        let loadSeconds = (ContinuousClock.now - loadStart).seconds
        print(
            String(
                format: "%@: bulk load %d rows in %.0f s (%.0f rows/s)", name, rowsLoaded, loadSeconds,
                Double(rowsLoaded) / loadSeconds))
        // Rows loaded around the hub: their try-ons are matched to their sales once, from scratch.
        let matchBegan = ContinuousClock.now
        try await hub.rebuildSaleMatches()
        print(
            String(
                format: "%@: tried → bought matched from scratch over the whole chain in %.1f s", name,
                (ContinuousClock.now - matchBegan).seconds))

        // Store-week pages, and the full-scan SQL peer of their visits and median dwell.
        var random = SplitMix64(seed: 7)
        var pageTimes: [Double] = []
        var scanTimes: [Double] = []
        for _ in 0..<pages {
            let store = "store-\(random.int(0...(chain.stores - 1)))"
            let first = chain.start + Int64(random.int(0...max(0, chain.days - 7))) * 86_400_000
            let query = InsightsQuery(store: store, fromMillis: first, toMillis: first + 7 * 86_400_000)
            let began = ContinuousClock.now
            let report = try await hub.insights(query)
            pageTimes.append((ContinuousClock.now - began).seconds * 1000)
            let scanBegan = ContinuousClock.now
            let scanned = try await Self.fullScan(database, store: store, from: query.fromMillis, to: query.toMillis)
            scanTimes.append((ContinuousClock.now - scanBegan).seconds * 1000)
            if scanned != report.visits.visits {
                print("  mismatch: scan \(scanned ?? -1) visits, page \(report.visits.visits ?? -1)")
            }
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted[max(0, min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
        }
        print(
            String(
                format:
                    "%@: store-week page p50 %.0f ms, p95 %.0f ms (target p95 <= 300 ms); full-scan SQL of its visits p50 %.0f ms, p95 %.0f ms",
                name, percentile(pageTimes, 50), percentile(pageTimes, 95), percentile(scanTimes, 50),
                percentile(scanTimes, 95)))

        // The whole chain over the whole range.
        let all = InsightsQuery(
            store: nil, fromMillis: chain.start, toMillis: chain.start + Int64(chain.days) * 86_400_000)
        let chainBegan = ContinuousClock.now
        let report = try await hub.insights(all)
        let chainSeconds = (ContinuousClock.now - chainBegan).seconds
        let scanBegan = ContinuousClock.now
        _ = try await Self.fullScan(database, store: nil, from: all.fromMillis, to: all.toMillis)
        let scanSeconds = (ContinuousClock.now - scanBegan).seconds
        print(
            String(
                format:
                    "%@: whole chain, %d days: %.1f s (target <= 2 s for a quarter), %d visits; full-scan SQL of its visits %.1f s",
                name, chain.days, chainSeconds, report.visits.visits ?? -1, scanSeconds))

        // Ingest through the sync push path, with the kept match on and off (a hub that keeps none, same database).
        let on = try await ingest(hub, chain, name: "on")
        let off = try await ingest(try await HubStore(database: database, keepsSaleMatches: false), chain, name: "off")
        print(
            String(
                format:
                    "%@: ingest through the push path %.0f ops/s with the kept match, %.0f ops/s without: on = %.0f %% of off (target >= 70 %%)",
                name, on, off, on / off * 100))
    }

    /// Ops per second through the push path: one new mirror, pushes of 500 try-ons (a visit every nine ops) of
    /// the SKUs the chain sells.
    func ingest(_ hub: HubStore, _ chain: Chain, name: String) async throws -> Double {
        let (token, _) = try await hub.createEnrolmentToken(store: "store-0")
        let credential = try await hub.enrol(EnrolRequest(token: token, name: "ingest-\(name)")).credential
        guard let device = try await hub.authenticate(bearer: credential) else { throw ValidationError("no device") }
        var seq: Int64 = 0
        var clock = HybridClock()
        let ingestBegan = ContinuousClock.now
        while seq < Int64(ingestOps) {
            var ops: [SyncOp] = []
            for _ in 0..<500 {
                seq += 1
                let at = chain.start + seq * 1000
                ops.append(
                    SyncOp(
                        opId: ULID.make(), seq: seq, hlc: clock.now(wallMillis: at), entity: .sessionEvent,
                        key: "ingest-\(seq)",
                        patch: [
                            "sessionId": .string("ingest-\(name)-\(seq / 9)"), "at": .number(Double(at)),
                            "kind": .string(VisitEventKind.triedOn), "sku": .string("SKU-\(seq % 40)"),
                            "via": "vision", "score": 0.8,
                        ]))
            }
            _ = try await hub.push(device: device, SyncPushRequest(ops: ops))
        }
        return Double(seq) / (ContinuousClock.now - ingestBegan).seconds
    }

    /// The peer: visits beginning in the range, counted by one SQL scan of the raw events.
    static func fullScan(_ database: any HubDatabase, store: String?, from: Int64, to: Int64) async throws -> Int? {
        let filter = store == nil ? "" : "store_id = ? AND"
        let arguments: [SQLValue] =
            (store.map { [.text($0)] } ?? []) + [.text(VisitEventKind.started), .int(from), .int(to)]
        let count = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT COUNT(*) FROM (SELECT device_id, session_id FROM session_events
                WHERE \(filter) kind = ? AND at_ms >= ? AND at_ms < ? GROUP BY device_id, session_id) v
                """, arguments
            ).first?.int(0)
        }
        return count.map(Int.init)
    }
}
