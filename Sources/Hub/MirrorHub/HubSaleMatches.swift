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
    /// How long after a try-on a sale still counts as bought: the hub's one setting, so every range sees one match.
    static let boughtWindowMillis = Int64(InsightsQuery.defaultWindowMinutes) * 60_000

    struct StoreSKU: Hashable, Comparable {
        var store: String
        var sku: String
        static func < (a: StoreSKU, b: StoreSKU) -> Bool { (a.store, a.sku) < (b.store, b.sku) }
    }

    /// Derives the pairs of `visits` again from their events and staff requests, and runs the match again around
    /// every pair that came, went, moved or changed shopper.
    func refreshPairs(_ visits: Set<VisitKey>, tx: any SQLTransaction) async throws {
        guard keepsSaleMatches else { return }
        var touched: [StoreSKU: [Int64]] = [:]
        for visit in visits.sorted() {
            let keys: [SQLValue] = [.text(visit.device), .text(visit.session)]
            for row in try await tx.query(
                "SELECT store_id, sku, at_ms FROM tryon_pairs WHERE device_id = ? AND session_id = ?", keys)
            {
                touched[StoreSKU(store: row.text(0), sku: row.text(1)), default: []].append(row.int(2))
            }
            try await tx.query("DELETE FROM tryon_pairs WHERE device_id = ? AND session_id = ?", keys)
            var pairs: [StoreSKU: (tried: Int64?, brought: Int64?, sizes: [String])] = [:]
            let tries = try await tx.query(
                """
                SELECT store_id, sku, at_ms, size, via FROM session_events
                WHERE device_id = ? AND session_id = ? AND kind = ? AND sku IS NOT NULL AND sku <> ''
                ORDER BY at_ms, id
                """, keys + [.text(VisitEventKind.triedOn)])
            for row in tries {
                let key = StoreSKU(store: row.text(0), sku: row.text(1))
                var pair = pairs[key] ?? (nil, nil, [])
                pair.tried = min(pair.tried ?? .max, row.int(2))
                if row.optionalText(4) == TryOnSource.scan.rawValue, let size = row.optionalText(3),
                    !pair.sizes.contains(size)
                {
                    pair.sizes.append(size)
                }
                pairs[key] = pair
            }
            let brought = try await tx.query(
                """
                SELECT store_id, sku, MIN(done_ms) FROM staff_requests
                WHERE device_id = ? AND session_id = ? AND state = 'done' AND done_ms IS NOT NULL AND sku <> ''
                GROUP BY store_id, sku
                """, keys)
            for row in brought {
                let key = StoreSKU(store: row.text(0), sku: row.text(1))
                pairs[key, default: (nil, nil, [])].brought = row.int(2)
            }
            for (key, pair) in pairs {
                let at = min(pair.tried ?? .max, pair.brought ?? .max)
                let sizes = String(decoding: try JSONEncoder().encode(pair.sizes), as: UTF8.self)
                try await tx.query(
                    """
                    INSERT INTO tryon_pairs (device_id, session_id, sku, store_id, at_ms, tried_ms, brought_ms, sizes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    keys + [
                        .text(key.sku), .text(key.store), .int(at), SQLValue(pair.tried), SQLValue(pair.brought),
                        .text(sizes),
                    ])
                touched[key, default: []].append(at)
            }
        }
        for (key, times) in touched.sorted(by: { $0.key < $1.key }) {
            try await rematch(key, around: times, tx: tx)
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
        let window = Self.boughtWindowMillis
        let scope: [SQLValue] = [.text(key.store), .text(key.sku)]
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
        for match in SaleMatching.match(pairs: pairs, lines: lines, window: window) {
            try await tx.query(
                """
                INSERT INTO sale_matches (store_id, line_id, unit, line_ms, sku, device_id, session_id, size_tried,
                    size_sold)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, .text(key.store), .text(match.lineId), .int(Int64(match.unit)), .int(match.lineAt),
                .text(key.sku), .text(match.device), .text(match.session), SQLValue(match.sizeTried),
                SQLValue(match.sizeSold))
        }
    }

    /// Derives every pair and match again from the rows: for a database from a hub that kept none, or rows loaded
    /// around the hub (a restore, a benchmark's bulk load).
    public func rebuildSaleMatches() async throws {
        try await database.transaction { tx in
            try await tx.query("DELETE FROM sale_matches")
            try await tx.query("DELETE FROM tryon_pairs")
            let visits = try await tx.query(
                """
                SELECT DISTINCT device_id, session_id FROM session_events WHERE kind = ?
                UNION SELECT DISTINCT device_id, session_id FROM staff_requests WHERE state = 'done'
                """, .text(VisitEventKind.triedOn))
            try await self.refreshPairs(
                Set(visits.map { VisitKey(device: $0.text(0), session: $0.text(1)) }), tx: tx)
        }
    }
}
