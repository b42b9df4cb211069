import Foundation
import MirrorAPIModel
import MirrorCore
import MirrorStore
import Testing

/// The recognition core in the real daemon: calibration refused while someone moves in view and taken
/// when the room is empty, the shopper's arrival starts the session, garments are recognised and voted,
/// the calibration and catalog index survive a restart, and bad requests get clear errors.
@Suite struct VisionProcessTests {
    struct Report: Decodable {
        struct Observation: Decodable {
            struct Colour: Decodable { var name: String }
            var region: String
            var colours: [Colour]
        }
        var enabled: Bool
        var calibrated: Bool
        var catalogItems: Int
        var framesAnalysed: Int
        var session: [Observation]
    }

    /// JPEG frames cut from the demo sample (a catalog folder needs photos; these are at hand).
    static func catalog(in folder: String) throws -> String {
        let path = "\(folder)/catalog"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let bytes = [UInt8](
            try Data(contentsOf: URL(fileURLWithPath: "\(Binaries.repository)/devices/samples/turntable-360x640.mjpeg"))
        )
        var frames: [ArraySlice<UInt8>] = []
        var start = 0
        for index in 1..<bytes.count where bytes[index - 1] == 0xFF && bytes[index] == 0xD9 {
            frames.append(bytes[start...index])
            start = index + 1
        }
        try Data(frames[0]).write(to: URL(fileURLWithPath: "\(path)/SKU-FRONT.jpg"))
        try Data(frames[12]).write(to: URL(fileURLWithPath: "\(path)/SKU-SIDE.jpg"))
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: "\(path)/SKU-BROKEN.jpg"))
        return path
    }

    func ctl(_ daemon: DaemonUnderTest, _ arguments: String...) async throws -> Outcome {
        try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
    }

    func report(_ daemon: DaemonUnderTest) async throws -> Report {
        let outcome = try await ctl(daemon, "vision", "--json")
        guard outcome.status == 0 else { throw TestFailure("mirrorctl vision: \(outcome)") }
        return try JSONDecoder().decode(Report.self, from: Data(outcome.stdout.utf8))
    }

    func until<T>(
        _ what: String, _ daemon: DaemonUnderTest, timeout: Duration = .seconds(30), _ probe: () async throws -> T?
    )
        async throws -> T
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("timed out waiting for \(what): \(daemon.logs())")
    }

    @Test func calibratesRecognisesAndRemembers() async throws {
        let scratch = try DaemonUnderTest()
        let catalog = try Self.catalog(in: scratch.folder)
        let settings = """
            vision:
              manifest: \(Binaries.repository)/models/efficientnet-lite0.json
              analysis_fps: 4
              catalog: \(catalog)
            """
        let daemon = try DaemonUnderTest(extraConfig: settings)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        var first = try await report(daemon)
        #expect(first.enabled && !first.calibrated)
        first = try await until("the catalog index", daemon) {
            let report = try await report(daemon)
            return report.catalogItems == 2 ? report : nil
        }

        // The sample loops 2 s of empty room and 3 s of a shopper turning: calibration fails while the
        // shopper moves in view and succeeds on the empty room.
        _ = try await until("a calibration", daemon, timeout: .seconds(40)) { () async throws -> Bool? in
            let outcome = try await ctl(daemon, "calibrate", "--frames", "6")
            if outcome.status == 0 { return true }
            #expect(outcome.stderr.contains("view changed while calibrating"), "\(outcome)")
            return nil
        }
        #expect(try await report(daemon).calibrated)
        #expect(FileManager.default.fileExists(atPath: "\(daemon.folder)/state/vision/background.bin"))

        // The shopper's arrival starts the session; their garments are voted over it.
        _ = try await until("the session to start", daemon) { () async throws -> Bool? in
            try await ctl(daemon, "ui", "state", "--json").stdout.contains("\"state\" : \"live\"") ? true : nil
        }
        let voted = try await until("garments", daemon) { () async throws -> Report? in
            let report = try await report(daemon)
            return report.session.contains { $0.region == "upper-body" && !$0.colours.isEmpty } ? report : nil
        }
        #expect(voted.session.contains { $0.region == "lower-body" })
        let text = try await ctl(daemon, "vision")
        #expect(text.stdout.contains("calibrated  yes") && text.stdout.contains("catalog     2 items"), "\(text)")

        // Hostile requests: clear errors, nothing changes.
        let zero = try await ctl(daemon, "calibrate", "--frames", "0")
        #expect(zero.status != 0 && zero.stderr.contains("5 to 100"))
        #expect(try await daemon.stop() == 0)

        // A restart keeps the calibration and reuses the catalog index instead of embedding again.
        let again = try DaemonUnderTest(extraConfig: settings, stateDirectory: "\(daemon.folder)/state")
        try again.start()
        _ = try await again.waitUntilStreaming()
        let restarted = try await until("the catalog index after restart", again) {
            let report = try await report(again)
            return report.catalogItems == 2 ? report : nil
        }
        #expect(restarted.calibrated)
        #expect(try await again.stop() == 0)
        #expect(again.logs().contains("catalog index loaded"))
    }

    @Test func aFullTurnEndsTheClipBeforeItsCapAndStoresThePhases() async throws {
        let settings = """
            session:
              countdown_seconds: 0
            recording:
              clip_seconds: 15
              pre_roll_seconds: 0.5
              post_roll_seconds: 0.25
            vision:
              manifest: \(Binaries.repository)/models/efficientnet-lite0.json
            """
        let daemon = try DaemonUnderTest(extraConfig: settings)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        _ = try await until("a calibration", daemon, timeout: .seconds(40)) { () async throws -> Bool? in
            try await ctl(daemon, "calibrate", "--frames", "6").status == 0 ? true : nil
        }
        // Garments are analysed between clips (a clip's frames go to the turn tracker): the look's labels
        // are what was recognised as it began.
        _ = try await until("garments", daemon) { () async throws -> Bool? in
            try await report(daemon).session.contains { !$0.colours.isEmpty } ? true : nil
        }
        #expect(try await ctl(daemon, "record").status == 0)
        #expect(try await ctl(daemon, "ui", "press", "accept").status == 0)
        struct Clip: Decodable {
            var frames: Int
            var fps: Double
            var turnComplete: Bool?
            var turnPhases: [Float?]?
        }
        // The sample's shopper turns once in 3 s, with 2 s of empty room between turns: however the
        // recording starts, a full turn is seen well before the 15 s cap.
        let clip = try await until("the clip", daemon, timeout: .seconds(25)) { () async throws -> Clip? in
            let list = try await ctl(daemon, "clips", "list", "--json")
            let clips = try JSONDecoder().decode([Clip].self, from: Data(list.stdout.utf8))
            return clips.first { $0.turnComplete != nil }
        }
        #expect(clip.turnComplete == true)
        // Ended by the turn, not the cap: a second short of it at least (about 6-8 s on an idle machine; 11.4 s was
        // seen with three other process tests recognising beside it, the turn seen a loop later).
        #expect(Double(clip.frames) / clip.fps < 14, "\(clip.frames) frames")
        let phases = clip.turnPhases ?? []
        #expect(phases.count == clip.frames)
        let known = phases.compactMap { $0 }
        #expect(known.count >= 24, "\(phases)")
        #expect(zip(known, known.dropFirst()).allSatisfy { $0 <= $1 }, "phases go forward: \(known)")

        // A second look, then both side by side: each labelled with what was recognised as it was recorded;
        // the shopper taps the second to pick it, and the pick is a session event.
        _ = try await until("the review screen", daemon) { () async throws -> Bool? in
            try await ctl(daemon, "ui", "state", "--json").stdout.contains("\"state\" : \"review\"") ? true : nil
        }
        #expect(try await ctl(daemon, "ui", "press", "record").status == 0)
        _ = try await until("the second clip", daemon, timeout: .seconds(25)) { () async throws -> Bool? in
            let state = try JSONDecoder().decode(
                UIReport.self, from: Data(try await ctl(daemon, "ui", "state", "--json").stdout.utf8))
            return state.clips.count == 2 && state.state == "review" ? true : nil
        }
        #expect(try await ctl(daemon, "ui", "press", "compare").status == 0)
        #expect(try await ctl(daemon, "ui", "press", "look:1").status == 0)
        // The panel's layout (the buttons listed) follows the next frame drawn.
        let compare = try await until("the compare screen", daemon) { () async throws -> UIReport? in
            let state = try JSONDecoder().decode(
                UIReport.self, from: Data(try await ctl(daemon, "ui", "state", "--json").stdout.utf8))
            return state.buttons.contains("look:1") && state.looks?.contains(where: \.favourite) == true
                ? state : nil
        }
        let looks = try #require(compare.looks, "\(compare)")
        print("compare: \(looks.map { "\($0.title): \($0.garments.joined(separator: ", "))" })")
        #expect(compare.state == "compare" && looks.map(\.title) == ["Look 1", "Look 2"])
        #expect(looks.allSatisfy { !$0.garments.isEmpty }, "\(looks)")
        #expect(looks.map(\.favourite) == [false, true])
        #expect(compare.buttons.contains("look:0") && compare.buttons.contains("back"))
        #expect(try await ctl(daemon, "ui", "state").stdout.contains("look:1  Look 2 (favourite): "))
        #expect(try await daemon.stop() == 0)
        let events = try DeviceStore(stateDirectory: "\(daemon.folder)/state").events(session: compare.session ?? "")
        #expect(events.filter { $0.kind == .favouriteLook }.map(\.detail) == ["look 2"])
    }

    @Test func aMissingOrCorruptModelStopsTheDaemonWithTheReason() async throws {
        let scratch = try DaemonUnderTest()
        let manifest = "\(scratch.folder)/model.json"
        var json = try String(contentsOfFile: "\(Binaries.repository)/models/efficientnet-lite0.json", encoding: .utf8)
        json = json.replacingOccurrences(of: "\"file\": \"efficientnet-lite0.mmdl\"", with: "\"file\": \"copy.mmdl\"")
        try json.write(toFile: manifest, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: "\(Binaries.repository)/models/imagenet-labels.txt", toPath: "\(scratch.folder)/imagenet-labels.txt"
        )
        var model = try Data(contentsOf: URL(fileURLWithPath: "\(Binaries.repository)/models/efficientnet-lite0.mmdl"))
        model[1000] ^= 1
        try model.write(to: URL(fileURLWithPath: "\(scratch.folder)/copy.mmdl"))

        let daemon = try DaemonUnderTest(extraConfig: "vision:\n  manifest: \(manifest)")
        try daemon.start()
        let deadline = ContinuousClock.now + .seconds(20)
        while daemon.process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!daemon.process.isRunning)
        #expect(daemon.process.terminationStatus != 0)
        struct Manifest: Decodable {
            struct Model: Decodable { var sha256: String }
            var model: Model
        }
        let expected = try JSONDecoder().decode(Manifest.self, from: Data(json.utf8)).model.sha256
        let logs = daemon.logs()
        #expect(logs.contains("expected \(expected)"), "\(logs)")
    }
}
