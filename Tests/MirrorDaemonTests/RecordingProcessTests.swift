import Foundation
import Testing

/// Recording end to end with the real binaries: consent on the mirror, pre-roll, encryption at rest,
/// export only with share consent (checked by ffprobe), withdrawal erases, kill -9 mid-clip recovers.
@Suite struct RecordingProcessTests {
    static let settings = """
        session:
          countdown_seconds: 0
        recording:
          clip_seconds: 2
          pre_roll_seconds: 1
        """

    func ctl(_ daemon: DaemonUnderTest, _ arguments: String...) async throws -> Outcome {
        try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
    }

    func waitForState(_ daemon: DaemonUnderTest, _ wanted: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try await ctl(daemon, "ui", "state", "--json").stdout
            if last.contains("\"state\" : \"\(wanted)\"") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("never reached \(wanted): \(last) \(daemon.logs())")
    }

    @Test func recordsWithConsentEncryptsAndExportsOnlyWhenShared() async throws {
        let daemon = try DaemonUnderTest(extraConfig: Self.settings)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        // Let the pre-roll ring fill.
        try await Task.sleep(for: .milliseconds(1500))

        let asked = try await ctl(daemon, "record", "--seconds", "2")
        #expect(asked.status == 0 && asked.stdout.contains("waiting for the shopper"), "\(asked)")
        // Nothing is recorded before the shopper agrees.
        #expect(try await ctl(daemon, "clips", "list").stdout.contains("no clips"))
        let accepted = try await ctl(daemon, "ui", "press", "accept")
        #expect(accepted.status == 0, "\(accepted)")
        try await waitForState(daemon, "review")

        let list = try await ctl(daemon, "clips", "list", "--json")
        struct Clip: Decodable {
            var id: String
            var frames: Int
            var state: String
        }
        let clips = try JSONDecoder().decode([Clip].self, from: Data(list.stdout.utf8))
        try #require(clips.count == 1, "\(list.stdout)")
        // 2 s at 12 fps plus up to 1 s of pre-roll.
        #expect(clips[0].state == "ready" && clips[0].frames >= 30 && clips[0].frames <= 40, "\(list.stdout)")

        // At rest: no AVI structure and no JPEG frame markers in the clip file.
        let file = "\(daemon.folder)/state/clips/\(clips[0].id).mclip"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(!contains(bytes, Array("RIFF".utf8)) && !contains(bytes, Array("movi".utf8)))
        #expect(!contains(bytes, [0xFF, 0xD8, 0xFF, 0xE0]) && !contains(bytes, [0xFF, 0xD8, 0xFF, 0xDB]))

        let out = "\(daemon.folder)/export.avi"
        let refused = try await ctl(daemon, "clips", "export", clips[0].id, out)
        #expect(refused.status == 65 && refused.stderr.contains("not agreed to share"), "\(refused)")
        // The shopper taps Share on the review screen.
        #expect(try await ctl(daemon, "ui", "state").stdout.contains("share"))
        #expect(try await ctl(daemon, "ui", "press", "share").status == 0)
        let exported = try await ctl(daemon, "clips", "export", clips[0].id, out)
        #expect(exported.status == 0, "\(exported)")
        let probe = try await run(
            "/usr/bin/ffprobe",
            [
                "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", out,
            ])
        #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "mjpeg,360,640,\(clips[0].frames)")

        // Withdrawing consent erases the session's clips at once.
        #expect(try await ctl(daemon, "ui", "event", "withdraw").status == 0)
        #expect(try await ctl(daemon, "clips", "list").stdout.contains("no clips"))
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try await daemon.stop() == 0)
    }

    @Test func killDuringRecordingLeavesAPlayableClipOrNone() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: Self.settings.replacingOccurrences(of: "clip_seconds: 2", with: "clip_seconds: 10"))
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        _ = try await ctl(daemon, "record")
        _ = try await ctl(daemon, "ui", "press", "accept")
        try await waitForState(daemon, "recording")
        try await Task.sleep(for: .milliseconds(2500))
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()

        let again = Process()
        again.executableURL = URL(fileURLWithPath: Binaries.path("mirrord"))
        again.arguments = ["--config", daemon.configPath]
        again.standardError = FileHandle.nullDevice
        try again.run()
        defer { if again.isRunning { kill(again.processIdentifier, SIGTERM) } }
        var listed = ""
        for _ in 0..<100 {
            let answer = try await ctl(daemon, "clips", "list", "--json")
            if answer.status == 0 {
                listed = answer.stdout
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        // The clip was recovered with the frames written before the kill (at most ~1 s lost).
        #expect(listed.contains("\"state\" : \"ready\""), "\(listed)")
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(daemon.folder)/state/clips")
        #expect(!files.contains { $0.hasSuffix(".partial") }, "\(files)")
        let frames = listed.components(separatedBy: "\"frames\" : ").dropFirst().first.flatMap {
            Int($0.prefix { $0.isNumber })
        }
        // 1 s pre-roll + 2.5 s at 12 fps ≈ 42 frames; at most about a second (12 frames) lost.
        #expect((frames ?? 0) >= 24, "\(listed)")
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains {
            haystack[$0..<($0 + needle.count)].elementsEqual(needle)
        }
    }
}
