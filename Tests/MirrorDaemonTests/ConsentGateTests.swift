import Foundation
import Testing

/// The consent gate in the real daemon with vision on: the camera, the display and recognition run for a shopper
/// who declines, yet nothing of them reaches the disk (clip files, clip rows, JPEG data in any file, including the
/// database and its outbox); a shopper who agrees and then withdraws leaves nothing either.
@Suite struct ConsentGateTests {
    @Test func nothingIsPersistedWithoutConsentAndWithdrawalErases() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: RecordingProcessTests.settings + """

                vision:
                  manifest: \(Binaries.repository)/models/efficientnet-lite0.json
                """)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let recording = RecordingProcessTests()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        let state = "\(daemon.folder)/state"
        /// Clip files, and files of the state directory (the panel left out) holding the start of a JPEG.
        func persisted() throws -> (clipFiles: Int, jpegFiles: [String]) {
            let clips = (try? FileManager.default.contentsOfDirectory(atPath: "\(state)/clips")) ?? []
            var jpeg: [String] = []
            let enumerator = FileManager.default.enumerator(atPath: state)
            while let relative = enumerator?.nextObject() as? String {
                guard !relative.contains("framebuffer"),
                    let data = FileManager.default.contents(atPath: "\(state)/\(relative)")
                else { continue }
                if StorageScanTests.jpegStart(in: [UInt8](data)) != nil { jpeg.append(relative) }
            }
            return (clips.count, jpeg)
        }

        // Vision learns the empty room (the replay starts each loop with it; refused while someone moves in view).
        var calibrated = false
        for _ in 0..<40 where !calibrated {
            calibrated = try await ctl("calibrate", "--frames", "6").status == 0
            if !calibrated { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(calibrated)

        // A shopper steps up, is asked, and declines: capture, display and vision ran all along.
        #expect(try await ctl("ui", "event", "start").status == 0)
        try await Task.sleep(for: .seconds(2))
        #expect(try await ctl("record", "--seconds", "2").status == 0)
        try await recording.waitForState(daemon, "consent")
        try await Task.sleep(for: .seconds(1))
        #expect(try await ctl("ui", "event", "decline").status == 0)
        try await Task.sleep(for: .seconds(3))
        struct Vision: Decodable { var framesAnalysed: Int }
        let vision = try JSONDecoder().decode(Vision.self, from: Data(try await ctl("vision", "--json").stdout.utf8))
        print("frames analysed by vision meanwhile: \(vision.framesAnalysed)")
        #expect(vision.framesAnalysed > 0)
        let declined = try persisted()
        let rows = try await ctl("clips", "list", "--json").stdout
        print(
            "without consent: \(declined.clipFiles) clip files, \(rows.contains("\"id\"") ? "some" : "0") clip rows, "
                + "\(declined.jpegFiles.count) files with JPEG data")
        #expect(
            declined.clipFiles == 0 && declined.jpegFiles.isEmpty && !rows.contains("\"id\""), "\(declined) \(rows)")

        // Agreeing records one clip (encrypted, so no JPEG data at rest); withdrawing erases it at once.
        #expect(try await ctl("record", "--seconds", "2").status == 0)
        #expect(try await ctl("ui", "press", "accept").status == 0)
        try await recording.waitForState(daemon, "review")
        let recorded = try persisted()
        #expect(recorded.clipFiles == 1 && recorded.jpegFiles.isEmpty, "\(recorded)")
        #expect(try await ctl("ui", "event", "withdraw").status == 0)
        let withdrawn = try persisted()
        print("after withdrawal: \(withdrawn.clipFiles) clip files, \(withdrawn.jpegFiles.count) files with JPEG data")
        #expect(withdrawn.clipFiles == 0 && withdrawn.jpegFiles.isEmpty, "\(withdrawn)")
        #expect(try await ctl("clips", "list").stdout.contains("no clips"))
        #expect(try await daemon.stop() == 0)
    }
}
