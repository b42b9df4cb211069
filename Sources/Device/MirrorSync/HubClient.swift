public import AsyncHTTPClient
import Foundation
public import MirrorCore
public import MirrorProtocol
public import NIOCore
import NIOHTTP1
import NIOSSL

/// What can go wrong talking to the hub.
public enum SyncErrorCode: String, Sendable {
    /// The hub could not be reached or did not answer in time: try again later.
    case unreachable
    /// The hub refused the credential: the device must be enrolled again.
    case unauthorized
    /// The hub refused the request (a bug or a version mismatch): the message says why.
    case refused
    /// The hub's answer was not what the protocol says.
    case badResponse = "bad_response"
    case badCredential = "bad_credential"
    /// The hub has no such thing (or will not say it has: a shopper who is not opted in).
    case notFound = "not_found"
    /// The hub's certificate is not one this mirror trusts (unknown CA, another host's, expired, not the pinned
    /// one): nothing was sent.
    case untrusted
}

public typealias SyncError = MirrorError<SyncErrorCode>

/// The hub's sync API, as a device calls it.
public struct HubClient: Sendable {
    public let baseURL: String
    let credential: String?
    let trust: HubTrust
    let http: HTTPClient?
    let timeout: TimeAmount

    /// A client of the hub at `baseURL`, whose certificate is checked as `trust` says (or by `http`'s own
    /// configuration, when one is given).
    public init(
        baseURL: String, credential: String?, trust: HubTrust = .systemStore, http: HTTPClient? = nil,
        timeout: TimeAmount = .seconds(10)
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credential = credential
        self.trust = trust
        self.http = http
        self.timeout = timeout
    }

    public func enrol(token: String, name: String) async throws(SyncError) -> EnrolResponse {
        try await call(.POST, "/v1/enrol", body: EnrolRequest(token: token, name: name), authenticated: false)
    }

    /// Says hello; `telemetryPort` tells the hub where this mirror serves `/v1/telemetry` for the fleet view, over
    /// HTTPS with the certificate whose SHA-256 is `certificateSHA256` when given (the hub trusts only that one).
    public func hello(telemetryPort: Int? = nil, certificateSHA256: [UInt8]? = nil) async throws(SyncError) -> SyncHello
    {
        var path = "/v1/sync/hello?version=\(MirrorVersion.current)"
        if let telemetryPort { path += "&telemetryPort=\(telemetryPort)" }
        if let certificateSHA256, telemetryPort != nil {
            path += "&telemetryCertificateSha256=\(CertificateFingerprint.hex(certificateSHA256))"
        }
        return try await call(.GET, path, body: Optional<SyncPushRequest>.none)
    }

    public func push(_ ops: [SyncOp]) async throws(SyncError) -> SyncPushResponse {
        try await call(.POST, "/v1/sync/push", body: SyncPushRequest(ops: ops))
    }

    public func pull(epoch: String?, cursor: Int64, limit: Int = 1000) async throws(SyncError) -> SyncPullResponse {
        var path = "/v1/sync/pull?cursor=\(cursor)&limit=\(limit)"
        if let epoch, epoch.allSatisfy({ $0.isLetter || $0.isNumber }) { path += "&epoch=\(epoch)" }
        return try await call(.GET, path, body: Optional<SyncPushRequest>.none)
    }

    /// The profile of the shopper with `loyaltyId`, as the hub's JSON; nil when the hub has no opted-in profile
    /// with that code (it answers the same for unknown, not consented and erased shoppers).
    public func shopper(loyaltyId: String) async throws(SyncError) -> JSONValue? {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        guard let id = loyaltyId.addingPercentEncoding(withAllowedCharacters: allowed), !id.isEmpty else {
            return nil
        }
        do {
            return try await call(.GET, "/v1/shoppers/\(id)", body: Optional<SyncPushRequest>.none) as JSONValue
        } catch  where error.code == .notFound {
            return nil
        }
    }

    /// The fleet table (a head-office or staff credential).
    public func fleet() async throws(SyncError) -> [FleetDevice] {
        try await call(.GET, "/v1/fleet", body: Optional<SyncPushRequest>.none, decoder: TelemetryReport.decoder())
    }

    /// Head office's figures (`GET /v1/insights`), with its query parameters (store, from, to, k, window, step).
    public func insights(_ parameters: [(String, String)]) async throws(SyncError) -> InsightsReport {
        var components = URLComponents()
        components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
        return try await call(.GET, "/v1/insights\(query)", body: Optional<SyncPushRequest>.none)
    }

    func call<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, authenticated: Bool = true,
        decoder: JSONDecoder = JSONDecoder()
    ) async throws(SyncError) -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if authenticated {
            guard let credential else { throw SyncError(.badCredential, "no hub credential: enrol first") }
            request.headers.add(name: "Authorization", value: "Bearer \(credential)")
        }
        if let body {
            do {
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            } catch {
                throw SyncError(.refused, "could not encode the request", underlying: error)
            }
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        let http: HTTPClient
        if let given = self.http {
            http = given
        } else {
            http = try await HubConnections.client(baseURL: baseURL, trust: trust)
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = response.status
            bytes = try await response.body.collect(upTo: 16 << 20)
        } catch {
            await HubConnections.forget(baseURL: baseURL, trust: trust)
            if let refusal = await Self.certificateRefusal(error, baseURL: baseURL, trust: trust) {
                throw SyncError(.untrusted, "the hub at \(baseURL) \(refusal)", underlying: error)
            }
            throw SyncError(.unreachable, "the hub at \(baseURL) did not answer", underlying: error)
        }
        guard status.code / 100 == 2 else {
            let message =
                (try? JSONDecoder().decode(HubErrorBody.self, from: Data(bytes.readableBytesView)).error.message)
                ?? status.reasonPhrase
            switch status.code {
            case 401: throw SyncError(.unauthorized, "the hub refused the credential: \(message)")
            case 404: throw SyncError(.notFound, "the hub has no \(path): \(message)")
            case 500...: throw SyncError(.unreachable, "the hub failed (\(status.code)): \(message)")
            default: throw SyncError(.refused, "the hub refused \(path) (\(status.code)): \(message)")
            }
        }
        do {
            return try decoder.decode(Answer.self, from: Data(bytes.readableBytesView))
        } catch {
            throw SyncError(.badResponse, "the hub's answer to \(path) was not understood", underlying: error)
        }
    }

    /// Why the hub's certificate was refused, when that is what `error` says; nil for any other failure.
    static func certificateRefusal(_ error: any Error, baseURL: String, trust: HubTrust) async -> String? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "presented a certificate for another name (\(extra))"
        }
        guard case .handshakeFailed(let reason) = error as? NIOSSLError,
            "\(reason)".contains("CERTIFICATE_VERIFY_FAILED")
        else { return nil }
        return await HubConnections.whyRefused(baseURL: baseURL, trust: trust)
    }

    struct HubErrorBody: Decodable {
        struct Detail: Decodable { var message: String }
        var error: Detail
    }
}
