import Foundation
import Hummingbird
import Logging
import MirrorCore
import Prometheus

/// What the local API asks of the daemon.
public protocol DaemonFacade: Sendable {
    func status() -> StatusReport
    /// PNG bytes of what the panel shows now.
    func screenshotPNG() throws -> [UInt8]
    /// Empty when every service is healthy, else one line per problem.
    func healthProblems() -> [String]
}

/// The daemon's HTTP API: on a Unix socket for `mirrorctl` (everything), and optionally on TCP for
/// Prometheus (health and metrics only).
public enum LocalAPI {
    /// A server with every route, for the staff socket.
    public static func control(
        socket: String, daemon: some DaemonFacade, registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        addHealthAndMetrics(router, daemon: daemon, registry: registry)
        router.get("/v1/status") { _, _ -> Response in
            try json(daemon.status())
        }
        router.get("/v1/screenshot") { _, _ -> Response in
            let png = try daemon.screenshotPNG()
            return Response(
                status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        return Application(
            router: router, configuration: .init(address: .unixDomainSocket(path: socket), serverName: nil),
            logger: logger)
    }

    /// A server with `/healthz` and `/metrics` only, for scraping over TCP.
    public static func metrics(
        host: String, port: Int, daemon: some DaemonFacade, registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        addHealthAndMetrics(router, daemon: daemon, registry: registry)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger)
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
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
