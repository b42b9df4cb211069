import Foundation
import MirrorProtocol
import Testing

@testable import MirrorHub

/// Issue: `sales.line_id` was unique across the chain, so one store's staff could block another store's import
/// (a line of the same id "imported before with other values") and learn that the id exists elsewhere. A line id
/// is now its store's.
@Suite struct SalesLineIdTests {
    @Test(arguments: Backend.allCases)
    func twoStoresMayUseTheSameLineId(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            try await hub.addStore(id: "s1", name: "One")
            try await hub.addStore(id: "s2", name: "Two")
            let first = try await hub.importSales([SaleLine(lineId: "0001", store: "s1", at: 1_000, sku: "A")])
            let second = try await hub.importSales([SaleLine(lineId: "0001", store: "s2", at: 2_000, sku: "B")])
            #expect(first.imported == 1 && second.imported == 1)
            // Within a store the id still names one line: again is held, other values are refused.
            let again = try await hub.importSales([SaleLine(lineId: "0001", store: "s2", at: 2_000, sku: "B")])
            #expect(again.imported == 0 && again.alreadyHeld == 1)
            await #expect(throws: HubError.self) {
                try await hub.importSales([SaleLine(lineId: "0001", store: "s2", at: 2_000, sku: "C")])
            }
            let rows = try await hub.database.transaction { tx in
                try await tx.query("SELECT store_id, sku FROM sales ORDER BY store_id").map {
                    [$0.text(0), $0.text(1)]
                }
            }
            #expect(rows == [["s1", "A"], ["s2", "B"]])
        }
    }

    @Test func oneFileMayHoldTheSameLineIdOfTwoStores() throws {
        let lines = try SalesFile.parse(
            """
            {"line_id": "7", "store": "s1", "time": "2026-11-02T10:20:00Z", "sku": "A"}
            {"line_id": "7", "store": "s2", "time": "2026-11-02T10:20:00Z", "sku": "A"}
            """, format: .jsonLines)
        #expect(lines.count == 2)
    }
}

/// A hub database written before migration 6 keeps its sale lines, now keyed by store and line id.
@Suite struct SalesMigrationTests {
    /// The hub's schema as a hub that knew only the first `version` migrations left it.
    static func schema(upTo version: Int, _ tx: any SQLTransaction, _ dialect: SQLDialect) async throws {
        try await tx.query("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY)")
        for (index, statements) in HubSchema.migrations.prefix(version).enumerated() {
            for statement in statements { try await tx.query(dialect.ddl(statement)) }
            try await tx.query("INSERT INTO schema_migrations (version) VALUES (?)", .int(Int64(index + 1)))
        }
    }

    @Test func linesImportedBeforeTheMigrationAreKept() async throws {
        let folder = NSTemporaryDirectory() + "hub-migration-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try SQLiteHubDatabase(path: "\(folder)/hub.sqlite")
        try await database.transaction { tx in
            try await Self.schema(upTo: 5, tx, database.dialect)
            try await tx.query("INSERT INTO stores (id, name, created_ms) VALUES ('s1', 'One', 0), ('s2', 'Two', 0)")
            try await tx.query(
                """
                INSERT INTO sales (line_id, store_id, at_ms, sku, size, quantity, imported_ms)
                VALUES ('0001', 's1', 1000, 'A', 'M', 1, 5)
                """)
        }
        let hub = try await HubStore(database: database)
        let result = try await hub.importSales([SaleLine(lineId: "0001", store: "s2", at: 2_000, sku: "B")])
        #expect(result.imported == 1)
        let rows = try await database.transaction { tx in
            try await tx.query("SELECT store_id, line_id, sku, size FROM sales ORDER BY store_id").map {
                [$0.text(0), $0.text(1), $0.text(2), $0.text(3)]
            }
        }
        #expect(rows == [["s1", "0001", "A", "M"], ["s2", "0001", "B", ""]])
    }
}
