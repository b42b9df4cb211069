import Foundation
import MirrorAPIModel
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorRecorder
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

    /// A clip recorded from the staff side, agreed to and shared by the shopper, exported to `file`.
    func recordShareAndExport(_ daemon: DaemonUnderTest, to file: String) async throws -> AVIReader {
        #expect(try await ctl(daemon, "record").status == 0)
        #expect(try await ctl(daemon, "ui", "press", "accept").status == 0)
        try await waitForState(daemon, "review")
        #expect(try await ctl(daemon, "ui", "press", "share").status == 0)
        struct Clip: Decodable { var id: String }
        let list = try await ctl(daemon, "clips", "list", "--json")
        let clip = try #require(try JSONDecoder().decode([Clip].self, from: Data(list.stdout.utf8)).first)
        #expect(try await ctl(daemon, "clips", "export", clip.id, file).status == 0)
        return try AVIReader(file)
    }

    @Test func thePreRollIsFrameExactOnTheCounterCamera() async throws {
        let daemon = try DaemonUnderTest()
        // The test-pattern camera burns its frame counter into every frame (24 blocks on the top rows).
        try """
        name: counter-camera
        camera:
          source: test-pattern
          width: 384
          height: 216
          fps: 15
        panel:
          device: file
          width: 216
          height: 384
          pixel_format: XRGB8888
        """.write(toFile: "\(daemon.folder)/profile.yaml", atomically: true, encoding: .utf8)
        try """
        profile: \(daemon.folder)/profile.yaml
        state_dir: state
        session:
          countdown_seconds: 0
        recording:
          clip_seconds: 2
          pre_roll_seconds: 1
          post_roll_seconds: 0
        """.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(1500))
        let reader = try await recordShareAndExport(daemon, to: "\(daemon.folder)/counter.avi")
        let decoder = try JPEGDecoder()
        let image = PixelBuffer()
        var counters: [Int] = []
        for index in reader.frames.indices {
            let jpeg = try reader.frame(index)
            _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: image) }
            let block = image.width / 24
            var counter = 0
            for bit in 0..<24 {
                let pixel = image.pixel(x: bit * block + block / 2, y: 8)
                counter = counter << 1 | ((pixel >> 8 & 0xff) > 128 ? 1 : 0)
            }
            counters.append(counter)
        }
        // Every frame once, in order, across the junction of the ring buffer and the live frames.
        #expect(zip(counters, counters.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(counters)")
        // 1 s of pre-roll at 15 fps before the trigger, then 2 s of clip.
        let logs = daemon.logs()
        let preRoll = logs.split(separator: "\n").first { $0.contains("clip started") }
            .flatMap { line in line.split(separator: " ").first { $0.hasPrefix("pre_roll_frames=") } }
            .flatMap { Int($0.dropFirst("pre_roll_frames=".count)) }
        #expect((14...16).contains(preRoll ?? -1), "\(logs)")
        #expect((44...47).contains(counters.count), "\(counters.count) frames")
        #expect(try await daemon.stop() == 0)
    }

    /// A privacy zone from the device profile is black on the panel and in the recorded clip: the real daemon
    /// with the demo's replayed camera, the zone on the camera's left half (the panel's right, mirrored).
    @Test func privacyZonesAreBlackOnThePanelAndInTheClip() async throws {
        let daemon = try DaemonUnderTest()
        try """
        name: masked-replay
        camera:
          source: replay
          file: \(Binaries.repository)/devices/samples/fitting-room-360x640.mjpeg
          fps: 12
          privacy_masks:
            - name: cubicle gap
              x: 0
              y: 0.2
              width: 0.5
              height: 0.5
        panel:
          device: file
          width: 360
          height: 640
          mirror: true
        """.write(toFile: "\(daemon.folder)/profile.yaml", atomically: true, encoding: .utf8)
        try """
        profile: \(daemon.folder)/profile.yaml
        state_dir: state
        \(Self.settings)
        """.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(1500))
        // Camera pixels 0..<180 × 128..<448; on the mirrored 360x640 panel, 180..<360 × 128..<448.
        let zone = PixelRect(left: 0, top: 128, right: 180, bottom: 448)

        // The live view (the idle screen shows no camera).
        #expect(try await ctl(daemon, "ui", "press", "start").status == 0)
        try await waitForState(daemon, "live")
        try await Task.sleep(for: .milliseconds(500))
        let png = "\(daemon.folder)/shot.png"
        #expect(try await ctl(daemon, "screenshot", png).status == 0)
        let screen = PixelBuffer()
        try PNGReader.read(png, into: screen)
        var panelLit = 0
        var panelOutsideLit = 0
        for y in zone.top..<zone.bottom {
            for x in 0..<360 where screen.pixel(x: x, y: y) & 0xFF_FFFF != 0 {
                if x >= 360 - zone.right { panelLit += 1 } else { panelOutsideLit += 1 }
            }
        }

        let reader = try await recordShareAndExport(daemon, to: "\(daemon.folder)/masked.avi")
        let decoder = try JPEGDecoder()
        let image = PixelBuffer()
        var clipLit = 0
        for index in reader.frames.indices {
            let jpeg = try reader.frame(index)
            _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: image) }
            for y in zone.top..<zone.bottom {
                for x in zone.left..<zone.right where image.pixel(x: x, y: y) & 0xFF_FFFF != 0 { clipLit += 1 }
            }
        }
        print(
            "privacy zone: non-zero pixels on the panel \(panelLit) (beside it \(panelOutsideLit)), "
                + "in \(reader.frames.count) clip frames \(clipLit)")
        #expect(panelLit == 0 && clipLit == 0)
        #expect(panelOutsideLit > 10_000, "the rest of the picture still shows")
        #expect(reader.frames.count > 10)
        #expect(daemon.logs().contains("privacy masks active"))
        #expect(try await daemon.stop() == 0)
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

        // A destination that passes the checks but cannot be written (an immutable file: renaming over it fails
        // even for root): mirrorctl fails, and the audit says the clip was not written.
        let stuck = "\(daemon.folder)/immutable.avi"
        try Data().write(to: URL(fileURLWithPath: stuck))
        let immutable = try await run("/usr/bin/chattr", ["+i", stuck])
        try #require(immutable.status == 0, "chattr +i needs root on ext4: \(immutable)")
        defer {
            _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/chattr"), arguments: ["-i", stuck]).waitUntilExit()
        }
        let unwritten = try await ctl(daemon, "clips", "export", clips[0].id, stuck)
        #expect(unwritten.status == 73 && unwritten.stderr.contains("cannot write \(stuck)"), "\(unwritten)")
        _ = try await run("/usr/bin/chattr", ["-i", stuck])

        // Every view and export of the clip is in the audit log: played on the review screen, the refused
        // export, the export, and the one that reached mirrorctl but no file.
        let audit = try await ctl(daemon, "clips", "audit", "--json")
        struct Row: Decodable {
            var actor: String
            var action: String
            var clip: String?
            var detail: String
        }
        let rows = try JSONDecoder().decode([Row].self, from: Data(audit.stdout.utf8)).filter { $0.clip == clips[0].id }
        #expect(rows.contains { $0.actor == "shopper" && $0.action == "view" }, "\(audit.stdout)")
        let exports = rows.filter { $0.actor == "staff" && $0.action == "export" }.map(\.detail)
        #expect(exports.count == 4, "\(audit.stdout)")
        #expect(
            exports.contains { $0.hasPrefix("not written at the destination: cannot write \(stuck)") }, "\(exports)")
        #expect(try await ctl(daemon, "clips", "audit").stdout.contains("played on the mirror"))

        // The export is made from the decrypting reader as it is sent; a clip damaged on the card is refused
        // before the first byte, with the reason, and no file is written.
        var damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        damaged[damaged.count / 3] ^= 0x40
        try Data(damaged).write(to: URL(fileURLWithPath: file))
        let refusedDamaged = try await ctl(daemon, "clips", "export", clips[0].id, "\(daemon.folder)/damaged.avi")
        #expect(
            refusedDamaged.status == 65 && refusedDamaged.stderr.contains("failed authentication"), "\(refusedDamaged)")
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.folder)/damaged.avi"))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(daemon.folder)/state/clips").allSatisfy {
                !$0.hasSuffix(".avi")
            })

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

    /// The look sent to the shopper's phone: the QR code's link asks for the PIN shown beside it, then plays the
    /// look and offers it for download; wrong PINs use up the link's five tries; withdrawal ends it. Through
    /// curl, as a phone's browser would call it.
    @Test func aShareLinkOpensTheLookOnAPhoneWithThePin() async throws {
        // The address phones use is the store's name for the mirror; curl is sent to the port mirrord bound.
        let base = "http://mirror.shop.test:8090"
        let daemon = try DaemonUnderTest(
            extraConfig: Self.settings + "\nshare:\n  listen: 127.0.0.1:0\n  url: \(base)\n  minutes: 5")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let phone = ["--connect-to", "mirror.shop.test:8090:127.0.0.1:\(try await daemon.boundPort("share"))"]
        let jar = "\(daemon.folder)/cookies.txt"
        /// Status, headers and body of a request; `-b/-c` keep the phone's cookie.
        func curl(_ arguments: String...) async throws -> (status: Int, headers: String, body: String) {
            let outcome = try await run(
                "/usr/bin/curl", phone + ["-s", "-D", "-", "-b", jar, "-c", jar, "--max-time", "20"] + arguments)
            let parts = outcome.stdout.components(separatedBy: "\r\n\r\n")
            let status = Int(parts.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
            return (status, parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
        }
        func link() async throws -> UIReport.ShareLink {
            let state = try JSONDecoder().decode(
                UIReport.self, from: Data(try await ctl(daemon, "ui", "state", "--json").stdout.utf8))
            return try #require(state.shareLink, "\(state)")
        }

        #expect(try await ctl(daemon, "record", "--seconds", "2").status == 0)
        #expect(try await ctl(daemon, "ui", "press", "accept").status == 0)
        try await waitForState(daemon, "review")
        #expect(try await ctl(daemon, "ui", "press", "share").status == 0)
        let first = try await link()
        #expect(first.url.hasPrefix("\(base)/s/") && first.pin.count == 6 && first.minutes == 5)

        // Not a link, and a link that does not exist: nothing to see.
        #expect(try await curl("\(base)/s/nope").status == 404)
        #expect(try await curl("\(base)/s/AAAAAAAAAAAAAAAAAAAAAA").status == 404)
        let form = try await curl(first.url)
        #expect(form.status == 200 && form.body.contains("PIN shown on the mirror"), "\(form)")
        #expect(form.headers.lowercased().contains("cache-control: no-store"))
        #expect(form.headers.lowercased().contains("referrer-policy: no-referrer"))
        // Without the PIN the look is not served.
        #expect(try await curl("\(first.url)/stream").status == 404)
        let wrongPIN = first.pin == "000000" ? "111111" : "000000"
        let wrong = try await curl("-d", "pin=\(wrongPIN)", first.url)
        #expect(wrong.status == 403 && wrong.body.contains("4 tries left"), "\(wrong)")
        let opened = try await curl("-d", "pin=\(first.pin)", first.url)
        #expect(opened.status == 303 && opened.headers.contains("HttpOnly"), "\(opened)")
        let page = try await curl("\(first.url)/look")
        #expect(page.status == 200 && page.body.contains("/stream"), "\(page)")

        // The look plays as an MJPEG stream, every frame of the clip, and downloads as an AVI.
        let frames = try #require(
            try JSONDecoder().decode(
                [ClipFrames].self, from: Data(try await ctl(daemon, "clips", "list", "--json").stdout.utf8)
            ).first?.frames)
        // To files: a pipe would fill long before the look ends.
        let streamed = "\(daemon.folder)/phone.mjpeg"
        _ = try await run(
            "/usr/bin/curl", phone + ["-s", "-b", jar, "--max-time", "20", "-o", streamed, "\(first.url)/stream"])
        let parts =
            String(decoding: try Data(contentsOf: URL(fileURLWithPath: streamed)), as: UTF8.self)
            .components(separatedBy: "--mirrorframe\r\n").count - 1
        #expect(parts == frames)
        let avi = "\(daemon.folder)/phone.avi"
        let download = try await run(
            "/usr/bin/curl", phone + ["-s", "-b", jar, "-o", avi, "-w", "%{http_code}", "\(first.url)/look.avi"])
        #expect(download.stdout == "200")
        let probe = try await run(
            "/usr/bin/ffprobe",
            ["-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", avi])
        #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(frames)")
        print("share link: \(frames) frames streamed and downloaded after the PIN")

        // A second link: five wrong PINs revoke it, the right one comes too late.
        #expect(try await ctl(daemon, "ui", "press", "share").status == 0)
        let second = try await link()
        #expect(second.url != first.url)
        for _ in 0..<5 { _ = try await curl("-d", "pin=\(second.pin == "000000" ? "111111" : "000000")", second.url) }
        #expect(try await curl("-d", "pin=\(second.pin)", second.url).status == 404)

        // The shopper withdraws: the look is erased and the first link opens nothing any more.
        #expect(try await ctl(daemon, "ui", "event", "withdraw").status == 0)
        #expect(try await curl("\(first.url)/stream").status == 404)
        let audit = try await ctl(daemon, "clips", "audit").stdout
        #expect(audit.contains("share link: played on a phone") && audit.contains("share link: downloaded on a phone"))
        #expect(try await daemon.stop() == 0)
    }
}

struct ClipFrames: Decodable {
    var frames: Int
}
