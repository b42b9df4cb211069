import Foundation
public import Hummingbird
public import HummingbirdCore
import HummingbirdTLS
public import Logging
public import MirrorAPIModel
public import MirrorCore
public import MirrorHTTP
public import MirrorProtocol
public import NIOCore
public import NIOSSL
public import Prometheus

/// What the local API asks of the daemon.
public protocol DaemonFacade: Sendable {
    func status() -> StatusReport
    /// PNG bytes of what the panel shows now.
    func screenshotPNG() throws -> [UInt8]
    /// Empty when every service is healthy, else one line per problem.
    func healthProblems() -> [String]
    /// The health summary the hub's fleet view pulls (no shopper data).
    func telemetry() -> TelemetryReport
    /// Sets the gauges that are read from the machine and the store, just before a scrape.
    func refreshMetrics()
    /// The daemon's recent log lines after `after`, at most `limit`.
    func logs(after: Int64, limit: Int) -> [LogLine]
    /// The configuration file, secrets redacted.
    func configReport() -> ConfigReport
    /// Re-reads the configuration file and applies what can change while running; throws when it does not load.
    func reloadConfig() async throws -> ConfigReload
    /// Enrols with the hub and starts syncing; throws with the reason.
    func enroll(_ request: MirrorEnrollment) async throws -> MirrorEnrollmentResult

    func ui() -> UIReport
    /// Presses the on-screen button `id`; false when the screen has no such button.
    func press(_ id: String) -> Bool
    /// A tap at (x, y), each 0…1 from the top left of the panel.
    func tap(x: Double, y: Double)
    func swipe(forward: Bool)
    /// A session event by name (`start`, `record`, `back`, `end`, `withdraw`, …); false when unknown.
    func event(_ name: String) -> Bool
    func display() -> DisplayInfo
    func setDiagnostics(_ shown: Bool)
    /// Shows the panel test pattern for `seconds`.
    func showTestPattern(seconds: Int)

    /// Asks for a recording (the shopper still has to agree on the mirror).
    func record(seconds: Int?) -> UIReport
    func clips() throws -> [ClipInfo]
    /// A clip as a plain MJPEG AVI, in an open file the answer streams from; throws when the shopper did not
    /// agree to share it.
    func exportClip(_ id: String) throws -> ExportedClip
    /// Records that an exported clip could not be written where mirrorctl was asked to put it.
    func exportNotWritten(_ id: String, reason: String) throws
    /// The newest `limit` rows of the audit log, newest first.
    func auditLog(limit: Int) throws -> [AuditEntry]
    /// Deletes expired clips, or every clip of ended sessions; returns how many.
    func purgeClips(all: Bool) throws -> Int
    /// The recognition core's state and what it recognises now and over the session.
    func vision() -> VisionReport
    /// Learns the empty fitting-room view from the next `frames` camera frames; throws when vision is off
    /// or someone is in view.
    func calibrate(frames: Int) async throws -> VisionReport

    /// The session's suggestions, from what is tried, the shopper's profile and this store's stock.
    func suggestions() -> SuggestionsReport
    /// The shopper acts on suggestion `sku`: `favourite` (toggles), `dismiss`, or `request` (staff bring
    /// it, in `size` or the shopper's size). Throws with the reason when it cannot be done.
    func actOnSuggestion(_ sku: String, action: String, size: String?) throws -> SuggestionsReport
    /// The shopper identifies with a loyalty code (the hub is asked when there is one); false when no opted-in
    /// profile has it.
    func identify(shopper code: String) async -> Bool
    /// Staff requests, newest first: open ones, or all recent ones.
    func staffRequests(all: Bool) throws -> [StaffRequestInfo]
    /// Marks a request done; nil when there is no such request.
    func completeStaffRequest(_ id: Int) throws -> StaffRequestInfo?
}

/// What every listener of the mirror holds at most: a connection that sends nothing, or only part of a request, is
/// closed after `idleTimeout`; a request that has not arrived whole after `requestAllowance` plus a second per
/// `slowestBody` bytes of its body is answered 408 and closed (a trickle resets the idle timeout, not this); and
/// at most `maxConnections` are open at once (more wait in the kernel's backlog, at most the timeout), so
/// half-sent requests can neither pile up descriptors (the retention sweep's files, the store) nor the CPU.
public enum Limits {
    public static let idleTimeout: TimeAmount = .seconds(5)
    public static let requestAllowance: TimeAmount = .seconds(10)
    public static let slowestBody = 8 << 10
    public static let maxConnections = 512
    /// The TCP listeners together (remote API, metrics, share pages), and the control socket on its own, so a
    /// flood from the store's network never locks staff out: 768 + 64, well under the unit's `LimitNOFILE`
    /// (4,096) and even under the common default of 1,024, leaving the store, clips, camera, display and catalog
    /// photos their descriptors.
    public static let network = ConnectionBudget(total: 768, perClient: 32, logger: Logger(label: "mirrord"))
    public static let local = ConnectionBudget(
        total: 64, perClient: 16, answersRefused: true, logger: Logger(label: "mirrord"))

    /// The HTTP/1 settings of a TCP listener, or (`local`) of the control socket.
    public static func http1(local: Bool = false) -> HTTP1Channel.Configuration {
        let budget = local ? Self.local : network
        return .init(
            additionalChannelHandlers: [
                budget.admission(), RequestDeadline(allowance: requestAllowance, bytesPerSecond: slowestBody),
            ],
            idleTimeout: idleTimeout)
    }

    public static func configuration(_ address: BindAddress, local: Bool = false, logger: Logger)
        -> ApplicationConfiguration
    {
        .init(
            address: address, serverName: nil,
            availableConnectionsDelegate: (local ? Self.local : network).listener(cap: maxConnections))
    }
}

/// What the local API's handlers branch on in the daemon's errors: an unknown clip is answered 404.
public enum LocalAPIErrorCode: String, Sendable {
    case clipNotFound
}

public typealias LocalAPIError = MirrorError<LocalAPIErrorCode>

extension MirrorError where Code == LocalAPIErrorCode {
    /// Thrown by ``DaemonFacade/exportClip(_:)`` and the export's failure report for an id the mirror has no clip
    /// of.
    public static func clipNotFound(_ id: String) -> LocalAPIError {
        LocalAPIError(.clipNotFound, "no clip \(id)", fix: "see mirrorctl clips list")
    }
}

/// An exported clip: its size, and its bytes in order, piece by piece (`next` gives nil at the end; it reads and
/// decrypts, so the answer calls it on ``BlockingWork``).
public final class ExportedClip: Sendable {
    public let size: Int
    private let next: @Sendable () throws -> [UInt8]?

    public init(size: Int, next: @escaping @Sendable () throws -> [UInt8]?) {
        self.size = size
        self.next = next
    }

    /// The clip as it is made: a long clip never sits in mirrord's memory or on its disk whole. A clip that stops
    /// reading part way (its file changed under the export) ends the answer short, which the client sees.
    func body() -> ResponseBody {
        ResponseBody(contentLength: size) { [self] writer in
            var sent = 0
            while let piece = try await BlockingWork.run(next) {
                try await writer.write(ByteBuffer(bytes: piece))
                sent += piece.count
            }
            guard sent == size else {
                throw HTTPError(.internalServerError, message: "the export ended at byte \(sent) of \(size)")
            }
            try await writer.finish(nil)
        }
    }
}

/// The daemon's HTTP API: on a Unix socket for `mirrorctl` (everything), and optionally on TCP for
/// Prometheus (health and metrics only).
public enum LocalAPI {
    /// A server with every route, for the staff socket.
    public static func control(
        socket: String, daemon: some DaemonFacade, registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: staffRouter(daemon: daemon, registry: registry),
            server: .http1(configuration: Limits.http1(local: true)),
            configuration: Limits.configuration(.unixDomainSocket(path: socket), local: true, logger: logger),
            logger: logger)
    }

    /// Every route, for a remote `mirrorctl`, over HTTPS; each request but `/healthz` must carry `token` as
    /// `Authorization: Bearer`.
    public static func remote(
        host: String, port: Int, tls: TLSConfiguration, token: String, daemon: some DaemonFacade,
        registry: PrometheusCollectorRegistry, bound: BoundListeners = .init(), logger: Logger
    ) throws -> some ApplicationProtocol {
        Application(
            router: staffRouter(daemon: daemon, registry: registry, token: token),
            server: try .tls(.http1(configuration: Limits.http1()), tlsConfiguration: tls),
            configuration: Limits.configuration(.hostname(host, port: port), logger: logger),
            onServerRunning: bound.recorder("remote", logger: logger), logger: logger)
    }

    static func staffRouter(
        daemon: some DaemonFacade, registry: PrometheusCollectorRegistry, token: String? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        if let token { router.add(middleware: BearerToken(token)) }
        addHealthAndMetrics(router, daemon: daemon, registry: registry)
        router.get("/v1/status") { _, _ -> Response in
            try JSONBody.response(daemon.status())
        }
        // A screenshot copies the panel (8 MB at 1080x1920) and encodes it; a burst of them once took mirrord from 90
        // to 330 MB. One at a time; the others are told to come back.
        let screenshots = InFlightLimit(1)
        router.get("/v1/screenshot") { _, _ -> Response in
            guard screenshots.enter() else {
                throw HTTPError(
                    .serviceUnavailable, headers: [.retryAfter: "1"],
                    message: "a screenshot is being taken; try again in a second")
            }
            defer { screenshots.leave() }
            let png = try await BlockingWork.run { try daemon.screenshotPNG() }
            return Response(
                status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        router.get("/v1/logs") { request, _ -> Response in
            let after = try wholeNumber(request, "after", in: 0...Int64.max) ?? 0
            let limit = Int(try wholeNumber(request, "limit", in: 1...2000) ?? 200)
            return try JSONBody.response(daemon.logs(after: after, limit: limit))
        }
        router.get("/v1/config") { _, _ -> Response in try JSONBody.response(daemon.configReport()) }
        router.post("/v1/config/reload") { _, _ -> Response in
            do { return try JSONBody.response(try await daemon.reloadConfig()) } catch {
                throw HTTPError(.unprocessableContent, message: "\(error)")
            }
        }
        router.post("/v1/enroll") { request, _ -> Response in
            let body = try await JSONBody.decode(
                MirrorEnrollment.self, request, limit: 4096,
                help: "send {\"token\": \"...\", \"hub\": \"...\", \"name\": \"...\"}")
            guard (1...512).contains(body.token.count), (body.name?.count ?? 1) <= 200 else {
                throw HTTPError(.badRequest, message: "token is 1-512 characters, name at most 200")
            }
            do {
                return try JSONBody.response(try await daemon.enroll(body))
            } catch {
                throw HTTPError(.conflict, message: "\(error)")
            }
        }
        addControls(router, daemon: daemon)
        return router
    }

    /// The interface and display controls: what the touch screen can do, for kiosks, tests and staff.
    private static func addControls(_ router: Router<BasicRequestContext>, daemon: some DaemonFacade) {
        router.get("/v1/ui") { _, _ -> Response in try JSONBody.response(daemon.ui()) }
        router.post("/v1/ui/press/:button") { _, context -> Response in
            let button = try PathParameter.decoded(context, "button")
            // A press, tap, swipe or event may write the visit's events (SQLite): on the blocking pool.
            guard try await BlockingWork.run({ daemon.press(button) }) else {
                throw HTTPError(.conflict, message: "no button '\(button)' on the screen now (see mirrorctl ui state)")
            }
            return try JSONBody.response(daemon.ui())
        }
        router.post("/v1/ui/tap") { request, _ -> Response in
            guard let x = request.uri.queryParameters.get("x", as: Double.self),
                let y = request.uri.queryParameters.get("y", as: Double.self), (0...1).contains(x), (0...1).contains(y)
            else {
                throw HTTPError(.badRequest, message: "give x and y between 0 and 1, e.g. /v1/ui/tap?x=0.5&y=0.9")
            }
            try await BlockingWork.run { daemon.tap(x: x, y: y) }
            return try JSONBody.response(daemon.ui())
        }
        router.post("/v1/ui/swipe/:direction") { _, context -> Response in
            let direction = try PathParameter.decoded(context, "direction")
            guard ["forward", "back"].contains(direction) else {
                throw HTTPError(.badRequest, message: "swipe forward or back")
            }
            try await BlockingWork.run { daemon.swipe(forward: direction == "forward") }
            return try JSONBody.response(daemon.ui())
        }
        router.post("/v1/ui/event/:name") { _, context -> Response in
            let name = try PathParameter.decoded(context, "name")
            guard try await BlockingWork.run({ daemon.event(name) }) else {
                throw HTTPError(
                    .badRequest,
                    message:
                        "unknown event '\(name)' (start, record, accept, decline, back, staff, suggestions, finish, skip, end, withdraw)"
                )
            }
            return try JSONBody.response(daemon.ui())
        }
        router.post("/v1/record") { request, _ -> Response in
            let seconds = try wholeNumber(request, "seconds", in: 2...30).map { Int($0) }
            return try JSONBody.response(try await BlockingWork.run { daemon.record(seconds: seconds) })
        }
        router.get("/v1/clips") { _, _ -> Response in
            do { return try JSONBody.response(try await BlockingWork.run { try daemon.clips() }) } catch {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
        router.get("/v1/clips/:id/export") { _, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            let avi: ExportedClip
            do { avi = try await BlockingWork.run { try daemon.exportClip(id) } } catch let missing as LocalAPIError
                where missing.code == .clipNotFound
            {
                throw HTTPError(.notFound, message: "\(missing)")
            } catch { throw HTTPError(.forbidden, message: "\(error)") }
            return Response(status: .ok, headers: [.contentType: "video/x-msvideo"], body: avi.body())
        }
        router.post("/v1/clips/:id/export-failed") { request, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            let body = try await JSONBody.decode(ExportFailure.self, request, limit: 4096, fields: ["reason"])
            do { try await BlockingWork.run { try daemon.exportNotWritten(id, reason: body.reason) } } catch let missing
                as LocalAPIError where missing.code == .clipNotFound
            {
                throw HTTPError(.notFound, message: "\(missing)")
            } catch { throw HTTPError(.internalServerError, message: "\(error)") }
            return Response(status: .noContent)
        }
        router.get("/v1/audit") { request, _ -> Response in
            let limit = Int(try wholeNumber(request, "limit", in: 1...10_000) ?? 100)
            do { return try JSONBody.response(try await BlockingWork.run { try daemon.auditLog(limit: limit) }) } catch
            {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
        router.post("/v1/clips/purge") { request, _ -> Response in
            let all = try QueryFlag.value(request, "all")
            do {
                let deleted = try await BlockingWork.run { try daemon.purgeClips(all: all) }
                return try JSONBody.response(PurgeReport(deleted: deleted))
            } catch {
                throw HTTPError(.internalServerError, message: "\(error)")
            }
        }
        router.get("/v1/vision") { _, _ -> Response in try JSONBody.response(daemon.vision()) }
        router.post("/v1/vision/calibrate") { request, _ -> Response in
            let frames = Int(try wholeNumber(request, "frames", in: 5...100) ?? 30)
            do {
                return try JSONBody.response(try await daemon.calibrate(frames: frames))
            } catch {
                throw HTTPError(.conflict, message: "\(error)")
            }
        }
        addShop(router, daemon: daemon)
        router.get("/v1/display") { _, _ -> Response in try JSONBody.response(daemon.display()) }
        router.post("/v1/display/diagnostics/:state") { _, context -> Response in
            let state = try PathParameter.decoded(context, "state")
            guard ["on", "off"].contains(state) else { throw HTTPError(.badRequest, message: "use on or off") }
            daemon.setDiagnostics(state == "on")
            return try JSONBody.response(daemon.ui())
        }
        router.post("/v1/display/test-pattern") { request, _ -> Response in
            let seconds = Int(try wholeNumber(request, "seconds", in: 1...600) ?? 10)
            daemon.showTestPattern(seconds: seconds)
            return try JSONBody.response(daemon.display())
        }
    }

    /// A server with `/healthz`, `/metrics` and `/v1/telemetry` only, for scraping over TCP.
    public static func metrics(
        host: String, port: Int, daemon: some DaemonFacade, registry: PrometheusCollectorRegistry,
        bound: BoundListeners = .init(), logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        addHealthAndMetrics(router, daemon: daemon, registry: registry)
        return Application(
            router: router, server: .http1(configuration: Limits.http1()),
            configuration: Limits.configuration(.hostname(host, port: port), logger: logger),
            onServerRunning: bound.recorder("metrics", logger: logger), logger: logger)
    }

    private static func addHealthAndMetrics(
        _ router: Router<BasicRequestContext>, daemon: some DaemonFacade, registry: PrometheusCollectorRegistry
    ) {
        router.get("/healthz") { _, _ -> Response in
            let problems = daemon.healthProblems()
            let body = problems.isEmpty ? "ok\n" : problems.joined(separator: "\n") + "\n"
            return Response(
                status: problems.isEmpty ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/v1/telemetry") { _, _ -> Response in
            let data = try TelemetryReport.encoder().encode(daemon.telemetry())
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ -> Response in
            daemon.refreshMetrics()
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// The whole number in query parameter `name`, nil when absent; not a whole number, given twice or outside
    /// `range`, the request is refused with 400 and the range (a number that does not parse is never the default).
    static func wholeNumber(_ request: Request, _ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        let values = request.uri.queryParameters.getAll(name)
        guard let text = values.first else { return nil }
        guard values.count == 1, let value = Int64(text), range.contains(value) else {
            let upper = range.upperBound == .max ? "" : " to \(range.upperBound)"
            throw HTTPError(
                .badRequest, message: "\(name) must be a whole number from \(range.lowerBound)\(upper), given once")
        }
        return value
    }
}

/// Lets a request through only with `Authorization: Bearer <token>` (`/healthz` and `/v1/telemetry` excepted:
/// the health figures the metrics listener serves anyway, which the hub's fleet view pulls over this listener's
/// HTTPS, trusting its certificate); compares in constant
/// time so the answer's timing says nothing about how much of a guess was right.
struct BearerToken: RouterMiddleware {
    typealias Context = BasicRequestContext
    let expected: [UInt8]

    init(_ token: String) { expected = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path == "/healthz" || request.uri.path == "/v1/telemetry" {
            return try await next(request, context)
        }
        let header = request.headers[.authorization] ?? ""
        let given = header.hasPrefix("Bearer ") ? Array(header.utf8.dropFirst(7)) : []
        guard constantTimeEqual(expected, Array(given)) else {
            throw HTTPError(
                .unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a valid token is required")
        }
        return try await next(request, context)
    }
}
