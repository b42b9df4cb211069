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

    /// Withdrawing on the glass (from the delete question) ends the visit and deletes its looks; a look saved to
    /// the profile stays unless the shopper, asked, deletes it too.
    @Test func withdrawingKeepsTheSavedLookUnlessChosen() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: RecordingProcessTests.settings
                + "\nsuggestions:\n  catalog: \(Binaries.repository)/config/catalog\n")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(1500))  // the pre-roll ring fills
        func clips() async throws -> Int {
            try await ctl(daemon, "clips", "list", "--json").stdout.components(separatedBy: "\"id\"").count - 1
        }
        func waitForJSON(_ text: String) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            var shown = ""
            while ContinuousClock.now < deadline {
                shown = try await ctl(daemon, "ui", "state", "--json").stdout
                if shown.contains(text) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("\(text) never shown: \(shown)")
        }
        func visitWithASavedLook() async throws {
            #expect(try await ctl(daemon, "ui", "event", "start").status == 0)
            #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)
            for _ in 0..<2 {
                #expect(try await ctl(daemon, "record", "--seconds", "2").status == 0)
                _ = try await ctl(daemon, "ui", "press", "accept")
                try await waitForState(daemon, "review")
            }
            try await waitForJSON("\"save\"")
            #expect(try await ctl(daemon, "ui", "press", "save").status == 0)
            try await waitForJSON("savedLookCode")
            #expect(try await ctl(daemon, "ui", "press", "delete-looks").status == 0)
            try await waitForJSON("\"withdraw\"")
            #expect(try await ctl(daemon, "ui", "press", "withdraw").status == 0)
            try await waitForJSON("Delete it too")
        }

        try await visitWithASavedLook()
        #expect(try await clips() == 2)
        #expect(try await ctl(daemon, "ui", "press", "confirm:no").status == 0)
        try await waitForState(daemon, "idle")
        #expect(try await clips() == 1, "the saved look stays")
        #expect(
            try await ctl(daemon, "clips", "audit").stdout.contains(
                "consent withdrawn; looks saved to the profile kept"))

        try await visitWithASavedLook()
        #expect(try await ctl(daemon, "ui", "press", "confirm:yes").status == 0)
        try await waitForState(daemon, "idle")
        #expect(try await clips() == 1, "only the earlier visit's saved look is left")
        #expect(try await ctl(daemon, "clips", "audit").stdout.contains("consent withdrawn, saved looks too"))
        #expect(try await daemon.stop() == 0)
    }
}
