public import Logging
public import NIOCore
import Synchronization

/// The TCP addresses the daemon's servers actually listen on, by name (`remote`, `metrics`, `share`). A config may
/// name port 0 (any free port, as the tests do, so that no two runs race for one); the port bound is then known only
/// once the server runs, and is reported here: in `mirrorctl status`, the log, and the hub's telemetry hello.
public final class BoundListeners: Sendable {
    private let addresses = Mutex<[String: BoundAddress]>([:])

    public init() {}

    /// What a server's `onServerRunning` calls: records `name`'s bound address and logs it.
    public func recorder(_ name: String, logger: Logger) -> @Sendable (any Channel) async -> Void {
        { [self] channel in
            guard let address = channel.localAddress, let port = address.port else { return }
            let bound = BoundAddress(host: address.ipAddress ?? "?", port: port)
            addresses.withLock { $0[name] = bound }
            logger.info("listening", metadata: ["server": "\(name)", "address": "\(bound)"])
        }
    }

    /// The port `name` listens on, once it does.
    public func port(_ name: String) -> Int? { addresses.withLock { $0[name]?.port } }

    /// Every bound server, `name` to `host:port`.
    public var all: [String: String] { addresses.withLock { $0.mapValues(\.description) } }
}

struct BoundAddress: Sendable, CustomStringConvertible {
    var host: String
    var port: Int
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
