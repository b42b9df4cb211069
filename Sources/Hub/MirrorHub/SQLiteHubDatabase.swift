import Foundation
import GRDB

/// The hub's embedded backend: one SQLite file (WAL, `synchronous=FULL`), so `mirrorhub` runs with no setup.
///
/// GRDB runs a transaction in one synchronous closure, while the hub's logic is written once for both backends
/// with asynchronous statements; so a transaction here is `BEGIN IMMEDIATE` … `COMMIT` on the pool's single
/// writer connection, under a lock that keeps other transactions out until it ends.
public final class SQLiteHubDatabase: HubDatabase {
    public let dialect = SQLDialect.sqlite
    public let description: String
    private let pool: DatabasePool
    private let lock = AsyncLock()

    public init(path: String) throws {
        var config = Configuration()
        config.label = "mirrorhub"
        config.busyMode = .timeout(10)
        // A transaction here spans several accesses of the writer connection (see the type's comment).
        config.allowsUnsafeTransactions = true
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 16777216;")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        description = "sqlite:\(path)"
    }

    public func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    @discardableResult
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        await lock.lock()
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let result = try await body(Transaction(pool: pool))
            try await end("COMMIT")
            await lock.unlock()
            return result
        } catch {
            try? await end("ROLLBACK")
            await lock.unlock()
            throw error
        }
    }

    /// Commits or rolls back whatever transaction the writer is in, even when the caller's task is cancelled: GRDB's
    /// asynchronous access checks for cancellation before it runs a block, so a cancelled task's ROLLBACK would
    /// never run and the writer would stay inside the transaction (every later BEGIN failing). A detached task is
    /// not cancelled with the caller.
    private func end(_ statement: String) async throws {
        let pool = pool
        try await Task.detached {
            try await pool.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: statement) }
            }
        }.value
    }

    struct Transaction: SQLTransaction {
        let pool: DatabasePool

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            let bound = StatementArguments(
                arguments.map { value -> (any DatabaseValueConvertible)? in
                    switch value {
                    case .null: nil
                    case .int(let int): int
                    case .double(let double): double
                    case .text(let text): text
                    }
                })
            return try await pool.writeWithoutTransaction { db in
                let rows = try Row.fetchAll(db, sql: sql, arguments: bound)
                return rows.map { row in
                    SQLRow(
                        row.databaseValues.map { value in
                            switch value.storage {
                            case .null: .null
                            case .int64(let int): .int(int)
                            case .double(let double): .double(double)
                            case .string(let text): .text(text)
                            case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                            }
                        })
                }
            }
        }
    }
}
