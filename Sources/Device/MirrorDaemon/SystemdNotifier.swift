import CSystemd
import Foundation
import Logging
import MirrorCore
import ServiceLifecycle

/// Opens the control socket to the staff group, then tells systemd the daemon is ready and, while no service is
/// stuck, feeds its watchdog (`WatchdogSec=` in the unit). When a service stops making progress the watchdog goes
/// hungry and systemd restarts mirrord; a missing camera does not count (a restart would not bring it back).
///
/// Outside systemd (no `NOTIFY_SOCKET`) the notifications go nowhere and only the socket is prepared.
final class SystemdNotifier: Service, Sendable {
    let socket: String
    let socketGroup: String?
    let stuck: @Sendable () -> [String]
    let notify: @Sendable (String) -> Void
    /// Half of `WatchdogSec`, or nil when systemd runs no watchdog for this service.
    let feedEvery: Duration?
    let logger: Logger

    init(
        socket: String, socketGroup: String?, stuck: @escaping @Sendable () -> [String], logger: Logger,
        notify: @escaping @Sendable (String) -> Void = SystemdNotifier.sdNotify,
        watchdog: Duration? = SystemdNotifier.watchdogInterval()
    ) {
        self.socket = socket
        self.socketGroup = socketGroup
        self.stuck = stuck
        self.notify = notify
        feedEvery = watchdog.map { $0 / 2 }
        self.logger = logger
    }

    /// `sd_notify(3)`; the state is a newline-separated list of `KEY=value`.
    static func sdNotify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// The watchdog period systemd asked for (`sd_watchdog_enabled(3)`), if any.
    static func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.announce()
        }
        notify("STOPPING=1")
    }

    private func announce() async {
        // Ready means the staff socket answers.
        while !Task.isCancelled, !UnixSocket.isServing(socket) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard !Task.isCancelled else { return }
        do {
            try Self.restrict(socket, group: socketGroup)
        } catch {
            logger.critical("cannot set the control socket's permissions", metadata: ["error": "\(error)"])
        }
        notify("READY=1\nSTATUS=serving\nMAINPID=\(getpid())")
        guard let feedEvery else {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            return
        }
        var reported: [String] = []
        while !Task.isCancelled {
            let problems = stuck()
            if problems.isEmpty {
                notify(reported.isEmpty ? "WATCHDOG=1" : "WATCHDOG=1\nSTATUS=serving")
            } else if problems != reported {
                // No WATCHDOG=1: systemd restarts the daemon when WatchdogSec passes without one.
                logger.error("a service is stuck; not feeding the watchdog", metadata: ["stuck": "\(problems)"])
                notify("STATUS=stuck: \(problems.joined(separator: "; "))")
            }
            reported = problems
            try? await Task.sleep(for: feedEvery)
        }
    }

    /// Mode 0660 with `group` as the socket's group, or 0600 without one.
    static func restrict(_ path: String, group: String?) throws {
        if let group {
            guard let entry = getgrnam(group) else {
                throw DaemonError(.cannotStart, "no group \(group) (api.socket_group): create it or remove the key")
            }
            try systemCall("chown", path) { chown(path, uid_t.max, entry.pointee.gr_gid) }
            try systemCall("chmod", path) { chmod(path, 0o660) }
        } else {
            try systemCall("chmod", path) { chmod(path, 0o600) }
        }
    }
}
