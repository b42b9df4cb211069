import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorSync
import MirrorTesting
import NIOCore
import NIOPosix
import NIOSSL

/// Many mirrors pushing their outboxes at once to a real `mirrorhub serve` over HTTP on loopback (JSON, bearer
/// credentials, the whole request path), on SQLite and (with `--postgres`) PostgreSQL. Its peer, in the same run
/// and on a fresh database of the same kind, is the store called directly (`hub-load`): the ratio is what HTTP,
/// JSON and authentication add.
struct HubHTTPLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-http-load", abstract: "Sync push throughput and latency through mirrorhub's HTTP API.")

    @Option(help: "The mirrorhub executable.") var hub: String
    @Option(help: "Simulated devices.") var devices = 1000
    @Option(help: "Pushes per device.") var pushes = 5
    @Option(help: "Ops per push.") var ops = 20
    @Option(help: "Pushes in flight at once.") var concurrency = 8
    @Option(help: "A PostgreSQL server to create throwaway databases on (postgres://USER@/postgres?host=…).")
    var postgres: String?
    @Flag(help: "Also push over HTTPS (a P-256 certificate) on a fresh SQLite database, beside plain HTTP.")
    var https = false

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hub-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (devices, pushes, ops, concurrency) = (devices, pushes, ops, concurrency)
        @Sendable func direct(_ database: any HubDatabase) async throws -> HubLoad.Figures {
            try await HubLoad.measure(database, devices: devices, pushes: pushes, ops: ops, concurrency: concurrency)
        }

        let sqlitePath = folder.appendingPathComponent("hub.sqlite").path
        let sqlite = try SQLiteHubDatabase(path: sqlitePath)
        let credentials = try await sqlite.whileRunning { try await enrol(sqlite) }
        let viaHTTP = try await overHTTP(database: sqlitePath, credentials: credentials)
        let peer = try SQLiteHubDatabase(path: folder.appendingPathComponent("peer.sqlite").path)
        report("sqlite", viaHTTP, try await peer.whileRunning { try await direct(peer) })
        if https {
            let path = folder.appendingPathComponent("https.sqlite").path
            let database = try SQLiteHubDatabase(path: path)
            let credentials = try await database.whileRunning { try await enrol(database) }
            let tls = try makeCertificate(in: folder.path)
            let viaHTTPS = try await overHTTP(database: path, credentials: credentials, tls: tls)
            print(
                String(
                    format: "hub sqlite over HTTPS (TLS 1.3, P-256): %.0f ops/s, push p50 %.1f ms, p99 %.1f ms; "
                        + "over plain HTTP in the same run: %.0f ops/s, p99 %.1f ms; ratio HTTPS / HTTP throughput "
                        + "%.2f", viaHTTPS.opsPerSecond, viaHTTPS.p50, viaHTTPS.p99, viaHTTP.opsPerSecond,
                    viaHTTP.p99, viaHTTPS.opsPerSecond / viaHTTP.opsPerSecond))
        }

        guard let postgres else { return }
        try await ScratchPostgres.withNamedDatabase(serverURL: postgres, prefix: "mirror_hub_http") { database, url in
            let credentials = try await enrol(database)
            let figures = try await overHTTP(database: url, credentials: credentials)
            try await ScratchPostgres.withDatabase(serverURL: postgres, prefix: "mirror_hub_peer", maxConnections: 16) {
                report("postgresql", figures, try await direct($0))
            }
        }
    }

    func report(_ backend: String, _ http: HubLoad.Figures, _ direct: HubLoad.Figures) {
        print(
            String(
                format: "hub %@ over HTTP: %d devices x %d pushes x %d ops, %d in flight: %.0f ops/s, "
                    + "push p50 %.1f ms, p99 %.1f ms; store called directly: %.0f ops/s, p99 %.1f ms; "
                    + "ratio HTTP / direct throughput %.2f",
                backend, devices, pushes, ops, concurrency, http.opsPerSecond, http.p50, http.p99,
                direct.opsPerSecond, direct.p99, http.opsPerSecond / direct.opsPerSecond))
    }

    /// Enrols the simulated mirrors in the hub's database; their credentials.
    func enrol(_ database: any HubDatabase) async throws -> [String] {
        let store = try await HubStore(database: database)
        try await store.addStore(id: "load", name: "Load")
        var credentials: [String] = []
        for index in 0..<devices {
            let (token, _) = try await store.createEnrolmentToken(store: "load")
            credentials.append(try await store.enrol(EnrolRequest(token: token, name: "m\(index)")).credential)
        }
        return credentials
    }

    /// A self-signed P-256 certificate for 127.0.0.1 and its key, made with openssl in `folder`.
    func makeCertificate(in folder: String) throws -> (certificate: String, key: String) {
        let (certificate, key) = ("\(folder)/hub.pem", "\(folder)/hub-key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
            "/CN=hub", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw ValidationError("openssl could not make a certificate") }
        chmod(key, 0o600)
        return (certificate, key)
    }

    /// Starts mirrorhub on `database` (over HTTPS with `tls`), pushes every device's outbox through it, stops it.
    func overHTTP(database: String, credentials: [String], tls: (certificate: String, key: String)? = nil)
        async throws -> HubLoad.Figures
    {
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 0
        try await probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hub)
        process.arguments =
            ["serve", "--database", database, "--port", "\(port)", "--poll-interval", "3600"]
            + (tls.map { ["--tls-certificate", $0.certificate, "--tls-key", $0.key] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(concurrency, 1))
        if let tls {
            var client = TLSConfiguration.makeClientConfiguration()
            client.trustRoots = .file(tls.certificate)
            configuration.tlsConfiguration = client
        }
        let http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        do {
            let figures = try await push(
                credentials, to: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)", http: http)
            try await http.shutdown()
            return figures
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    func push(_ credentials: [String], to url: String, http: HTTPClient) async throws -> HubLoad.Figures {
        let ready = ContinuousClock.now + .seconds(30)
        while (try? await HubClient(baseURL: url, credential: credentials[0], http: http).hello()) == nil {
            guard ContinuousClock.now < ready else { throw ValidationError("mirrorhub did not start") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await pushLoad(
            devices: credentials, pushes: pushes, ops: ops, concurrency: concurrency,
            stamp: { HLC(millis: HubStore.systemMillis(), counter: 0) }
        ) { credential, batch in
            try await HubClient(baseURL: url, credential: credential, http: http).push(batch).applied
        }
    }
}
