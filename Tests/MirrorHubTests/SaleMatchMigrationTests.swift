import Foundation
import Testing

@testable import MirrorHub

/// A hub database written before migration 8 gets its try-ons matched to its sales when the hub opens it.
@Suite struct SaleMatchMigrationTests {
    @Test func tryOnsAndSalesFromBeforeAreMatchedAtOpen() async throws {
        let folder = NSTemporaryDirectory() + "hub-migration-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try SQLiteHubDatabase(path: "\(folder)/hub.sqlite")
        try await database.transaction { tx in
            try await SalesMigrationTests.schema(upTo: 7, tx, database.dialect)
            try await tx.query("INSERT INTO stores (id, name, created_ms) VALUES ('s1', 'One', 0)")
            // Three visits try A on; two units are sold after them, one to a shopper none of them was.
            for visit in 0..<3 {
                try await tx.query(
                    """
                    INSERT INTO session_events (device_id, id, store_id, session_id, at_ms, kind, sku, size, detail,
                        hlc, via)
                    VALUES ('d1', ?, 's1', ?, ?, 'tried_on', 'A', 'M', '', 0, 'scan')
                    """, .text("e\(visit)"), .text("v\(visit)"), .int(1_000_000 + Int64(visit) * 1000))
            }
            try await tx.query(
                """
                INSERT INTO sales (line_id, store_id, at_ms, sku, size, quantity, subject_hash, imported_ms)
                VALUES ('1', 's1', 1600000, 'A', 'M', 1, NULL, 0), ('2', 's1', 1700000, 'A', 'L', 1, NULL, 0),
                    ('3', 's1', 1800000, 'A', 'M', 1, 'someone', 0)
                """)
        }
        _ = try await HubStore(database: database)
        let matches = try await database.transaction { tx in
            try await tx.query("SELECT session_id, line_id, size_tried, size_sold FROM sale_matches ORDER BY line_id")
                .map { [$0.text(0), $0.text(1), $0.text(2), $0.text(3)] }
        }
        #expect(matches == [["v0", "1", "M", "M"], ["v1", "2", "M", "L"]])
    }
}
