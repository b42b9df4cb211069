import Foundation
import Logging
public import MirrorHub

/// A throwaway PostgreSQL database for tests and benchmarks: created on the server at `serverURL`, handed to
/// `body`, and dropped afterwards whether `body` succeeds or throws.
public enum ScratchPostgres {
    public static func withDatabase<T: Sendable>(
        serverURL: String, prefix: String, maxConnections: Int = 20,
        _ body: @Sendable (PostgresHubDatabase) async throws -> T
    ) async throws -> T {
        try await withNamedDatabase(serverURL: serverURL, prefix: prefix, maxConnections: maxConnections) {
            database, _ in try await body(database)
        }
    }

    /// The same, also handing `body` the database's URL (for a server process of its own).
    public static func withNamedDatabase<T: Sendable>(
        serverURL: String, prefix: String, maxConnections: Int = 20,
        _ body: @Sendable (PostgresHubDatabase, String) async throws -> T
    ) async throws -> T {
        let logger = Logger(label: prefix)
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        guard var components = URLComponents(string: serverURL) else {
            throw HubError(.badConfig, "\(serverURL) is not a PostgreSQL URL")
        }
        // A client runs once: one creates the database, another drops it.
        let creator = try PostgresHubDatabase(url: serverURL, logger: logger, maxConnections: 1)
        try await creator.whileRunning { try await creator.administer("CREATE DATABASE \(name)") }
        components.path = "/\(name)"
        let url = components.string ?? serverURL
        let database = try PostgresHubDatabase(url: url, logger: logger, maxConnections: maxConnections)
        let result: Result<T, any Error> = await {
            do {
                return .success(try await database.whileRunning { try await body(database, url) })
            } catch {
                return .failure(error)
            }
        }()
        let dropper = try PostgresHubDatabase(url: serverURL, logger: logger, maxConnections: 1)
        try await dropper.whileRunning { try await dropper.administer("DROP DATABASE \(name) WITH (FORCE)") }
        return try result.get()
    }
}
