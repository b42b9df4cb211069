import Hummingbird
import Logging
import MirrorCore

/// The head-office hub. For now: health and version only; profiles, fleet and sync come next.
public enum HubServer {
    public static func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/v1/version") { _, _ in "{\"version\":\"\(MirrorVersion.current)\"}\n" }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger)
    }
}
