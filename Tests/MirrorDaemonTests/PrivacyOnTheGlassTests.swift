import Foundation
import Testing

/// What a shopper controls on the glass about what is kept, in the real daemon: "Delete my looks" asks first,
/// then deletes this visit's looks at once (audited), leaving the live mirror.
@Suite struct PrivacyOnTheGlassTests {
    let recording = RecordingProcessTests()

    func ctl(_ daemon: DaemonUnderTest, _ arguments: String...) async throws -> Outcome {
        try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
    }

    func waitForState(_ daemon: DaemonUnderTest, _ wanted: String) async throws {
        try await recording.waitForState(daemon, wanted)
    }

    /// Waits until the panel has drawn the control `id` (the display publishes what it drew, a frame later).
    func waitForControl(_ daemon: DaemonUnderTest, _ id: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        var shown = ""
        while ContinuousClock.now < deadline {
            shown = try await ctl(daemon, "ui", "state").stdout
            if shown.contains(id) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("\(id) never shown: \(shown)")
    }

    @Test func deleteMyLooksAsksThenDeletesAtOnce() async throws {
        let daemon = try DaemonUnderTest(extraConfig: RecordingProcessTests.settings)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(1500))  // the pre-roll ring fills
        #expect(try await ctl(daemon, "record", "--seconds", "2").status == 0)
        #expect(try await ctl(daemon, "ui", "press", "accept").status == 0)
        try await waitForState(daemon, "review")
        #expect(try await !ctl(daemon, "clips", "list").stdout.contains("no clips"))

        // Asked first: No keeps the look.
        #expect(try await ctl(daemon, "ui", "press", "delete-looks").status == 0)
        try await waitForControl(daemon, "confirm:yes")
        #expect(try await ctl(daemon, "ui", "press", "confirm:no").status == 0)
        try await waitForState(daemon, "review")
        #expect(try await !ctl(daemon, "clips", "list").stdout.contains("no clips"))

        // Yes deletes it now, not when the visit's retention ends; the audit names who.
        #expect(try await ctl(daemon, "ui", "press", "delete-looks").status == 0)
        try await waitForControl(daemon, "confirm:yes")
        #expect(try await ctl(daemon, "ui", "press", "confirm:yes").status == 0)
        try await waitForState(daemon, "live")
        #expect(try await ctl(daemon, "clips", "list").stdout.contains("no clips"))
        #expect(try await ctl(daemon, "clips", "audit").stdout.contains("deleted by the shopper on the mirror"))
        #expect(try await ctl(daemon, "ui", "press", "my-looks").status != 0, "no looks left to open")
        #expect(try await daemon.stop() == 0)
    }
}
