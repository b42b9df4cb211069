import AsyncHTTPClient
import Foundation
public import MirrorCore
import NIOCore
import NIOHTTP1
import NIOSSL

/// Why `mirrorctl` stops; each code is the exit status scripts test (sysexits(3)).
public enum CLIErrorCode: String, Sendable {
    case failed, usage, badData, noInput, unavailable, cannotWrite, notPermitted, badConfig

    public var exitCode: Int32 {
        switch self {
        case .failed: 1
        case .usage: 64
        case .badData: 65
        case .noInput: 66
        case .unavailable: 69
        case .cannotWrite: 73
        case .notPermitted: 77
        case .badConfig: 78
        }
    }
}

/// A failure `mirrorctl` reports and exits on.
public typealias CLIError = MirrorError<CLIErrorCode>

extension MirrorError where Code == CLIErrorCode {
    /// A failure with the exit status scripts test: 69 unavailable, 65 bad data, 73 cannot create output, 1 other.
    public init(_ message: String, exitCode: Int32 = 1) {
        self.init(CLIErrorCode.allExitCodes[exitCode] ?? .failed, message)
    }

    public var exitCode: Int32 { code.exitCode }
}

extension CLIErrorCode {
    static let allExitCodes: [Int32: CLIErrorCode] = Dictionary(
        uniqueKeysWithValues: [
            .failed, .usage, .badData, .noInput, .unavailable, .cannotWrite, .notPermitted, .badConfig,
        ]
        .map { ($0.exitCode, $0) })
}

/// mirrord answered that it is busy (503 with `Retry-After`): the refusal, and when to ask again.
private struct Busy: Error {
    var refusal: CLIError
    var wait: Duration
}

/// Talks to `mirrord`'s API: over its Unix domain socket, or to a remote mirror over HTTPS with a token.
struct DaemonClient {
    static let defaultSocket = "/run/mirrord/mirrord.sock"
    let socket: String
    var remote: Remote?

    struct Remote {
        var url: String
        var token: String
        /// A PEM file of the certificate(s) to trust instead of the system's roots.
        var caCertificate: String?
    }

    init(socket: String, remote: Remote? = nil) {
        self.socket = socket
        self.remote = remote
    }

    /// GETs `path` and returns the body; non-2xx answers become a ``CLIError`` quoting the daemon.
    /// While mirrord answers that it is busy (503 with `Retry-After`), asks again after the wait it names (plus
    /// up to half a second, so clients turned away together do not all come back together), until `busyFor`
    /// has passed.
    func get(
        _ path: String, limit: Int = 64 << 20, busyFor: Duration = .zero
    ) async throws -> (body: [UInt8], contentType: String?) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: busyFor)
        while true {
            do {
                return try await attempt(.GET, path, limit: limit)
            } catch let busy as Busy {
                guard clock.now.advanced(by: busy.wait) < deadline else { throw busy.refusal }
                try await Task.sleep(for: busy.wait + .milliseconds(Int.random(in: 0...500)))
            }
        }
    }

    /// POSTs to `path` (an action) and decodes the JSON answer.
    func post<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let (body, _) = try await send(.POST, path, limit: 1 << 20)
        return try decode(body, as: T.self)
    }

    /// POSTs `body` as JSON to `path` and decodes the JSON answer; `deadline` is how long mirrord may take (longer
    /// than any deadline of its own behind the request, so that its answer, not ours, says what did not answer).
    func post<T: Decodable>(
        _ path: String, json body: some Encodable, as type: T.Type, deadline: Duration = Self.deadline
    ) async throws -> T {
        let (answer, _) = try await send(
            .POST, path, limit: 1 << 20, body: try JSONEncoder().encode(body), deadline: deadline)
        return try decode(answer, as: T.self)
    }

    /// POSTs `body` as JSON to `path`, for an answer with nothing in it (204).
    func post(_ path: String, json body: some Encodable) async throws {
        _ = try await send(.POST, path, limit: 1 << 16, body: try JSONEncoder().encode(body), deadline: Self.deadline)
    }

    /// How long a request may take unless its command says otherwise.
    static let deadline = Duration.seconds(10)

    /// One request; a busy answer is a refusal like any other.
    private func send(
        _ method: HTTPMethod, _ path: String, limit: Int, body: Data? = nil, deadline: Duration = Self.deadline
    ) async throws -> (body: [UInt8], contentType: String?) {
        do { return try await attempt(method, path, limit: limit, body: body, deadline: deadline) } catch let busy
            as Busy
        { throw busy.refusal }
    }

    /// One request; a busy answer throws ``Busy``.
    private func attempt(
        _ method: HTTPMethod, _ path: String, limit: Int, body: Data? = nil, deadline: Duration = Self.deadline
    ) async throws -> (body: [UInt8], contentType: String?) {
        let where_ = remote?.url ?? socket
        let client: HTTPClient
        var request: HTTPClientRequest
        if let remote {
            var configuration = HTTPClient.Configuration()
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca = remote.caCertificate { tls.trustRoots = .file(ca) }
            configuration.tlsConfiguration = tls
            configuration.redirectConfiguration = .disallow
            configuration.timeout = .init(connect: .seconds(5))
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            request = HTTPClientRequest(url: remote.url + path)
            request.headers.add(name: "Authorization", value: "Bearer \(remote.token)")
        } else {
            guard let url = URL(httpURLWithSocketPath: socket, uri: path) else {
                throw CLIError("invalid socket path \(socket)", exitCode: 64)
            }
            // The HTTP client retries a refused connection until its deadline; a direct probe answers at once.
            if let code = UnixSocket.probe(socket) {
                throw CLIError(
                    "cannot reach mirrord at \(socket): \(String(cString: strerror(code))) (is mirrord running? "
                        + "pass --socket or set MIRRORD_SOCKET)", exitCode: 69)
            }
            client = HTTPClient(eventLoopGroupProvider: .singleton)
            request = HTTPClientRequest(url: url.absoluteString)
        }
        do {
            request.method = method
            if let body {
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let response = try await client.execute(request, timeout: .seconds(deadline.components.seconds))
            let body: ByteBuffer
            do { body = try await response.body.collect(upTo: limit) } catch {
                // The answer began and stopped (mirrord stopped, or the clip being sent changed under it): not a
                // mirrord that cannot be reached.
                throw CLIError(
                    "mirrord at \(where_) stopped part way through its answer to \(path): \(Self.explain(error)) "
                        + "(see mirrorctl logs)", exitCode: 69)
            }
            try await client.shutdown()
            let bytes = Array(body.readableBytesView)
            guard (200..<300).contains(response.status.code) else {
                // Hummingbird's errors are {"error": {"message": "..."}}: show the message alone.
                struct Refusal: Decodable {
                    struct Detail: Decodable { var message: String }
                    var error: Detail
                }
                let text =
                    (try? JSONDecoder().decode(Refusal.self, from: Data(bytes)).error.message)
                    ?? String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                // 4xx: the request was refused (bad data); 5xx: the daemon could not do it.
                if response.status.code == 401 {
                    throw CLIError("mirrord at \(where_) refused the token: \(text)", exitCode: 77)
                }
                let refusal = CLIError(
                    "mirrord answered \(response.status.code) for \(path): \(text)",
                    exitCode: (400..<500).contains(response.status.code) ? 65 : 69)
                if response.status.code == 503,
                    let seconds = response.headers.first(name: "retry-after").flatMap(Int.init)
                {
                    throw Busy(refusal: refusal, wait: .seconds(min(max(seconds, 1), 5)))
                }
                throw refusal
            }
            return (bytes, response.headers.first(name: "content-type"))
        } catch let error as CLIError {
            try? await client.shutdown()
            throw error
        } catch let busy as Busy {
            try? await client.shutdown()
            throw busy
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            try? await client.shutdown()
            throw CLIError(
                "mirrord at \(where_) took over \(deadline.components.seconds) s to answer \(path) and was given up on; "
                    + "it may still finish (see mirrorctl logs)", exitCode: 69)
        } catch {
            try? await client.shutdown()
            throw CLIError(
                "cannot reach mirrord at \(where_): \(Self.explain(error)) (is mirrord running? "
                    + (remote == nil ? "pass --socket or set MIRRORD_SOCKET)" : "check --remote and --ca-certificate)"),
                exitCode: 69)
        }
    }

    func getJSON<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let (body, _) = try await get(path)
        return try decode(body, as: T.self)
    }

    private func decode<T: Decodable>(_ body: [UInt8], as type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw CLIError(
                "mirrord sent an answer this mirrorctl cannot read (versions differ?): \(error)", exitCode: 65)
        }
    }

    private static func explain(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
