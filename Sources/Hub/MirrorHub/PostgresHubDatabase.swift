import Foundation
public import Logging
import NIOCore
import PostgresNIO

/// The hub's production backend: PostgreSQL through postgres-nio's connection pool.
///
/// The URL has the form `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=CA.pem]` (TLS
/// with the certificate and host checked unless HOST is the loopback: `PostgresLink`) or, over a Unix socket,
/// `postgres://USER@/DATABASE?host=/var/run/postgresql` (peer authentication, no password in any file).
public final class PostgresHubDatabase: HubDatabase {
    public let dialect = SQLDialect.postgres
    public let description: String
    private let client: PostgresClient
    private let logger: Logger
    /// One connection made the same way as the pool's, to say at once why none can be made (the pool only logs
    /// and retries).
    private let probeConfiguration: PostgresConnection.Configuration

    public init(url: String, logger: Logger, maxConnections: Int = 20) throws {
        guard let components = URLComponents(string: url),
            ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let user = components.user, !user.isEmpty
        else {
            throw HubError(.badConfig, "a PostgreSQL URL looks like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw HubError(.badConfig, "the PostgreSQL URL names no database") }
        let socketDirectory = components.queryItems?.first(where: { $0.name == "host" })?.value
        var configuration: PostgresClient.Configuration
        if let socketDirectory, socketDirectory.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: components.password,
                database: database)
            probeConfiguration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: components.password,
                database: database)
            description = "postgresql:\(database) on \(socketDirectory)"
        } else {
            guard let host = components.host, !host.isEmpty else {
                throw HubError(.badConfig, "the PostgreSQL URL names no host (or ?host=/socket/directory)")
            }
            let link = try PostgresLink(host: host, query: components.queryItems ?? [])
            configuration = .init(
                host: host, port: components.port ?? 5432, username: user, password: components.password,
                database: database, tls: link.tls)
            probeConfiguration = .init(
                host: host, port: components.port ?? 5432, username: user, password: components.password,
                database: database, tls: try link.connectionTLS())
            description = "postgresql:\(database) on \(host) (\(link.summary))"
        }
        configuration.options.maximumConnections = maxConnections
        self.logger = logger
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    public func run() async {
        await client.run()
    }

    /// Connects once and says why that fails (a refused certificate, a server without TLS, a refused login), where
    /// the pool would retry for ever.
    public func probe() async throws(HubError) {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: probeConfiguration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw HubError(.badConfig, "cannot connect to \(description): \(PostgresLink.why(error))")
        }
    }

    /// Runs one statement outside any transaction (`CREATE DATABASE` cannot run inside one).
    public func administer(_ sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    @discardableResult
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        } catch let error as PostgresTransactionError {
            // The hub's own error (a refused request) after a clean rollback is what the caller needs to see.
            if let closureError = error.closureError, error.rollbackError == nil, error.beginError == nil {
                throw closureError
            }
            throw error
        }
    }

    struct Transaction: SQLTransaction {
        let connection: PostgresConnection
        let logger: Logger

        func query(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument {
                case .null: bindings.appendNull()
                case .int(let int): bindings.append(int)
                case .double(let double): bindings.append(double)
                case .text(let text): bindings.append(text)
                }
            }
            let query = PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings)
            var rows: [SQLRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                var values: [SQLValue] = []
                values.reserveCapacity(row.count)
                for cell in row {
                    values.append(try Self.value(of: cell))
                }
                rows.append(SQLRow(values))
            }
            return rows
        }

        /// `?` placeholders as PostgreSQL's `$1`, `$2`… (the hub's SQL has no `?` inside string literals).
        static func numberedPlaceholders(_ sql: String) -> String {
            var result = ""
            result.reserveCapacity(sql.utf8.count + 16)
            var number = 0
            for character in sql {
                if character == "?" {
                    number += 1
                    result += "$\(number)"
                } else {
                    result.append(character)
                }
            }
            return result
        }

        static func value(of cell: PostgresCell) throws -> SQLValue {
            if cell.bytes == nil { return .null }
            switch cell.dataType {
            case .int2: return .int(Int64(try cell.decode(Int16.self)))
            case .int4: return .int(Int64(try cell.decode(Int32.self)))
            case .int8: return .int(try cell.decode(Int64.self))
            case .float4, .float8: return .double(try cell.decode(Double.self))
            case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}
