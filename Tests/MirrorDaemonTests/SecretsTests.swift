import Foundation
import MirrorCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// No secret leaves where it is kept: after an enrolment and a session, the mirror's hub credential, the
/// enrolment token, the remote API token and head office's credential appear in none of the logs, the diagnostics
/// archive, the telemetry, the metrics or `config show`; the files holding secrets are 0600.
@Suite struct SecretsTests {
    @Test func secretsAppearInNoLogTelemetryMetricsOrArchive() async throws {
        let api = try await RemoteAPIFixture("secrets")
        let (folder, remoteToken) = (api.folder, api.token)
        let (hub, daemon, headOffice, enrolment) = try await HubSyncProcessTests.enrolled(
            interval: 1,
            extraConfig: "api:\n  metrics_listen: 127.0.0.1:0\n" + api.config + "\nlog_level: debug")
        _ = hub
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let metricsPort = try await daemon.boundPort("metrics")
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        // A session with a request, so sync has something to push, then a few rounds.
        #expect(try await ctl("ui", "event", "start").status == 0)
        #expect(try await ctl("suggestions", "identify", "DEMO-1234").status == 0)
        #expect(try await ctl("suggestions", "act", "request", "KN-101-RUS").status == 0)
        try await Task.sleep(for: .seconds(3))

        let state = "\(daemon.folder)/state"
        let credential = try String(contentsOfFile: "\(state)/hub-credential", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let secretPart = String(credential.split(separator: ".").last ?? "")
        for file in ["\(state)/hub-credential", "\(state)/keys/device.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is \(String(mode ?? 0, radix: 8))")
        }

        var seen: [String: String] = [:]
        seen["logs"] = try await ctl("logs", "--lines", "2000").stdout
        seen["config show"] = try await ctl("config", "show").stdout
        seen["telemetry"] = String(
            decoding: try await URLSession.shared.data(
                from: URL(string: "http://127.0.0.1:\(metricsPort)/v1/telemetry")!
            ).0, as: UTF8.self)
        seen["metrics"] = String(
            decoding: try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
                .0, as: UTF8.self)
        let archive = "\(folder)/support.zip"
        #expect(try await ctl("diagnose", archive).status == 0)
        seen["diagnose"] = try await run(
            "/usr/bin/python3",
            [
                "-c",
                "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                    + "print(b''.join(z.read(n) for n in z.namelist()).decode('utf-8', 'replace'))",
                archive,
            ]
        ).stdout
        #expect(try await daemon.stop() == 0)
        seen["daemon stderr"] = daemon.logs()
        #expect(seen["logs"]?.contains("mirrord started") == true && seen["diagnose"]?.contains("MANIFEST") != nil)

        let secrets = [
            "hub credential": secretPart, "enrolment token": enrolment, "remote token": remoteToken,
            "head-office credential": headOffice,
        ]
        var leaks: [String] = []
        for (place, text) in seen {
            for (name, secret) in secrets where !secret.isEmpty && text.contains(secret) {
                leaks.append("\(name) in \(place)")
            }
        }
        print("secrets checked: \(secrets.count) in \(seen.count) places; leaks: \(leaks.count)")
        #expect(leaks.isEmpty, "\(leaks)")
        withExtendedLifetime(api) {}  // its deinit removes the certificate and token
    }
}
