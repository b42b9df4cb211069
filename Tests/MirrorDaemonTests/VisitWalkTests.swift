import Foundation
import MirrorAPIModel
import Testing

/// A whole visit walked through `mirrorctl ui` on the demo's 2 m panel, as a shopper would: each step presses a
/// control the screen lists, waits for the next screen, and checks every control on it is within reach (rows 749 to
/// 1555 of 1920: 380–1220 mm above the floor) and at least 44 px on its short side.
@Suite struct VisitWalkTests {
    let shop = ShopProcessTests()

    /// Waits for `state` with the controls `ids` drawn, then checks every control on the panel.
    func screen(_ daemon: DaemonUnderTest, _ state: String, showing ids: [String]) async throws -> UIReport {
        try await shop.until(daemon, "\(state) showing \(ids)") {
            let ui = try await shop.ui(daemon)
            return ui.state == state && ids.allSatisfy { id in ui.controls?.contains { $0.id == id } == true }
        }
        let ui = try await shop.ui(daemon)
        for control in ui.controls ?? [] {
            let inReach =
                control.id.hasPrefix("look:")
                ? min(control.y + control.height, 1556) - max(control.y, 749) >= 44
                : control.y >= 749 && control.y + control.height <= 1556
            #expect(inReach, "\(state): \(control) is out of reach")
            #expect(min(control.width, control.height) >= 44, "\(state): \(control) is too small")
        }
        return ui
    }

    func press(_ daemon: DaemonUnderTest, _ id: String) async throws {
        let outcome = try await shop.ctl(daemon, "ui", "press", id)
        #expect(outcome.status == 0, "press \(id): \(outcome)")
    }

    @Test func aWholeVisitIsWithinReachStepByStep() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: """
                suggestions:
                  catalog: \(Binaries.repository)/config/catalog
                session:
                  countdown_seconds: 1
                recording:
                  clip_seconds: 2
                  pre_roll_seconds: 1
                """)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(1500))  // the pre-roll ring fills

        #expect(try await shop.ctl(daemon, "ui", "event", "start").status == 0)
        _ = try await screen(daemon, "live", showing: ["suggestions", "finish"])
        // A tap on the mirror records: consent first.
        #expect(try await shop.ctl(daemon, "ui", "tap", "0.5", "0.3").status == 0)
        _ = try await screen(daemon, "consent", showing: ["accept", "decline"])
        try await press(daemon, "accept")
        _ = try await screen(daemon, "review", showing: ["slow-motion", "share", "delete-looks", "back"])
        #expect(try await !shop.ui(daemon).buttons.contains("compare"), "one look: nothing to compare")

        // Back to the mirror, a second look, and the two compared.
        try await press(daemon, "back")
        _ = try await screen(daemon, "live", showing: ["my-looks", "delete-looks", "suggestions", "finish"])
        #expect(try await shop.ctl(daemon, "ui", "tap", "0.5", "0.3").status == 0)
        _ = try await screen(daemon, "countdown", showing: ["cancel"])
        let second = try await screen(daemon, "review", showing: ["compare"])
        #expect(second.clips.count == 2)
        try await press(daemon, "compare")
        _ = try await screen(daemon, "compare", showing: ["look:0", "look:1", "back"])
        try await press(daemon, "look:1")
        try await press(daemon, "back")

        // The styles, a colleague, and the end of the visit.
        _ = try await screen(daemon, "live", showing: ["suggestions"])
        try await press(daemon, "suggestions")
        _ = try await screen(daemon, "suggestions", showing: ["loyalty", "staff", "back"])
        try await press(daemon, "staff")
        _ = try await screen(daemon, "staffOnTheWay", showing: [])
        try await press(daemon, "finish")
        _ = try await screen(daemon, "rating", showing: ["rate:1", "rate:5", "skip"])
        try await press(daemon, "rate:5")
        let end = try await screen(daemon, "idle", showing: [])
        #expect(end.session == nil && end.clips.isEmpty)
        #expect(try await daemon.stop() == 0)
    }
}
