import Foundation
import Logging
import MirrorHub
import MirrorTesting
import Testing

/// Issue: the hub connected to PostgreSQL with TLS disabled, so shopper data and the database password crossed
/// the network in clear. Now a TCP link off the loopback is verify-full by default, `sslmode` and `sslrootcert`
/// choose, and a link that cannot be made says why at once (the pool only retried).
@Suite struct PostgresTLSTests {
    @Test func theHubTalksToPostgreSQLOverVerifiedTLS() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["MIRROR_TEST_POSTGRES"], let ca = environment["MIRROR_TEST_POSTGRES_CA"] else {
            if inCI { Issue.record("scripts/test sets MIRROR_TEST_POSTGRES and MIRROR_TEST_POSTGRES_CA (TLS on)") }
            return
        }
        try await ScratchPostgres.withNamedDatabase(serverURL: server, prefix: "mirrorhub_tls") { admin, url in
            // A role that logs in with a password over TCP, as a hub on another machine would.
            let name = String(URLComponents(string: url)?.path.dropFirst() ?? "")
            let role = "\(name)_hub"
            let password = UUID().uuidString
            try await admin.administer("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
            try await admin.administer("GRANT \(role) TO CURRENT_USER")  // to hand it the database
            try await admin.administer("ALTER DATABASE \(name) OWNER TO \(role)")
            let tcp = "postgres://\(role):\(password)@localhost:5432/\(name)"

            let hub = try HubUnderTest()
            hub.database = "\(tcp)?sslmode=verify-full&sslrootcert=\(ca)"
            _ = try await hub.admin("add-store", "s1", "High Street")
            let headOffice = try await hub.admin("create-credential", "--role", "head_office", "--name", "test")
            try await hub.start()
            let stores = String(decoding: try await hub.get("/v1/stores", token: headOffice), as: UTF8.self)
            #expect(stores.contains("High Street"))
            // The server's own view of the hub's connections: each is TLS.
            let links = try await admin.transaction { transaction in
                try await transaction.query(
                    "SELECT count(*) FILTER (WHERE ssl), count(*) FROM pg_stat_ssl JOIN pg_stat_activity "
                        + "USING (pid) WHERE usename = '\(role)'")
            }
            let (encrypted, all) = (links.first?.int(0) ?? 0, links.first?.int(1) ?? 0)
            print("the hub's connections to PostgreSQL: \(encrypted) of \(all) over TLS")
            #expect(all > 0 && encrypted == all)
            hub.crash()

            // Refused, with the reason: a CA that did not sign the server's certificate, an unknown sslmode.
            let other = try await TestCA("postgres-other")
            let cases: [(String, String)] = [
                ("\(tcp)?sslmode=verify-full&sslrootcert=\(other.certificate)", "the TLS handshake failed"),
                ("\(tcp)?sslmode=prefer", "sslmode=prefer is not one the hub takes"),
                (
                    "postgres://\(role):wrong@localhost:5432/\(name)?sslrootcert=\(ca)&sslmode=verify-full",
                    "password authentication failed"
                ),
            ]
            for (database, expected) in cases {
                let outcome = try await run(
                    Binaries.path("mirrorhub"), ["add-store", "s2", "Other", "--database", database],
                    timeout: .seconds(30))
                #expect(outcome.status != 0, "\(database)")
                #expect(outcome.stderr.contains(expected), "\(database): \(outcome.stderr)")
            }
            try await admin.administer("ALTER DATABASE \(name) OWNER TO CURRENT_USER")
            try await admin.administer("REASSIGN OWNED BY \(role) TO CURRENT_USER")
            try await admin.administer("DROP OWNED BY \(role)")
            try await admin.administer("DROP ROLE \(role)")
        }
    }

    /// The defaults: verify-full off the loopback, none on it or over a Unix socket.
    @Test func linksOffTheLoopbackAreVerifiedByDefault() throws {
        let logger = Logger(label: "test")
        let remote = try PostgresHubDatabase(url: "postgres://hub:pw@db.example/hub", logger: logger)
        #expect(remote.description.contains("certificate and host name checked"), "\(remote.description)")
        let local = try PostgresHubDatabase(url: "postgres://hub:pw@127.0.0.1/hub", logger: logger)
        #expect(local.description.contains("no TLS"), "\(local.description)")
        let plain = try PostgresHubDatabase(url: "postgres://hub:pw@db.example/hub?sslmode=disable", logger: logger)
        #expect(plain.description.contains("no TLS"), "\(plain.description)")
        #expect(throws: HubError.self) {
            _ = try PostgresHubDatabase(url: "postgres://hub@db.example/hub?sslrootcert=/nonexistent", logger: logger)
        }
    }
}
