import Foundation
import Logging
import MirrorStore
import MirrorSync
import Testing

@Suite struct SyncServiceTests {
    /// A nudge (after an enrolment) starts a round at once, every time; without one the service waits out its
    /// backoff instead of spinning (an earlier wake-up spun once a wait had ended by itself).
    @Test func aNudgeStartsARoundAndTheWaitHoldsOtherwise() async throws {
        let folder = NSTemporaryDirectory() + "sync-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try DeviceStore(stateDirectory: folder)
        // No credential file: every round fails at once, and the service backs off.
        let service = SyncService(
            hubURL: "http://127.0.0.1:9", credentialFile: "\(folder)/missing", store: store,
            logger: Logger(label: "test"), interval: .seconds(3600), maxBackoff: .seconds(3600))
        let task = Task { try await service.run() }
        defer { task.cancel() }
        func rounds() -> Int64 { service.status.rounds }
        #expect(try await eventually { rounds() >= 1 && service.status.consecutiveFailures == 1 })
        for _ in 0..<3 {
            let before = rounds()
            let asked = ContinuousClock.now
            service.nudge()
            #expect(try await eventually { rounds() > before }, "a nudge did not start a round")
            #expect(ContinuousClock.now - asked < .seconds(2))
        }
        // Left alone for 3 s, waits end by themselves (the first backoff is at most 2 s): a few rounds, not
        // thousands; and a nudge still works after that.
        let quiet = rounds()
        try await Task.sleep(for: .seconds(3))
        #expect(rounds() - quiet <= 5, "\(rounds() - quiet) rounds in three seconds without a nudge")
        let before = rounds()
        service.nudge()
        #expect(try await eventually { rounds() > before }, "a nudge after a wait that ended by itself")
        task.cancel()
        _ = try? await task.value
    }
}
