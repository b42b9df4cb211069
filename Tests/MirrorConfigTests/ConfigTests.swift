import Foundation
import MirrorCore
import Testing

@testable import MirrorConfig

/// A temporary folder with a config, a profile and a (dummy) replay sample.
private struct Scratch {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "mirror-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try write("sample.mjpeg", "not checked here")
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8)
    }

    static let profile = """
        name: test-profile
        camera:
          source: replay
          file: sample.mjpeg
          fps: 15
        panel:
          width: 720
          height: 1280
          pixel_format: rgb565
        """

    static let config = """
        profile: profile.yaml
        state_dir: state
        api:
          socket: state/m.sock
          metrics_listen: 127.0.0.1:9464
        """

    /// Loads `config` with `profile`; returns the error's text, or nil when it loaded.
    func error(config: String = Scratch.config, profile: String = Scratch.profile) throws -> String? {
        try write("mirrord.yaml", config)
        try write("profile.yaml", profile)
        do {
            _ = try DaemonConfig.load(path: "\(folder)/mirrord.yaml")
            return nil
        } catch {
            return error.description
        }
    }
}

@Suite struct ConfigTests {
    @Test func goodFileLoadsWithPathsRelativeToItself() throws {
        let scratch = try Scratch()
        try scratch.write("mirrord.yaml", Scratch.config)
        try scratch.write("profile.yaml", Scratch.profile)
        let config = try DaemonConfig.load(path: "\(scratch.folder)/mirrord.yaml")
        #expect(config.stateDirectory == "\(scratch.folder)/state")
        #expect(config.api.socket == "\(scratch.folder)/state/m.sock")
        #expect(config.api.metricsListen?.description == "127.0.0.1:9464")
        #expect(config.logLevel == "info")
        #expect(config.profile.name == "test-profile")
        #expect(config.profile.camera.source == .replay(file: "\(scratch.folder)/sample.mjpeg", loop: true))
        #expect(config.profile.camera.fps == 15)
        #expect(config.profile.panel.width == 720)
        #expect(config.profile.panel.pixelFormat == .rgb565)
        #expect(config.profile.panel.device == .file(path: "\(scratch.folder)/state/framebuffer.raw"))
        #expect(config.profile.panel.mirror)
    }

    @Test func portZeroListensOnAnyFreePort() throws {
        let scratch = try Scratch()
        try scratch.write("mirrord.yaml", "profile: profile.yaml\napi:\n  metrics_listen: 127.0.0.1:0\n")
        try scratch.write("profile.yaml", Scratch.profile)
        let config = try DaemonConfig.load(path: "\(scratch.folder)/mirrord.yaml")
        #expect(config.api.metricsListen?.port == 0)
    }

    /// Issue: the reload compared a hand-kept list of keys, which missed `share`. The diff now reads the key
    /// table that `theReloadTableHoldsEveryKeyTheParserReads` holds to the parser; each key changed in the file
    /// is named as the file names it.
    @Test(arguments: [
        ("session:\n  countdown_seconds: 5", "session.countdown_seconds", true),
        ("session:\n  idle_timeout_seconds: 60", "session.idle_timeout_seconds", true),
        ("session:\n  diagnostics: true", "session.diagnostics", true),
        ("recording:\n  clip_seconds: 10", "recording.clip_seconds", true),
        ("recording:\n  pre_roll_seconds: 1", "recording.pre_roll_seconds", false),
        ("recording:\n  post_roll_seconds: 1", "recording.post_roll_seconds", true),
        ("recording:\n  keep_hours: 12", "recording.keep_hours", true),
        ("recording:\n  saved_days: 30", "recording.saved_days", true),
        ("recording:\n  quota_mb: 512", "recording.quota_mb", true),
        ("share:\n  listen: 0.0.0.0:8090\n  url: http://192.168.1.40:8090", "share", false),
        ("log_level: debug", "log_level", false),
    ])
    func aReloadNamesEachChangedKeyAsTheFileDoes(change: String, key: String, live: Bool) throws {
        let scratch = try Scratch()
        try scratch.write("profile.yaml", Scratch.profile)
        try scratch.write("mirrord.yaml", Scratch.config)
        let old = try DaemonConfig.load(path: "\(scratch.folder)/mirrord.yaml")
        try scratch.write("mirrord.yaml", Scratch.config + "\n" + change + "\n")
        let new = try DaemonConfig.load(path: "\(scratch.folder)/mirrord.yaml")
        #expect(old.changes(to: new) == [DaemonConfig.Change(key: key, live: live)])
        #expect(old.changes(to: old).isEmpty)
    }

    /// The reload's key table and the parser agree: the keys `parse` knows at the top of the file and in each
    /// live section (as its unknown-key refusal lists them) are the table's, so a key the parser learns and the
    /// table lacks fails here.
    @Test func theReloadTableHoldsEveryKeyTheParserReads() throws {
        let scratch = try Scratch()
        func known(_ extra: String) throws -> Set<String> {
            let text = try #require(try scratch.error(config: Scratch.config + "\n" + extra + "\n"))
            let list = try #require(text.components(separatedBy: "known keys here: ").last?.dropLast())
            return Set(list.components(separatedBy: ", "))
        }
        let names = DaemonConfig.keys.map(\.name)
        #expect(try known("zzzzzzzzzzzzzzzz: 1") == Set(names.map { String($0.prefix { $0 != "." }) }))
        for section in ["session", "recording"] {
            let table = Set(
                names.filter { $0.hasPrefix(section + ".") }.map { String($0.dropFirst(section.count + 1)) })
            #expect(try known("\(section):\n  zzzzzzzzzzzzzzzz: 1") == table, "\(section)")
        }
    }

    @Test func committedDemoConfigAndProfilesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let config = try DaemonConfig.load(path: "\(root)/config/demo.yaml")
        #expect(config.profile.name == "demo-replay")
        #expect(config.profile.panel.width == 1080 && config.profile.panel.height == 1920)
    }

    @Test(
        arguments: [
            // (what is wrong, config, profile, expected fragments of the one-line error)
            ("not YAML", "profile: [unclosed", nil, ["mirrord.yaml", "not valid YAML"]),
            ("empty", "", nil, ["mirrord.yaml", "the file is empty"]),
            ("not a mapping", "- a\n- b\n", nil, ["mirrord.yaml:1", "expected a mapping"]),
            (
                "misspelt key", Scratch.config + "\nlog_levle: debug\n", nil,
                ["log_levle", "unknown key", "did you mean 'log_level'?"]
            ),
            ("missing profile", "state_dir: s\n", nil, ["profile: is missing"]),
            ("no such profile", "profile: nope.yaml\n", nil, ["nope.yaml", "no such device profile"]),
            ("bad level", Scratch.config + "\nlog_level: loud\n", nil, ["log_level", "'loud' is not one of"]),
            (
                "bad listen", "profile: profile.yaml\napi:\n  metrics_listen: 9464\n", nil,
                ["mirrord.yaml:3", "api.metrics_listen", "is not host:port"]
            ),
            ("port range", "profile: profile.yaml\napi:\n  metrics_listen: 'h:70000'\n", nil, ["api.metrics_listen"]),
            (
                "duplicate", "profile: profile.yaml\nprofile: other.yaml\n", nil,
                ["mirrord.yaml:2: profile: appears twice", "keep one"]
            ),
            (
                "nested duplicate", "profile: profile.yaml\napi:\n  socket: a\n  metrics_listen: h:1\n  socket: b\n",
                nil,
                ["mirrord.yaml:5: socket: appears twice"]
            ),
            (
                "tab", "profile: profile.yaml\napi:\n\tsocket: x\n", nil,
                ["mirrord.yaml:3", "a tab", "indent with spaces"]
            ),
            (
                "list as key", "profile: profile.yaml\n[a, b]: 1\n", nil,
                ["mirrord.yaml:2: a key is a list or a mapping, not text"]
            ),
            (
                "parser", "profile: profile.yaml\napi: {socket: x\n", nil,
                ["mirrord.yaml:", "not valid YAML: while parsing"]
            ),
            ("section type", "profile: profile.yaml\napi: 3\n", nil, ["api: expected a mapping"]),
            (
                "long socket", "profile: profile.yaml\napi:\n  socket: /" + String(repeating: "s", count: 120) + "\n",
                nil, ["api.socket", "too long"]
            ),
            (
                "fps type", Scratch.config, Scratch.profile.replacingOccurrences(of: "fps: 15", with: "fps: fast"),
                ["profile.yaml:5", "camera.fps", "expected a number"]
            ),
            (
                "fps range", Scratch.config, Scratch.profile.replacingOccurrences(of: "fps: 15", with: "fps: 500"),
                ["camera.fps", "500.0 is out of range", "use 1.0 to 120.0"]
            ),
            (
                "rotation", Scratch.config, Scratch.profile.replacingOccurrences(of: "fps: 15", with: "rotation: 45"),
                ["profile.yaml:5", "camera.rotation", "must be 0, 90, 180 or 270"]
            ),
            (
                "no sample", Scratch.config,
                Scratch.profile.replacingOccurrences(of: "sample.mjpeg", with: "gone.mjpeg"),
                ["camera.file", "cannot read", "gone.mjpeg"]
            ),
            (
                "format", Scratch.config, Scratch.profile.replacingOccurrences(of: "rgb565", with: "YUV"),
                ["panel.pixel_format", "'YUV' is not one of XRGB8888, XBGR8888, RGB565"]
            ),
            (
                "panel size", Scratch.config, Scratch.profile.replacingOccurrences(of: "width: 720", with: "width: 0"),
                ["panel.width", "0 is out of range"]
            ),
            ("no camera", Scratch.config, "name: x\npanel: {}\n", ["camera: is missing"]),
            (
                "mask list", Scratch.config,
                Scratch.profile.replacingOccurrences(of: "fps: 15", with: "privacy_masks: door"),
                ["camera.privacy_masks", "expected a list"]
            ),
            (
                "mask outside", Scratch.config,
                Scratch.profile.replacingOccurrences(
                    of: "fps: 15", with: "privacy_masks:\n    - {name: door, x: 0.8, width: 0.3, height: 1}"),
                ["camera.privacy_masks[0].x", "reaches past the frame"]
            ),
            (
                "mask unnamed", Scratch.config,
                Scratch.profile.replacingOccurrences(
                    of: "fps: 15", with: "privacy_masks:\n    - {x: 0, width: 0.3, height: 1}"),
                ["camera.privacy_masks[0].name", "is missing"]
            ),
            (
                "mask key", Scratch.config,
                Scratch.profile.replacingOccurrences(
                    of: "fps: 15", with: "privacy_masks:\n    - {name: a, width: 0.3, hieght: 1}"),
                ["camera.privacy_masks[0].hieght", "unknown key"]
            ),
            (
                "unknown panel key", Scratch.config, Scratch.profile + "\n  colour: red\n",
                ["panel.colour", "unknown key"]
            ),
            (
                "a panel below the floor", Scratch.config, Scratch.profile + "\n  bottom_mm: -40\n",
                ["panel.bottom_mm", "out of range", "0.0 to 2500.0"]
            ),
        ] as [(String, String, String?, [String])])
    func badFilesGiveOneLineNamingKeyAndFix(_ what: String, config: String, profile: String?, fragments: [String])
        throws
    {
        let scratch = try Scratch()
        let message = try #require(try scratch.error(config: config, profile: profile ?? Scratch.profile), "\(what)")
        #expect(!message.contains("\n"), "\(what): \(message)")
        for fragment in fragments {
            #expect(message.contains(fragment), "\(what): '\(fragment)' not in: \(message)")
        }
    }

    /// Where the panel hangs: 2 m standing on the floor unless the profile says otherwise; the width follows
    /// from the height and the pixels' aspect unless given.
    @Test func thePanelsPlacementIsReadInMillimetres() throws {
        let scratch = try Scratch()
        let plain = try DeviceProfile.parse(
            Scratch.profile, path: "\(scratch.folder)/profile.yaml", stateDirectory: "state")
        #expect(plain.panel.heightMM == 2000 && plain.panel.bottomMM == 0 && plain.panel.widthMM == nil)
        let hung = try DeviceProfile.parse(
            Scratch.profile + "\n  width_mm: 1210\n  height_mm: 680\n  bottom_mm: 600\n",
            path: "\(scratch.folder)/profile.yaml", stateDirectory: "state")
        #expect(hung.panel.widthMM == 1210 && hung.panel.heightMM == 680 && hung.panel.bottomMM == 600)
    }

    @Test func privacyMasksAreReadAsFractionsOfTheFrame() throws {
        let scratch = try Scratch()
        let text = Scratch.profile.replacingOccurrences(
            of: "fps: 15",
            with: "privacy_masks:\n    - name: cubicle gap\n      x: 0.75\n      width: 0.25\n      height: 0.5")
        let profile = try DeviceProfile.parse(text, path: "\(scratch.folder)/profile.yaml", stateDirectory: "state")
        #expect(profile.camera.privacyMasks == [MaskZone(name: "cubicle gap", x: 0.75, y: 0, width: 0.25, height: 0.5)])
        #expect(
            profile.camera.privacyMasks[0].pixels(width: 1921, height: 1081)
                == PixelRect(left: 1440, top: 0, right: 1921, bottom: 541))
    }

    /// Hostile inputs, second round (7, 8): a profile that is a folder was blamed on permissions; a file of
    /// megabytes of keys was parsed (20 MB took 508 MB and 5-7 s, and stayed in mirrord after a reload).
    @Test func aFolderOrAHugeFileIsRefusedForWhatItIs() throws {
        let scratch = try Scratch()
        try FileManager.default.createDirectory(
            atPath: "\(scratch.folder)/folder.yaml", withIntermediateDirectories: true)
        try scratch.write("mirrord.yaml", "profile: folder.yaml\n")
        do {
            _ = try DaemonConfig.load(path: "\(scratch.folder)/mirrord.yaml")
            Issue.record("a folder loaded as a profile")
        } catch {
            #expect(
                error.description
                    == "\(scratch.folder)/folder.yaml: is a folder, not a device profile (name the file in it)")
        }
        let huge = String(repeating: "# padding, as a generated file might hold\n", count: 30_000) + Scratch.config
        try scratch.write("huge.yaml", huge)
        do {
            _ = try DaemonConfig.load(path: "\(scratch.folder)/huge.yaml")
            Issue.record("a \(huge.utf8.count)-byte config loaded")
        } catch {
            #expect(
                error.description.contains("huge.yaml: the config file is \(huge.utf8.count) bytes, over the 1 MiB"))
        }
        do {
            _ = try DaemonConfig.load(path: "/dev/zero")
            Issue.record("/dev/zero loaded")
        } catch {
            #expect(error.description == "/dev/zero: is not a regular file (name a config file)")
        }
    }

    @Test func missingConfigFileIsNamed() {
        #expect(throws: ConfigError.self) { try DaemonConfig.load(path: "/nonexistent/mirrord.yaml") }
        do {
            _ = try DaemonConfig.load(path: "/nonexistent/mirrord.yaml")
        } catch {
            #expect(error.description == "/nonexistent/mirrord.yaml: no such config file (check the path)")
        }
    }
}
