import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import MirrorDaemon

/// Redesign issue: an optional service that returned (the code scanner when zbar cannot start, vision when its
/// decoder cannot be made) ended the whole ServiceGroup, and so mirrord. Now each fails alone and says so.
@Suite struct OptionalPartTests {
    struct Failing: Service {
        func run() async throws { throw DaemonError(.cannotStart, "zbar cannot start") }
    }
    struct Returning: Service {
        func run() async {}
    }
    /// The part every mirror needs, here: runs until shutdown.
    final class Essential: Service {
        let running = Atomic(false)
        func run() async {
            running.store(true, ordering: .relaxed)
            await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(60)) }
            running.store(false, ordering: .relaxed)
        }
    }

    @Test func anOptionalPartThatEndsOrFailsLeavesTheRestRunning() async throws {
        let ended = EndedParts()
        let logger = Logger(label: "test")
        let essential = Essential()
        let optional = [("code scanner", Failing() as any Service), ("vision", Returning())].map { name, part in
            ServiceGroupConfiguration.ServiceConfiguration(
                service: OptionalPart(name: name, part: part, ended: ended, logger: logger),
                successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
        }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: essential)] + optional, logger: logger))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(300))
        let stillRunning = essential.running.load(ordering: .relaxed)
        #expect(stillRunning, "the essential part was stopped with the optional ones")
        #expect(
            ended.problems == [
                "code scanner: stopped (zbar cannot start)", "vision: stopped (it ended by itself)",
            ])
        await group.triggerGracefulShutdown()
        try await running.value
        let stopped = !essential.running.load(ordering: .relaxed)
        #expect(stopped)
    }
}
