import Logging
import ServiceLifecycle
import Synchronization

/// The parts of the mirror that have ended early, by name, with why: listed in `/healthz` and the fleet's alerts.
final class EndedParts: Sendable {
    private let ended = Mutex<[String: String]>([:])

    func record(_ name: String, _ reason: String) { ended.withLock { $0[name] = reason } }

    func contains(_ name: String) -> Bool { ended.withLock { $0[name] != nil } }

    /// One line per ended part, sorted by name.
    var problems: [String] {
        ended.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key): stopped (\($0.value))" } }
    }
}

/// A part the mirror can do without (the code scanner, vision, share pages, sync): when it ends before shutdown,
/// or fails, it is said once at error level and shown in health, and the rest (the live mirror, recording, the API)
/// keeps running. Run in the group with termination behaviour `.ignore`, so its end never stops the daemon.
struct OptionalPart: Service {
    let name: String
    let part: any Service
    let ended: EndedParts
    let logger: Logger

    func run() async {
        let reason: String
        do {
            try await part.run()
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            reason = "it ended by itself"
        } catch {
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            reason = "\(error)"
        }
        ended.record(name, reason)
        logger.error(
            "\(name) stopped; the mirror goes on without it (restart mirrord to try again)",
            metadata: ["reason": "\(reason)"])
    }
}
