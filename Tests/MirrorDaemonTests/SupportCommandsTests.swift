import Foundation
import MirrorAPIModel
import MirrorCore
import Testing

/// The staff's everyday commands against a real daemon: version, config, logs, session end, enroll without a
/// hub, and a diagnostics archive that holds no shopper data.
@Suite struct SupportCommandsTests {
    @Test func staffCommandsWorkAndDiagnoseLeavesShoppersOut() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: """
                suggestions:
                  catalog: \(Binaries.repository)/config/catalog
                """)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }

        let version = try await ctl("version", "--json")
        #expect(version.status == 0 && version.stdout.contains("\"mirrord\" : \"\(MirrorVersion.current)\""))

        let shown = try await ctl("config", "show")
        #expect(shown.status == 0 && shown.stdout.hasPrefix("# \(daemon.configPath)\n"), "\(shown)")
        #expect(shown.stdout.contains("catalog: \(Binaries.repository)/config/catalog"))

        let bad = "\(daemon.folder)/bad.yaml"
        try "profile: nowhere.yaml\nsurprise: 1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try await run(Binaries.path("mirrorctl"), ["config", "validate", bad])
        #expect(invalid.status == 78 && !invalid.stderr.isEmpty, "\(invalid)")
        let valid = try await run(Binaries.path("mirrorctl"), ["config", "validate", daemon.configPath])
        #expect(valid.status == 0 && valid.stdout.contains("valid (profile demo-replay)"), "\(valid)")

        // A shopper's session: identified by loyalty code, asks for an item; then staff end it.
        #expect(try await ctl("ui", "event", "start").status == 0)
        let ui = try JSONDecoder().decode(UIReport.self, from: Data(try await ctl("ui", "state", "--json").stdout.utf8))
        let session = try #require(ui.session)
        #expect(try await ctl("suggestions", "identify", "DEMO-1234").status == 0)
        #expect(try await ctl("suggestions", "act", "request", "KN-101-RUS").status == 0)
        let ended = try await ctl("session", "end", "--json")
        #expect(ended.status == 0 && ended.stdout.contains("\"state\" : \"idle\""), "\(ended)")

        let logs = try await ctl("logs", "--lines", "50")
        #expect(logs.status == 0 && logs.stdout.contains("mirrord started") && logs.stdout.contains("staff request"))
        #expect(logs.stdout.split(separator: "\n").count <= 50)
        #expect(try await ctl("logs", "--lines", "0").status == 64)

        let enrol = try await ctl("enroll", "--token", "whatever")
        #expect(enrol.status == 69 && enrol.stderr.contains("no hub section"), "\(enrol)")

        let archive = "\(daemon.folder)/support.zip"
        let diagnose = try await ctl("diagnose", archive, "--json")
        #expect(diagnose.status == 0 && diagnose.stderr.contains("[7/7] system… ok"), "\(diagnose)")
        let listing = try await run(
            "/usr/bin/python3",
            [
                "-c",
                "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                    + "print('\\n'.join(z.namelist())); print(b''.join(z.read(n) for n in z.namelist()).decode())",
                archive,
            ])
        #expect(listing.status == 0, "\(listing)")
        for name in ["MANIFEST.txt", "status.json", "telemetry.json", "metrics.txt", "config.yaml", "logs.txt"] {
            #expect(listing.stdout.contains(name + "\n"), "\(name) missing from the archive")
        }
        #expect(listing.stdout.contains("mirror_capture_frames_total"))
        #expect(!listing.stdout.contains(session), "the session id leaked into the archive")
        #expect(!listing.stdout.contains("DEMO-1234"), "the loyalty code leaked into the archive")
        #expect(try await daemon.stop() == 0)
    }

    /// `mirrorctl config apply` and SIGHUP apply session settings live, list what waits for a restart, and leave
    /// everything as it was when the edited file is not valid.
    @Test func configReloadAppliesWhatCanChangeLive() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        func diagnostics() async throws -> Bool {
            try JSONDecoder().decode(UIReport.self, from: Data(try await ctl("ui", "state", "--json").stdout.utf8))
                .diagnostics
        }
        let original = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        #expect(try await ctl("config", "apply").stdout == "no change\n")

        try (original + "session:\n  diagnostics: true\n  idle_timeout_seconds: 30\nlog_level: debug\n").write(
            toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let applied = try await ctl("config", "apply", "--json")
        let reload = try JSONDecoder().decode(ConfigReload.self, from: Data(applied.stdout.utf8))
        #expect(reload.applied == ["session.idle_timeout_seconds", "session.diagnostics"], "\(applied)")
        #expect(reload.needsRestart == ["log_level"])
        #expect(try await diagnostics())

        try (original + "session:\n  countdown_seconds: 99\n").write(
            toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let refused = try await ctl("config", "apply")
        #expect(refused.status == 78 && refused.stderr.contains("countdown_seconds"), "\(refused)")
        #expect(try await diagnostics(), "a refused file changed nothing")

        // systemctl reload: SIGHUP.
        try (original + "session:\n  diagnostics: false\n").write(
            toFile: daemon.configPath, atomically: true, encoding: .utf8)
        kill(daemon.process.processIdentifier, SIGHUP)
        let deadline = ContinuousClock.now + .seconds(5)
        while try await diagnostics(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await !diagnostics())
        #expect(try await daemon.stop() == 0)
    }

    /// Hostile inputs, second round (7, 8): against a hub that takes the connection and never answers, `enroll`
    /// said "cannot reach mirrord … (is mirrord running?)" because its own 10 s deadline fired first; a config
    /// apply of 20 MB of keys left mirrord 160 MB larger; a file that would not start was applied.
    @Test func enrollBlamesASilentHubAndApplyRefusesWhatWouldNotStart() async throws {
        let (silent, port) = listeningSocket()
        defer { close(silent) }
        let daemon = try DaemonUnderTest(extraConfig: "hub:\n  url: http://127.0.0.1:\(port)\n  interval_seconds: 3600")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket], timeout: .seconds(60))
        }
        let enrol = try await ctl("enroll", "--token", "whatever")
        #expect(enrol.status == 69, "\(enrol)")
        #expect(enrol.stderr.contains("the hub at http://127.0.0.1:\(port) did not answer"), "\(enrol)")
        #expect(!enrol.stderr.contains("is mirrord running"), "\(enrol)")

        func residentKB() throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        let original = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        let before = try residentKB()
        var keys = original + "\nsession:\n"
        for index in 0..<400_000 { keys += "  key_\(index): \(index)\n" }
        try keys.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let huge = try await ctl("config", "apply")
        #expect(huge.status == 78 && huge.stderr.contains("over the 1 MiB"), "\(huge)")
        let after = try residentKB()
        print("mirrord RSS before a \(keys.utf8.count >> 20) MB config apply: \(before) kB, after: \(after) kB")
        #expect(after - before < 16_384, "\(before) kB before, \(after) kB after")

        try (original + "\nvision:\n  manifest: model.json\n").write(
            toFile: daemon.configPath, atomically: true, encoding: .utf8)
        try "not json".write(toFile: "\(daemon.folder)/model.json", atomically: true, encoding: .utf8)
        let unstartable = try await ctl("config", "apply")
        #expect(unstartable.status == 78, "\(unstartable)")
        #expect(unstartable.stderr.contains("vision.manifest: cannot read the model manifest"), "\(unstartable)")
        #expect(unstartable.stderr.contains("(nothing was changed)"), "\(unstartable)")
        #expect(try await daemon.stop() == 0)
    }

    @Test func configRedactsSecretsAndURLPasswords() {
        let text = """
            hub:
              url: https://mirror:s3cret@hub.example:8700/
              api_token: abc
              credential_file: /var/lib/mirrord/hub-credential
            """
        let redacted = ConfigReport.redact(text)
        #expect(!redacted.contains("s3cret") && !redacted.contains("abc"))
        #expect(redacted.contains("url: https://<redacted>@hub.example:8700/"))
        #expect(redacted.contains("api_token: <redacted>"))
        #expect(redacted.contains("credential_file: /var/lib/mirrord/hub-credential"))
    }
}
