import AsyncHTTPClient
import Foundation
import Hummingbird
public import Logging
public import MirrorCore
import MirrorHTTP
public import MirrorProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle

/// Where the hub pulls one mirror's telemetry from.
public struct TelemetryTarget: Sendable, Hashable {
    public var deviceId: String
    public var storeId: String
    public var name: String
    /// `host:port`, with an IPv6 host in brackets.
    public var address: String
    /// The SHA-256 of the certificate the mirror serves telemetry with over HTTPS (from its hello); nil for a
    /// mirror that serves it on its plain metrics listener only.
    public var certificateSHA256: [UInt8]? = nil

    /// The host (an IPv6 one without brackets) and port of `address`.
    var hostAndPort: (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":") else { return (address, 0) }
        let host = address[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host, Int(address[address.index(after: colon)...]) ?? 0)
    }
}

/// One pull's outcome: the report, or why there is none.
public struct TelemetryPull: Sendable {
    public var deviceId: String
    public var at: Int64
    public var result: Result<TelemetryReport, HubError>

    public init(deviceId: String, at: Int64, result: Result<TelemetryReport, HubError>) {
        self.deviceId = deviceId
        self.at = at
        self.result = result
    }
}

extension HubStore {
    /// A mirror's hello may say where it serves telemetry: the hub keeps the address the hello came from with that
    /// port (never an address the mirror names, so a device credential cannot point the hub at other hosts).
    static func telemetryAddress(remote: String?, port: Int?) -> String? {
        guard let remote, let port, (1...65535).contains(port) else { return nil }
        return remote.contains(":") ? "[\(remote)]:\(port)" : "\(remote):\(port)"
    }

    /// Every mirror that said where it serves telemetry.
    public func telemetryTargets() async throws -> [TelemetryTarget] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT id, store_id, name, address, telemetry_port, telemetry_sha256 FROM devices
                WHERE address IS NOT NULL AND telemetry_port IS NOT NULL ORDER BY store_id, id
                """)
        }
        return rows.compactMap { row in
            Self.telemetryAddress(remote: row.optionalText(3), port: row.optionalInt(4).map(Int.init)).map {
                TelemetryTarget(
                    deviceId: row.text(0), storeId: row.text(1), name: row.text(2), address: $0,
                    certificateSHA256: row.optionalText(5).flatMap(CertificateFingerprint.parse))
            }
        }
    }

    /// Stores a round of pulls in one transaction: the latest per mirror, a compact history row each, and drops
    /// history older than `keepMillis`.
    public func record(_ pulls: [TelemetryPull], keepMillis: Int64) async throws {
        let encoder = TelemetryReport.encoder()
        let rows: [(TelemetryPull, String?)] = pulls.map { pull in
            if case .success(let report) = pull.result {
                (pull, (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) })
            } else {
                (pull, nil)
            }
        }
        let horizon = now() - keepMillis
        try await database.transaction { tx in
            for (pull, json) in rows {
                switch pull.result {
                case .success(let report):
                    try await tx.query(
                        """
                        UPDATE devices SET polled_ms = ?, poll_error = NULL, telemetry_ms = ?, telemetry = ?,
                            version = ? WHERE id = ?
                        """, .int(pull.at), .int(pull.at), SQLValue(json), .text(report.version),
                        .text(pull.deviceId))
                    try await tx.query(
                        """
                        INSERT INTO device_telemetry (device_id, at_ms, reached, healthy, fps, frames_dropped,
                            disk_free, alerts) VALUES (?, ?, 1, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """, .text(pull.deviceId), .int(pull.at), .int(report.healthy ? 1 : 0),
                        .double(report.camera.fps), .int(Int64(clamping: report.camera.framesDropped)),
                        .int(report.diskFreeBytes), .int(Int64(report.alerts.count)))
                case .failure(let error):
                    try await tx.query(
                        "UPDATE devices SET polled_ms = ?, poll_error = ? WHERE id = ?", .int(pull.at),
                        .text(String(error.description.prefix(300))), .text(pull.deviceId))
                    try await tx.query(
                        """
                        INSERT INTO device_telemetry (device_id, at_ms, reached) VALUES (?, ?, 0)
                        ON CONFLICT DO NOTHING
                        """, .text(pull.deviceId), .int(pull.at))
                }
            }
            try await tx.query("DELETE FROM device_telemetry WHERE at_ms < ?", .int(horizon))
        }
    }

    /// The fleet table: every mirror the caller may see, online when its last good pull is at most `staleMillis`
    /// old, with what needs looking at.
    public func fleet(visibleTo principal: Principal? = nil, staleMillis: Int64) async throws -> [FleetDevice] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT id, store_id, name, version, address, telemetry_port, last_seen_ms, telemetry_ms, telemetry,
                    poll_error, polled_ms
                FROM devices ORDER BY store_id, name, id
                """)
        }
        let at = now()
        let decoder = TelemetryReport.decoder()
        func date(_ millis: Int64?) -> Date? { millis.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        return rows.filter { principal?.canAccess(store: $0.text(1)) ?? true }.map { row in
            let telemetry = row.optionalText(8).flatMap {
                try? decoder.decode(TelemetryReport.self, from: Data($0.utf8))
            }
            let target = Self.telemetryAddress(remote: row.optionalText(4), port: row.optionalInt(5).map(Int.init))
            let lastGood = row.optionalInt(7)
            let online = lastGood.map { at - $0 <= staleMillis } ?? false
            let pollError = row.optionalText(9)
            var alerts: [String] = []
            if target == nil {
                alerts.append("no telemetry address: the mirror has not synced with metrics_listen set")
            } else if !online {
                let since =
                    lastGood.map { "since \(ISO8601DateFormatter().string(from: date($0)!))" } ?? "never reached"
                alerts.append("offline (\(since))" + (pollError.map { ": \($0)" } ?? ""))
            }
            if online, let telemetry { alerts += telemetry.alerts }
            return FleetDevice(
                id: row.text(0), storeId: row.text(1), name: row.text(2), online: online, version: row.optionalText(3),
                target: target, lastSeen: date(row.optionalInt(6)), lastTelemetry: date(lastGood),
                telemetry: telemetry, pollError: pollError, alerts: alerts)
        }
    }

    /// Prometheus HTTP service discovery: one target group per mirror that serves metrics.
    public func prometheusTargets() async throws -> [PrometheusTargetGroup] {
        try await telemetryTargets().map {
            PrometheusTargetGroup(
                targets: [$0.address],
                labels: ["mirror_store": $0.storeId, "mirror_device": $0.deviceId, "mirror_name": $0.name])
        }
    }
}

/// Pulls `/v1/telemetry` from every mirror each `interval`, at most `concurrency` at a time, each bounded by
/// `timeout` (store networks are slow and flaky: one dead mirror must not hold up the round), and records the
/// round in one transaction.
public final class FleetPoller: Service, Sendable {
    let store: HubStore
    let client: HTTPClient
    let interval: Duration
    /// The pull timeout, as the HTTP client takes it.
    let timeout: TimeAmount
    let concurrency: Int
    let keepMillis: Int64
    let logger: Logger
    /// The largest telemetry body read; a report is well under 4 KB.
    static let maxBody = 64 << 10

    public init(
        store: HubStore, interval: Duration = .seconds(60), timeout: Duration = .seconds(5), concurrency: Int = 64,
        keepHours: Int = 24, logger: Logger
    ) {
        self.store = store
        self.interval = interval
        let millis = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        self.timeout = .milliseconds(millis)
        self.concurrency = max(1, concurrency)
        keepMillis = Int64(keepHours) * 3_600_000
        self.logger = logger
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: self.timeout, read: self.timeout)
        configuration.connectionPool = .init(idleTimeout: .seconds(1), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let started = ContinuousClock.now
                do {
                    let summary = try await self.round()
                    self.logger.debug(
                        "fleet pulled", metadata: ["reached": "\(summary.reached)", "failed": "\(summary.failed)"])
                } catch {
                    self.logger.error("fleet pull failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(until: started.advanced(by: self.interval))
            }
        }
        try await shutdown()
    }

    /// Closes the HTTP client; `run()` does it when it ends, a caller of `round()` alone does it itself.
    public func shutdown() async throws { try await client.shutdown() }

    /// One pull of every mirror; answers how many answered and how many did not.
    @discardableResult
    public func round() async throws -> (reached: Int, failed: Int) {
        let targets = try await store.telemetryTargets()
        var pulls: [TelemetryPull] = []
        pulls.reserveCapacity(targets.count)
        await withTaskGroup(of: TelemetryPull.self) { group in
            var next = targets.makeIterator()
            for _ in 0..<concurrency {
                guard let target = next.next() else { break }
                group.addTask { await self.pull(target) }
            }
            while let pull = await group.next() {
                pulls.append(pull)
                if let target = next.next() { group.addTask { await self.pull(target) } }
            }
        }
        try await store.record(pulls, keepMillis: keepMillis)
        let reached = pulls.filter { if case .success = $0.result { true } else { false } }.count
        return (reached, pulls.count - reached)
    }

    func pull(_ target: TelemetryTarget) async -> TelemetryPull {
        let at = HubStore.systemMillis()
        do {
            let (status, body) = try await fetch(target)
            guard status == .ok else {
                return TelemetryPull(
                    deviceId: target.deviceId, at: at, result: .failure(HubError(.unreachable, "HTTP \(status.code)")))
            }
            let report = try TelemetryReport.decoder().decode(TelemetryReport.self, from: Data(body.readableBytesView))
            return TelemetryPull(deviceId: target.deviceId, at: at, result: .success(report))
        } catch {
            return TelemetryPull(
                deviceId: target.deviceId, at: at, result: .failure(HubError(.unreachable, Self.describe(error))))
        }
    }

    /// A mirror's telemetry: over HTTPS trusting only the certificate it named in its hello, else (a mirror that
    /// serves it on its plain metrics listener only) over HTTP.
    private func fetch(_ target: TelemetryTarget) async throws -> (HTTPResponseStatus, ByteBuffer) {
        if let pin = target.certificateSHA256 {
            let (host, port) = target.hostAndPort
            let answer = try await PinnedHTTPS.get(
                host: host, port: port, path: "/v1/telemetry", pin: pin, timeout: timeout, maxBody: Self.maxBody)
            return (answer.status, answer.body)
        }
        let response = try await client.execute(
            HTTPClientRequest(url: "http://\(target.address)/v1/telemetry"), timeout: timeout)
        return (response.status, try await response.body.collect(upTo: Self.maxBody))
    }

    /// Why a pull failed, in words for the fleet table.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError
        where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            return "no answer in time"
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return "the connection was closed"
        case is DecodingError:
            return "the answer is not a telemetry report"
        case let error as HubError:
            return error.description
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case let error as NIOConnectionError:
            if let io = error.connectionErrors.lazy.compactMap({ $0.error as? IOError }).first {
                return String(cString: strerror(io.errnoCode)).lowercased()
            }
            return "cannot connect"
        default:
            return String("\(error)".prefix(200))
        }
    }
}

extension HubServer {
    /// The fleet view: the table as JSON, the targets for Prometheus, and the web page.
    static func addFleet(_ router: Router<HubContext>, _ store: HubStore, staleMillis: Int64) {
        router.get("/v1/fleet") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.headOffice, .staff])
            return try fleetJSON(try await store.fleet(visibleTo: caller, staleMillis: staleMillis))
        }
        router.get("/v1/fleet/prometheus-targets") { request, _ -> Response in
            _ = try await authenticate(request, store, [.headOffice])
            return try JSONBody.response(try await store.prometheusTargets())
        }
        router.get("/fleet") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.headOffice, .staff], basic: true)
            return htmlPage(FleetPage.render(try await store.fleet(visibleTo: caller, staleMillis: staleMillis)))
        }
    }

    /// A server-rendered page (fleet, insights): never cached, and allowed nothing but its own inline style.
    static func htmlPage(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func fleetJSON(_ devices: [FleetDevice]) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try TelemetryReport.encoder().encode(devices))))
    }
}
