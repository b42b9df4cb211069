import Foundation
import MirrorHub
import Testing

@Suite struct HubDatabaseTests {
    /// Issue: a task cancelled inside a SQLite transaction left the writer inside it (GRDB refuses to start a
    /// cancelled task's ROLLBACK), so every later BEGIN failed. Now the cancelled transaction is rolled back and the
    /// next one runs.
    @Test func aCancelledTransactionIsRolledBackAndTheNextOneRuns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try SQLiteHubDatabase(path: folder.appendingPathComponent("hub.sqlite").path)
        try await database.transaction { try await $0.query("CREATE TABLE visits (id INTEGER)", []) }

        let inside = AsyncStream.makeStream(of: Void.self)
        let cancelled = Task {
            try await database.transaction { transaction in
                _ = try await transaction.query("INSERT INTO visits VALUES (1)", [])
                inside.continuation.yield()
                try await Task.sleep(for: .seconds(60))
            }
        }
        for await _ in inside.stream { break }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }

        let rows = try await database.transaction { transaction in
            _ = try await transaction.query("INSERT INTO visits VALUES (2)", [])
            return try await transaction.query("SELECT id FROM visits ORDER BY id", [])
        }
        #expect(rows.count == 1, "the cancelled insert was rolled back and the next transaction ran: \(rows)")
    }
}
