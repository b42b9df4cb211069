import Foundation
import Logging
import MirrorHub
import Testing

/// The two storage backends every hub test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// The PostgreSQL server the tests may create databases on (`scripts/test` starts one and sets this).
    static var postgresURL: String? { ProcessInfo.processInfo.environment["MIRROR_TEST_POSTGRES"] }
}

/// Runs `body` with a fresh, empty hub on `backend`: a temporary SQLite file, or a new PostgreSQL database
/// dropped afterwards. Without a PostgreSQL server the PostgreSQL case fails in CI and is recorded as skipped
/// elsewhere: it never passes silently.
func withHub<T: Sendable>(
    _ backend: Backend, wallClock: (@Sendable () -> Int64)? = nil,
    _ body: @Sendable (HubStore) async throws -> T
) async throws -> T? {
    let logger = Logger(label: "hub-test")
    switch backend {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try SQLiteHubDatabase(path: directory.appendingPathComponent("hub.sqlite").path)
        let store = try await HubStore(database: database, wallClock: wallClock ?? { HubStore.systemMillis() })
        return try await body(store)
    case .postgresql:
        guard let base = Backend.postgresURL else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("MIRROR_TEST_POSTGRES is not set: scripts/test starts PostgreSQL and sets it")
            }
            return nil
        }
        let name = "mirrorhub_test_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresHubDatabase(url: base, logger: logger, maxConnections: 1)
        try await running(admin) { try await admin.administer("CREATE DATABASE \(name)") }
        guard var components = URLComponents(string: base) else { return nil }
        components.path = "/\(name)"
        let database = try PostgresHubDatabase(url: components.string!, logger: logger)
        let result: Result<T, any Error> = await running(database) {
            do {
                let store = try await HubStore(database: database, wallClock: wallClock ?? { HubStore.systemMillis() })
                return .success(try await body(store))
            } catch {
                return .failure(error)
            }
        }
        // A client runs once: another one drops the database.
        let dropper = try PostgresHubDatabase(url: base, logger: logger, maxConnections: 1)
        try await running(dropper) { try await dropper.administer("DROP DATABASE \(name) WITH (FORCE)") }
        return try result.get()
    }
}

/// Runs `body` while the database's background work (PostgreSQL's pool) runs.
func running<T: Sendable>(_ database: some HubDatabase, _ body: @Sendable () async throws -> T) async rethrows -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await database.run()
            return nil
        }
        let result = try await body()
        group.cancelAll()
        return result
    }
}
