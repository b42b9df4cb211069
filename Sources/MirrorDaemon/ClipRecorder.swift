import Logging
import MirrorConfig
import MirrorCore
import Prometheus
import ServiceLifecycle

/// Records clips from the frame bus (placeholder until the encrypted store lands).
final class ClipRecorder: SessionRecorder, Service {
    init(config: DaemonConfig, bus: FrameBus, registry: PrometheusCollectorRegistry, logger: Logger) throws {}
    func run() async throws { try? await gracefulShutdown() }
    func recordConsent(session: String, accepted: Bool) throws {}
    func start(session: String, number: Int, seconds: Int, finished: @escaping @Sendable (Bool) -> Void) throws {
        finished(false)
    }
    func stop() {}
    func playback(session: String, number: Int) -> (any PlayableClip)? { nil }
    func endSession(_ session: String, erase: Bool) {}
}
