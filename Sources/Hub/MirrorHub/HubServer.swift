import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
import MirrorCore
public import MirrorHTTP
import MirrorProtocol
public import NIOCore
import Synchronization

/// The hub's HTTP API (described in `docs/hub-openapi.yaml`). Every endpoint but `/healthz` and `/v1/enrol` takes
/// a bearer credential; each says which roles may call it and checks the caller's store. There is no endpoint for
/// clips or frames: the hub never holds video.
public enum HubServer {
    /// The largest JSON body of a push (500 ops), and of a catalog or inventory upload.
    public static let maxPushBytes = 1 << 20
    public static let maxUploadBytes = 8 << 20
    /// The largest body of the small requests (enrolment, profile, consent, erasure).
    public static let maxSmallBytes = 16 << 10

    /// The hub's server: HTTPS with `tls` (its certificate read anew for each connection, so a renewed one serves
    /// without a restart; every answer says Strict-Transport-Security), plain HTTP without. `onRunning` is told
    /// the port bound once the server listens (the one chosen when `port` is 0).
    public static func application(
        store: HubStore, host: String, port: Int, tls: ServerCertificates? = nil, fleetStaleMillis: Int64 = 180_000,
        logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // The hub faces the network: a connection that sends nothing or half a request is closed after 10 s, a
        // request not whole after 15 s plus a second per 8 KiB of body is answered 408 and closed (a trickling
        // body resets the idle timeout, not this), at most 900 are open at once (below the default limit of
        // 1,024 descriptors, the database's included), and one client address holds at most 128 of them (a
        // store's mirrors behind one NAT address keep one or two each).
        let budget = ConnectionBudget(total: 900, perClient: 128, logger: logger)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                budget.admission(), RequestDeadline(allowance: .seconds(15), bytesPerSecond: 8 << 10),
            ],
            idleTimeout: .seconds(10))
        return Application(
            router: router(store: store, fleetStaleMillis: fleetStaleMillis, strictTransport: tls != nil),
            server: tls.map { .http1(configuration: http1, tls: $0) } ?? .http1(configuration: http1),
            configuration: .init(
                address: .hostname(host, port: port), serverName: nil,
                availableConnectionsDelegate: budget.listener(cap: 900)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// The routes; a mirror counts as online in the fleet view while its last telemetry is at most
    /// `fleetStaleMillis` old (three poll intervals plus the pull timeout).
    /// At most `insightsAtOnce` insight requests (API and page) are worked out at once; more are answered 503 with
    /// Retry-After (each reads a range's rows, at chain size seconds of the database's time).
    public static func router(
        store: HubStore, fleetStaleMillis: Int64 = 180_000, strictTransport: Bool = false, insightsAtOnce: Int = 4
    ) -> Router<HubContext> {
        let router = Router(context: HubContext.self)
        if strictTransport { router.add(middleware: StrictTransportSecurity()) }
        let methods = MethodNotAllowed()
        router.add(middleware: methods)
        router.add(middleware: ErrorMapping())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/v1/version") { request, context -> Response in
            _ = try await authenticate(request, store, [.device, .staff, .headOffice])
            return try JSONBody.response(["version": MirrorVersion.current])
        }
        addEnrolment(router, store)
        addSync(router, store)
        addStores(router, store)
        addShoppers(router, store)
        addFleet(router, store, staleMillis: fleetStaleMillis)
        addInsights(router, store, atOnce: InFlightLimit(insightsAtOnce))
        router.put("/v1/catalog") { request, context -> Response in
            _ = try await authenticate(request, store, [.headOffice])
            let items = try await JSONBody.decode([CatalogItem].self, request, limit: maxUploadBytes)
            return try JSONBody.response(["changed": try await store.putCatalog(items)])
        }
        methods.routes.withLock { table in
            table = router.routes.map { (String($0.method.rawValue), Self.components($0.path.description)) }
        }
        return router
    }

    /// A route's or request's path in components; a route's `:name` and `{name}` match any one component.
    static func components(_ path: String) -> [Substring] { path.split(separator: "/") }

    private static func addEnrolment(_ router: Router<HubContext>, _ store: HubStore) {
        router.post("/v1/enrol") { request, _ -> Response in
            let body = try await JSONBody.decode(
                EnrolRequest.self, request, limit: maxSmallBytes, fields: ["token", "name"])
            return try JSONBody.response(try await store.enrol(body), status: .created)
        }
        router.post("/v1/stores/:store/enrolment-tokens") { request, context -> Response in
            let storeId = try PathParameter.decoded(context, "store")
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            guard caller.canAccess(store: storeId) else { throw forbidden(storeId) }
            let (token, expires) = try await store.createEnrolmentToken(store: storeId)
            return try JSONBody.response(EnrolmentToken(token: token, expiresMillis: expires), status: .created)
        }
    }

    private static func addSync(_ router: Router<HubContext>, _ store: HubStore) {
        router.get("/v1/sync/hello") { request, context -> Response in
            let device = try await authenticate(request, store, [.device])
            let query = request.uri.queryParameters
            var port: Int?
            if let text = query.get("telemetryPort") {
                guard let value = Int(text), (1...65535).contains(value) else {
                    throw HTTPError(.badRequest, message: "telemetryPort is a TCP port, 1-65535")
                }
                port = value
            }
            var pin: [UInt8]?
            if let text = query.get("telemetryCertificateSha256") {
                guard let digest = CertificateFingerprint.parse(String(text)) else {
                    throw HTTPError(.badRequest, message: "telemetryCertificateSha256 is 64 hex digits")
                }
                // Without a port nothing is pulled, so there is nothing to pin.
                pin = port == nil ? nil : digest
            }
            let version = query.get("version").map { String($0) }
            if let version { try Validate.identifier(version, "version") }
            return try JSONBody.response(
                try await store.hello(
                    device: device, address: context.remoteAddress?.ipAddress, telemetryPort: port,
                    telemetrySHA256: pin, version: version))
        }
        router.post("/v1/sync/push") { request, _ -> Response in
            let device = try await authenticate(request, store, [.device])
            let body = try await JSONBody.decode(SyncPushRequest.self, request, limit: maxPushBytes, fields: ["ops"]) {
                value in
                guard case .object(let top) = value, case .array(let ops) = top["ops"] ?? .null else { return }
                let allowed: Set<String> = ["opId", "seq", "hlc", "entity", "key", "patch", "schema"]
                for case .object(let op) in ops {
                    if let unknown = op.keys.sorted().first(where: { !allowed.contains($0) }) {
                        throw HTTPError(.badRequest, message: "an op has an unknown field \"\(unknown)\"")
                    }
                }
            }
            return try JSONBody.response(try await store.push(device: device, body))
        }
        router.get("/v1/sync/pull") { request, _ -> Response in
            let device = try await authenticate(request, store, [.device])
            let query = request.uri.queryParameters
            let cursor = try wholeNumber(request, "cursor", default: 0, in: 0...Int64.max)
            let limit = try wholeNumber(
                request, "limit", default: Int64(HubStore.maxPullPage), in: 1...Int64(HubStore.maxPullPage))
            return try JSONBody.response(
                try await store.pull(
                    device: device, epoch: query.get("epoch"), cursor: cursor,
                    limit: Int(clamping: limit)))
        }
    }

    private static func addStores(_ router: Router<HubContext>, _ store: HubStore) {
        router.get("/v1/stores") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            return try JSONBody.response(try await store.stores(visibleTo: caller))
        }
        router.post("/v1/stores") { request, _ -> Response in
            _ = try await authenticate(request, store, [.headOffice])
            let body = try await JSONBody.decode(
                NewStore.self, request, limit: maxSmallBytes, fields: ["id", "name", "timeZone"])
            try await store.addStore(id: body.id, name: body.name, timeZone: body.timeZone)
            return try JSONBody.response(body, status: .created)
        }
        router.get("/v1/devices") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            return try JSONBody.response(try await store.devices(visibleTo: caller))
        }
        router.put("/v1/stores/:store/inventory") { request, context -> Response in
            let storeId = try PathParameter.decoded(context, "store")
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            guard caller.canAccess(store: storeId) else { throw forbidden(storeId) }
            let stock = try await JSONBody.decode([String: [String: Int]].self, request, limit: maxUploadBytes)
            return try JSONBody.response(["changed": try await store.putInventory(store: storeId, stock: stock)])
        }
        router.get("/v1/stores/:store/events") { request, context -> Response in
            let storeId = try PathParameter.decoded(context, "store")
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            guard caller.canAccess(store: storeId) else { throw forbidden(storeId) }
            let after = try wholeNumber(request, "after", default: 0, in: 0...Int64.max)
            let limit = try wholeNumber(request, "limit", default: 200, in: 1...1000)
            return try JSONBody.response(
                try await store.events(store: storeId, afterMillis: after, limit: Int(clamping: limit)))
        }
        router.get("/v1/stores/:store/requests") { request, context -> Response in
            let storeId = try PathParameter.decoded(context, "store")
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            guard caller.canAccess(store: storeId) else { throw forbidden(storeId) }
            let all = try QueryFlag.value(request, "all")
            return try JSONBody.response(try await store.staffRequests(store: storeId, openOnly: !all))
        }
    }

    private static func addShoppers(_ router: Router<HubContext>, _ store: HubStore) {
        // A device gets a profile only when the shopper consented to personalised suggestions.
        router.get("/v1/shoppers/:id") { request, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            let caller = try await authenticate(request, store, [.device, .headOffice])
            if caller.role == .device {
                let allowed = try await store.consented(
                    loyaltyId: id, purpose: ConsentPurpose.profile, version: ConsentPurpose.profileVersion)
                guard allowed else {
                    throw HTTPError(.notFound, message: "no opted-in profile with that code")
                }
            }
            guard let profile = try await store.shopper(loyaltyId: id) else {
                throw HTTPError(.notFound, message: "no opted-in profile with that code")
            }
            return try JSONBody.response(profile)
        }
        router.put("/v1/shoppers/:id") { request, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            let caller = try await authenticate(request, store, [.headOffice])
            let fields = try await JSONBody.decode([String: JSONValue].self, request, limit: maxSmallBytes)
            try await store.putShopper(loyaltyId: id, fields: fields, writer: "hub:\(caller.credentialId)")
            guard let profile = try await store.shopper(loyaltyId: id) else {
                throw HTTPError(.notFound, message: "no profile \(id)")
            }
            return try JSONBody.response(profile)
        }
        router.post("/v1/shoppers/:id/consents") { request, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            let caller = try await authenticate(request, store, [.headOffice])
            let body = try await JSONBody.decode(
                NewConsent.self, request, limit: maxSmallBytes, fields: ["purpose", "version", "granted"])
            try await store.recordConsent(
                loyaltyId: id, purpose: body.purpose, version: body.version, granted: body.granted,
                source: "hub:\(caller.credentialId)")
            return try JSONBody.response(body, status: .created)
        }
        router.post("/v1/shoppers/:id/purchases") { request, context -> Response in
            let id = try PathParameter.decoded(context, "id")
            _ = try await authenticate(request, store, [.headOffice])
            let body = try await JSONBody.decode(
                NewPurchase.self, request, limit: maxSmallBytes, fields: ["id", "sku", "size", "at"])
            try await store.addPurchase(loyaltyId: id, sku: body.sku, size: body.size, atMillis: body.at, id: body.id)
            return try JSONBody.response(body, status: .created)
        }
        router.post("/v1/erasures") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.headOffice])
            let body = try await JSONBody.decode(NewErasure.self, request, limit: maxSmallBytes, fields: ["loyaltyId"])
            try await store.erase(loyaltyId: body.loyaltyId, by: "hub:\(caller.credentialId)")
            return try JSONBody.response(["subject": SubjectHash.of(loyaltyId: body.loyaltyId)], status: .accepted)
        }
    }

    private static func addInsights(_ router: Router<HubContext>, _ store: HubStore, atOnce: InFlightLimit) {
        /// Enters the insight budget, or refuses with 503 and Retry-After.
        @Sendable func admitted() throws {
            guard atOnce.enter() else {
                throw HTTPError(
                    .serviceUnavailable, headers: [.retryAfter: "5"],
                    message: "the hub is working out figures for others; try again in a few seconds")
            }
        }
        // The tills' live feed: JSON lines (one sale line per line; a single object is one line) or, with
        // Content-Type text/csv, CSV with a header row. A body with a bad row stores nothing.
        router.post("/v1/sales") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            var buffer = try await request.body.collect(upTo: maxUploadBytes)
            let text = buffer.readString(length: buffer.readableBytes) ?? ""
            let csv = request.headers[.contentType]?.lowercased().hasPrefix("text/csv") == true
            let lines = try SalesFile.parse(text, format: csv ? .csv : .jsonLines)
            guard !lines.isEmpty else { throw HTTPError(.badRequest, message: "the body holds no sale line") }
            return try JSONBody.response(try await store.importSales(lines, caller: caller))
        }
        router.get("/v1/insights") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.staff, .headOffice])
            let query = try insightsQuery(request)
            try admitted()
            defer { atOnce.leave() }
            return try JSONBody.response(try await store.insights(query, caller: caller))
        }
        // The same figures as a web page, with the fleet page's sign-in (HTTP Basic too); staff see their store.
        router.get("/insights") { request, _ -> Response in
            let caller = try await authenticate(request, store, [.staff, .headOffice], basic: true)
            try admitted()
            defer { atOnce.leave() }
            let stores = try await store.stores(visibleTo: caller)
            let today = HubStore.systemMillis() / 86_400_000 * 86_400_000
            // A range or store the hub refuses: the page again, with why, and the form as it was sent.
            func refused(_ message: String) -> Response {
                let given = request.uri.queryParameters
                func value(_ name: String, _ fallback: String = "") -> String {
                    given.get(name).map { String($0) } ?? fallback
                }
                let chosen = value("store").isEmpty ? (caller.role == .staff ? caller.storeId : nil) : value("store")
                let to = value("to", InsightsQuery.dayText(today))
                let from = value("from", InsightsQuery.dayText(today - 6 * 86_400_000))
                return htmlPage(
                    InsightsPage.render(
                        error: message, store: chosen, from: from, to: to, weekly: value("step") == "week",
                        stores: stores, caller: caller, today: today), status: .badRequest)
            }
            do {
                var query = try insightsQuery(request)
                if query.store?.isEmpty == true { query.store = nil }  // the form's "All stores"
                if query.store == nil, caller.role == .staff { query.store = caller.storeId }
                let report = try await store.insights(query, caller: caller)
                return htmlPage(
                    InsightsPage.render(report, query: query, stores: stores, caller: caller, today: today))
            } catch let error as HubError where error.code == .badRequest {
                return refused(error.message)
            } catch let error as HTTPError where error.status == .badRequest {
                return refused(error.body ?? "the hub could not read this request")
            }
        }
    }

    /// `store`, `from`, `to` (days, YYYY-MM-DD; the last 7 days by default), `k` and
    /// `step` (`day` or `week`).
    static func insightsQuery(_ request: Request) throws -> InsightsQuery {
        let query = request.uri.queryParameters
        for name in ["store", "from", "to", "step"] where query.getAll(name).count > 1 {
            throw HTTPError(.badRequest, message: "\(name) is given once")
        }
        let today = HubStore.systemMillis() / 86_400_000 * 86_400_000
        let to = query.get("to").map { String($0) } ?? InsightsQuery.dayText(today)
        let from = query.get("from").map { String($0) } ?? InsightsQuery.dayText(today - 6 * 86_400_000)
        let step = query.get("step").map { String($0) } ?? "day"
        guard step == "day" || step == "week" else { throw HTTPError(.badRequest, message: "step is day or week") }
        return try InsightsQuery.days(
            store: query.get("store").map { String($0) }, from: from, to: to,
            k: Int(clamping: try wholeNumber(request, "k", default: Int64(InsightsQuery.defaultK))),
            weekly: step == "week")
    }

    // MARK: Helpers

    /// The whole number in query parameter `name`, or `fallback` when it is absent; given twice or not a whole
    /// number, the request is refused (found by schemathesis: `limit=null` used to mean the default).
    /// With `range`, a number outside it is refused too, as mirrord refuses it (never silently kept within it).
    static func wholeNumber(
        _ request: Request, _ name: String, default fallback: Int64, in range: ClosedRange<Int64> = .min ... .max
    ) throws -> Int64 {
        let values = request.uri.queryParameters.getAll(name)
        guard let text = values.first else { return fallback }
        guard values.count == 1, let value = Int64(text), range.contains(value) else {
            let bounds =
                range == .min ... .max
                ? "" : " from \(range.lowerBound)\(range.upperBound == .max ? " up" : " to \(range.upperBound)")"
            throw HTTPError(.badRequest, message: "\(name) must be a whole number\(bounds), given once")
        }
        return value
    }

    /// The caller, from a bearer credential; with `basic`, also from HTTP Basic with the credential as the password
    /// (the browser's own prompt, for the fleet page).
    static func authenticate(
        _ request: Request, _ store: HubStore, _ roles: Set<HubRole>, basic: Bool = false
    ) async throws -> Principal {
        let header = request.headers[.authorization] ?? ""
        var secret: String?
        if header.hasPrefix("Bearer ") {
            secret = String(header.dropFirst(7))
        } else if basic, header.hasPrefix("Basic "), let decoded = Data(base64Encoded: String(header.dropFirst(6))),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        {
            secret = String(pair[pair.index(after: colon)...])
        }
        guard let secret, let principal = try await store.authenticate(bearer: secret) else {
            throw HTTPError(
                .unauthorized,
                headers: [.wwwAuthenticate: basic ? "Basic realm=\"mirrorhub\", charset=\"UTF-8\"" : "Bearer"],
                message: "a valid bearer credential is required")
        }
        guard roles.contains(principal.role) else {
            throw HTTPError(.forbidden, message: "the \(principal.role.rawValue) role may not do this")
        }
        return principal
    }

    static func forbidden(_ store: String) -> HTTPError {
        HTTPError(.forbidden, message: "this credential is not for store \(store)")
    }
}

/// The hub's request context: Hummingbird's basic one plus the peer's address (the fleet view pulls a mirror's
/// telemetry from the address its sync hello came from).
public struct HubContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Turns the store's errors into HTTP statuses with their message; anything else is a 500 with no detail.
/// 405 with `Allow` for a method a known path does not have (the router alone answers 404 for those).
final class MethodNotAllowed: RouterMiddleware, Sendable {
    typealias Context = HubContext
    /// Every route: method and path components; filled once the router has its routes.
    let routes = Mutex<[(method: String, path: [Substring])]>([])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let response = try await next(request, context)
            guard response.status == .notFound, let allowed = allowed(request) else { return response }
            return allowed
        } catch let error as HTTPError where error.status == .notFound {
            if let allowed = allowed(request) { return allowed }
            throw error
        }
    }

    /// The 405 answer when the request's path is a route's but its method is none of them; else nil.
    private func allowed(_ request: Request) -> Response? {
        let path = HubServer.components(request.uri.path)
        let methods = routes.withLock { table in
            Set(
                table.filter { route in
                    route.path.count == path.count
                        && zip(route.path, path).allSatisfy { pattern, given in
                            pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == given
                        }
                }.map(\.method))
        }
        guard !methods.isEmpty, !methods.contains(request.method.rawValue) else { return nil }
        return Response(
            status: .methodNotAllowed, headers: [.allow: methods.sorted().joined(separator: ", ")],
            body: .init(
                byteBuffer: ByteBuffer(
                    string: #"{"error":{"message":"this path does not take \#(request.method.rawValue)"}}"#)))
    }
}

struct ErrorMapping: RouterMiddleware {
    typealias Context = HubContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HubError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .badRequest, .badConfig: .badRequest
                case .unauthorized: .unauthorized
                case .forbidden: .forbidden
                case .notFound: .notFound
                case .schemaTooNew: .internalServerError
                case .unreachable: .badGateway
                case .conflict: .conflict
                }
            throw HTTPError(status, message: error.message)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw HTTPError(.internalServerError, message: "the hub could not do this; see its log")
        }
    }
}

/// Consent purposes the hub knows.
public enum ConsentPurpose {
    /// Using the shopper's profile (sizes, colours, history) for suggestions at the mirror.
    public static let profile = "profile"
    public static let profileVersion: Int64 = 1
}

struct EnrolmentToken: Codable {
    var token: String
    var expiresMillis: Int64
}

struct NewStore: Codable {
    var id: String
    var name: String
    var timeZone: String?
}

struct NewConsent: Codable {
    var purpose: String
    var version: Int64
    var granted: Bool
}

struct NewPurchase: Codable {
    var id: String?
    var sku: String
    var size: String?
    var at: Int64
}

struct NewErasure: Codable {
    var loyaltyId: String
}
