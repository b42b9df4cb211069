import Foundation
import Logging
import MirrorConfig
import MirrorCore
import MirrorDisplay
import MirrorSession
import MirrorStore
import Synchronization
import Testing

@testable import MirrorDaemon

/// The visit's one serial effect runner: an event waits until the effects of the one before it (and their
/// answers) are done, and an answer that arrives for a visit that is gone changes nothing.
@Suite struct SessionRunnerTests {
    /// A recorder that writes down what it is asked, in order; storing consent takes a while, and a recording
    /// answers at once from inside `start` (as a recorder that cannot start a clip may).
    final class SlowRecorder: SessionRecorder {
        let log = Mutex<[String]>([])

        func recordConsent(session: String, accepted: Bool) throws {
            Thread.sleep(forTimeInterval: 0.3)
            log.withLock { $0.append("consent") }
        }
        func start(session: String, number: Int, seconds: Int, finished: @escaping @Sendable (Bool) -> Void) throws {
            log.withLock { $0.append("start \(number)") }
            finished(true)
        }
        func endSession(_ session: String, erase: Visit.Erase) { log.withLock { $0.append("end") } }
        func deleteLooks(session: String, numbers: [Int]) throws -> Int { numbers.count }
        func recordShare(session: String) throws {}
        func stop() {}
        func playback(session: String, number: Int) -> (any PlayableClip)? { nil }
        func playback(clipID: String) -> (any PlayableClip)? { nil }
        func note(_ kind: SessionEventKind, session: String) {}
        func rate(_ face: Int, session: String) {}
        func pickLook(session: String, look: String, picked: Bool) throws {}
        func saveLook(session: String, number: Int, loyaltyId: String, garments: [String]) throws -> String { "" }
        func earlierLooks(session: String, loyaltyId: String) -> Int { 0 }
        func openEarlierLook(session: String, loyaltyId: String, code: String) throws -> LookCodeOutcome { .locked }
    }

    @Test func anEventWaitsForTheEffectsOfTheOneBefore() async throws {
        var settings = DaemonConfig.SessionSettings()
        settings.countdownSeconds = 0
        let recorder = SlowRecorder()
        let controller = SessionController(
            scene: DisplayScene(), settings: settings, recording: .init(), recorder: recorder,
            panel: (1080, 1920), logger: Logger(label: "test"))
        controller.send(.presenceDetected)
        controller.send(.recordRequested)
        #expect(controller.state == .consent)
        // Accept: the consent is stored (slowly), then the clip starts. The visit is ended meanwhile.
        let accepting = Thread { controller.press(ButtonID.accept) }
        accepting.start()
        try await Task.sleep(for: .milliseconds(100))
        controller.send(.endSession)
        // The end waited for the consent and the clip's start; the clip's answer, posted by the recorder during
        // the start, came after the end and opened no look of a visit that is gone.
        controller.onRunner {}
        #expect(recorder.log.withLock { $0 } == ["consent", "start 0", "end"])
        #expect(controller.state == .idle && controller.clips.isEmpty)
    }
}
