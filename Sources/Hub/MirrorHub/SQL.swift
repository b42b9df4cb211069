import Foundation

/// A value bound to or read from SQL, in the types both hub backends store the same way.
public enum SQLValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public var int: Int64? { if case .int(let value) = self { value } else { nil } }
    public var text: String? { if case .text(let value) = self { value } else { nil } }
    public var double: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
}

/// One result row, by column position.
public struct SQLRow: Sendable {
    public var values: [SQLValue]
    public init(_ values: [SQLValue]) { self.values = values }
    public subscript(_ index: Int) -> SQLValue { values[index] }
    public func int(_ index: Int) -> Int64 { values[index].int ?? 0 }
    public func text(_ index: Int) -> String { values[index].text ?? "" }
    public func optionalText(_ index: Int) -> String? { values[index].text }
    public func optionalInt(_ index: Int) -> Int64? { values[index].int }
}

/// Statements inside one transaction. SQL is written once, with `?` placeholders, in the subset SQLite and
/// PostgreSQL share (`INSERT … ON CONFLICT … DO UPDATE … WHERE`, `RETURNING`); each backend adapts placeholders.
public protocol SQLTransaction: Sendable {
    /// Runs a statement and returns its rows (a `RETURNING` clause tells whether an insert happened).
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
}

extension SQLTransaction {
    @discardableResult
    public func query(_ sql: String, _ arguments: SQLValue...) async throws -> [SQLRow] {
        try await query(sql, arguments)
    }
}

/// What differs between the backends' DDL.
public struct SQLDialect: Sendable {
    public var name: String
    /// An auto-incrementing 64-bit primary key column type.
    public var serialKey: String

    public static let sqlite = SQLDialect(name: "sqlite", serialKey: "INTEGER PRIMARY KEY AUTOINCREMENT")
    public static let postgres = SQLDialect(name: "postgresql", serialKey: "BIGSERIAL PRIMARY KEY")

    /// `sql` with the dialect's types in place of `{serial}`.
    public func ddl(_ sql: String) -> String {
        sql.replacingOccurrences(of: "{serial}", with: serialKey)
    }
}

/// A hub database: SQLite through GRDB (the embedded default) or PostgreSQL through postgres-nio.
public protocol HubDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T
    /// Runs the backend's background work (PostgreSQL's connection pool) until cancelled; call it once.
    func run() async
    /// A short description for logs, without credentials.
    var description: String { get }
}

/// Waiters for a lock held across suspension points, first come first served.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

extension HubDatabase {
    /// Runs `body` while the backend's background work (PostgreSQL's pool) runs, then stops that work.
    public func whileRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await self.run()
                return nil
            }
            let result = try await body()
            group.cancelAll()
            return result
        }
    }
}
