import Foundation
import MirrorProtocol

/// The tried → bought match kept in the hub's database, in the same transaction as whatever changes it: a push
/// (a try-on, a done staff request, a shopper identified or not), a sales import, an erasure.
///
/// `tryon_pairs` holds each visit's SKUs tried or brought (with the time it counts from), `sale_matches` one row per
/// unit sold after one. The greedy rule (`SaleMatching`) reads the pairs and lines of one store and SKU in time
/// order, and what it gives one pair can change another's only through a chain of pairs and lines each less than
/// the window apart; so after a change the match is run again over the stretch around it, widened until it has a
/// pause at least the window long on each side (a night, in a store), and the answer equals running it over the
/// whole history.
extension HubStore {
    /// How long after a try-on a sale still counts as bought, in minutes: the hub's setting (120 until set), so every
    /// range sees one match.
    func boughtWindowMinutes(tx: any SQLTransaction) async throws -> Int {
        let row = try await tx.query("SELECT value FROM hub_settings WHERE name = 'bought_window_minutes'")
        return row.first.map { Int($0.int(0)) } ?? InsightsQuery.defaultWindowMinutes
    }

    /// Sets the bought window and matches every try-on again with it, in one transaction.
    public func setBoughtWindow(minutes: Int) async throws {
        guard (1...7 * 24 * 60).contains(minutes) else {
            throw HubError(.badRequest, "the bought window is from 1 to 10080 minutes")
        }
        try await database.transaction { tx in
            try await tx.query(
                """
                INSERT INTO hub_settings (name, value) VALUES ('bought_window_minutes', ?)
                ON CONFLICT (name) DO UPDATE SET value = excluded.value
                """, .int(Int64(minutes)))
            try await self.rebuildSaleMatches(tx: tx)
        }
    }

    struct StoreSKU: Hashable, Comparable {
        var store: String
        var sku: String
        static func < (a: StoreSKU, b: StoreSKU) -> Bool { (a.store, a.sku) < (b.store, b.sku) }
    }

    /// Derives the pairs of `visits` again from their events and staff requests, and runs the match again around
    /// every pair that came, went, moved or changed shopper (and around `lines`' times). A few queries per device and
    /// 400 visits, whatever the number of ops; the stores and SKUs in one order, so two transactions never wait on
    /// each other.
    func refreshPairs(
        _ visits: Set<VisitKey>, alsoAround lines: [StoreSKU: [Int64]] = [:], tx: any SQLTransaction
    ) async throws {
        guard keepsSaleMatches else { return }
        var touched = lines
        let byDevice = Dictionary(grouping: visits, by: \.device)
        for device in byDevice.keys.sorted() {
            let sessions = byDevice[device]!.map(\.session).sorted()
            for start in stride(from: 0, to: sessions.count, by: 400) {
                let chunk = Array(sessions[start..<min(sessions.count, start + 400)])
                try await refreshPairs(device: device, sessions: chunk, touched: &touched, tx: tx)
            }
        }
        for (key, times) in touched.sorted(by: { $0.key < $1.key }) {
            try await rematch(key, around: times, tx: tx)
        }
    }

    private func refreshPairs(
        device: String, sessions: [String], touched: inout [StoreSKU: [Int64]], tx: any SQLTransaction
    ) async throws {
        let scope = "device_id = ? AND session_id IN (\(sessions.map { _ in "?" }.joined(separator: ", ")))"
        let keys = [SQLValue.text(device)] + sessions.map { .text($0) }
        for row in try await tx.query("SELECT store_id, sku, at_ms FROM tryon_pairs WHERE \(scope)", keys) {
            touched[StoreSKU(store: row.text(0), sku: row.text(1)), default: []].append(row.int(2))
        }
        try await tx.query("DELETE FROM tryon_pairs WHERE \(scope)", keys)
        struct Pair {
            var tried: Int64?
            var brought: Int64?
            var sizes: [String] = []
        }
        var pairs: [String: [StoreSKU: Pair]] = [:]  // by session
        let tries = try await tx.query(
            """
            SELECT session_id, store_id, sku, at_ms, size, via FROM session_events
            WHERE \(scope) AND kind = ? AND sku IS NOT NULL AND sku <> '' ORDER BY at_ms, id
            """, keys + [.text(VisitEventKind.triedOn)])
        for row in tries {
            let key = StoreSKU(store: row.text(1), sku: row.text(2))
            var pair = pairs[row.text(0), default: [:]][key] ?? Pair()
            pair.tried = min(pair.tried ?? .max, row.int(3))
            if row.optionalText(5) == TryOnSource.scan.rawValue, let size = row.optionalText(4),
                !pair.sizes.contains(size)
            {
                pair.sizes.append(size)
            }
            pairs[row.text(0), default: [:]][key] = pair
        }
        let brought = try await tx.query(
            """
            SELECT session_id, store_id, sku, MIN(done_ms) FROM staff_requests
            WHERE \(scope) AND state = 'done' AND done_ms IS NOT NULL AND sku <> ''
            GROUP BY session_id, store_id, sku
            """, keys)
        for row in brought {
            pairs[row.text(0), default: [:]][StoreSKU(store: row.text(1), sku: row.text(2)), default: Pair()]
                .brought = row.int(3)
        }
        var values: [[SQLValue]] = []
        for (session, bySKU) in pairs {
            for (key, pair) in bySKU {
                let at = min(pair.tried ?? .max, pair.brought ?? .max)
                let sizes = String(decoding: try JSONEncoder().encode(pair.sizes), as: UTF8.self)
                values.append([
                    .text(device), .text(session), .text(key.sku), .text(key.store), .int(at), SQLValue(pair.tried),
                    SQLValue(pair.brought), .text(sizes),
                ])
                touched[key, default: []].append(at)
            }
        }
        try await insert(
            "tryon_pairs (device_id, session_id, sku, store_id, at_ms, tried_ms, brought_ms, sizes)", values, tx: tx)
    }

    /// Inserts `rows` into `table` (with its columns), a hundred rows per statement.
    private func insert(_ table: String, _ rows: [[SQLValue]], tx: any SQLTransaction) async throws {
        for start in stride(from: 0, to: rows.count, by: 100) {
            let chunk = rows[start..<min(rows.count, start + 100)]
            let row = "(" + chunk.first!.map { _ in "?" }.joined(separator: ", ") + ")"
            try await tx.query(
                "INSERT INTO \(table) VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))",
                chunk.flatMap { $0 })
        }
    }

    /// The visits of `subject` (before its links go) and its sale lines' stores, SKUs and times: what erasing it
    /// changes in the match.
    func matchesOf(subject: String, tx: any SQLTransaction) async throws -> (Set<VisitKey>, [StoreSKU: [Int64]]) {
        let visits = try await tx.query(
            "SELECT device_id, session_id FROM visit_shoppers WHERE subject_hash = ?", .text(subject))
        var lines: [StoreSKU: [Int64]] = [:]
        for row in try await tx.query(
            "SELECT store_id, sku, at_ms FROM sales WHERE subject_hash = ?", .text(subject))
        {
            lines[StoreSKU(store: row.text(0), sku: row.text(1)), default: []].append(row.int(2))
        }
        return (Set(visits.map { VisitKey(device: $0.text(0), session: $0.text(1)) }), lines)
    }

    /// Runs the match again over the stretch of `key`'s pairs and lines around `times`.
    func rematch(_ key: StoreSKU, around times: [Int64], tx: any SQLTransaction) async throws {
        guard keepsSaleMatches, var start = times.min(), var end = times.max() else { return }
        let window = Int64(try await boughtWindowMinutes(tx: tx)) * 60_000
        let scope: [SQLValue] = [.text(key.store), .text(key.sku)]
        // Two transactions (two mirrors of a store, a push and a till's import) may both change one SKU's match: on
        // PostgreSQL (read committed) the second waits here for the first to commit, and then sees its pairs, lines
        // and matches. Keys are always taken in one order, so no two transactions wait on each other in a circle.
        // SQLite has one writer.
        if database.dialect.name == SQLDialect.postgres.name {
            try await tx.query(
                "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(?))) AS locked",
                .text("sale-match|\(key.store)|\(key.sku)"))
        }
        // No line within the window of the change: no pair there has or had a unit, so nothing changes (try-ons
        // reported before the evening's sales import).
        let near = try await tx.query(
            "SELECT 1 FROM sales WHERE store_id = ? AND sku = ? AND at_ms >= ? AND at_ms <= ? LIMIT 1",
            scope + [.int(start), .int(end + window)])
        if near.isEmpty { return }
        // Widened while a pair or a line lies within the window before the start or after the end.
        func nearest(_ aggregate: String, from: Int64, to: Int64) async throws -> Int64? {
            let found = try await tx.query(
                """
                SELECT \(aggregate)(at_ms) FROM (
                    SELECT at_ms FROM tryon_pairs WHERE store_id = ? AND sku = ? AND at_ms >= ? AND at_ms <= ?
                    UNION ALL
                    SELECT at_ms FROM sales WHERE store_id = ? AND sku = ? AND at_ms >= ? AND at_ms <= ?) AS near
                """, scope + [.int(from), .int(to)] + scope + [.int(from), .int(to)])
            return found.first?.optionalInt(0)
        }
        while let earlier = try await nearest("MIN", from: start - window, to: start - 1), earlier < start {
            start = earlier
        }
        while let later = try await nearest("MAX", from: end + 1, to: end + window), later > end { end = later }
        let span = scope + [.int(start), .int(end)]
        try await tx.query(
            "DELETE FROM sale_matches WHERE store_id = ? AND sku = ? AND line_ms >= ? AND line_ms <= ?", span)
        let pairs = try await tx.query(
            """
            SELECT p.device_id, p.session_id, p.at_ms, p.sizes, v.subject_hash FROM tryon_pairs p
            LEFT JOIN visit_shoppers v ON v.device_id = p.device_id AND v.session_id = p.session_id
            WHERE p.store_id = ? AND p.sku = ? AND p.at_ms >= ? AND p.at_ms <= ?
            """, span
        ).map { row in
            SaleMatching.Pair(
                device: row.text(0), session: row.text(1), sku: key.sku, at: row.int(2),
                sizes: (try? JSONDecoder().decode([String].self, from: Data(row.text(3).utf8))) ?? [],
                subject: row.optionalText(4))
        }
        guard !pairs.isEmpty else { return }
        let lines = try await tx.query(
            """
            SELECT line_id, at_ms, quantity, size, subject_hash FROM sales
            WHERE store_id = ? AND sku = ? AND at_ms >= ? AND at_ms <= ?
            """, span
        ).map { row in
            SaleMatching.Line(
                lineId: row.text(0), at: row.int(1), units: Int(row.int(2)), size: row.optionalText(3),
                subject: row.optionalText(4))
        }
        let matches = SaleMatching.match(pairs: pairs, lines: lines, window: window).map { match -> [SQLValue] in
            [
                .text(key.store), .text(match.lineId), .int(Int64(match.unit)), .int(match.lineAt), .text(key.sku),
                .text(match.device), .text(match.session), SQLValue(match.sizeTried), SQLValue(match.sizeSold),
            ]
        }
        try await insert(
            "sale_matches (store_id, line_id, unit, line_ms, sku, device_id, session_id, size_tried, size_sold)",
            matches, tx: tx)
    }

    /// Derives every pair and match again from the rows: for a database from a hub that kept none, or rows loaded
    /// around the hub (a restore, a benchmark's bulk load).
    public func rebuildSaleMatches() async throws {
        try await database.transaction { tx in try await self.rebuildSaleMatches(tx: tx) }
    }

    func rebuildSaleMatches(tx: any SQLTransaction) async throws {
        try await tx.query("DELETE FROM sale_matches")
        try await tx.query("DELETE FROM tryon_pairs")
        let visits = try await tx.query(
            """
            SELECT DISTINCT device_id, session_id FROM session_events WHERE kind = ?
            UNION SELECT DISTINCT device_id, session_id FROM staff_requests WHERE state = 'done'
            """, .text(VisitEventKind.triedOn))
        try await refreshPairs(Set(visits.map { VisitKey(device: $0.text(0), session: $0.text(1)) }), tx: tx)
    }
}
