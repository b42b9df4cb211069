import Foundation
import MirrorCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Staff with a laptop elsewhere in the store: `mirrorctl --remote https://…` with the mirror's certificate and
/// token does what it does on the socket; without the token, with a wrong one, or in plain HTTP nothing works.
@Suite struct RemoteControlTests {
    @Test func theStaffAPIOverHTTPSNeedsTheToken() async throws {
        let api = try await RemoteAPIFixture("remote")
        let folder = api.folder
        let daemon = try DaemonUnderTest(extraConfig: "api:\n" + api.config)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await api.bound(daemon)
        let port = api.port

        let url = api.url
        func remote(_ arguments: [String], token: String = "\(folder)/token") async throws -> Outcome {
            try await run(
                Binaries.path("mirrorctl"),
                arguments + ["--remote", url, "--token-file", token, "--ca-certificate", "\(folder)/cert.pem"],
                environment: ["MIRRORD_SOCKET": "/nonexistent"])
        }
        let status = try await remote(["status", "--json"])
        #expect(status.status == 0 && status.stdout.contains("\"state\" : \"streaming\""), "\(status)")
        let event = try await remote(["ui", "event", "start"])
        #expect(event.status == 0, "\(event)")
        let shot = try await remote(["screenshot", "\(folder)/shot.png"])
        #expect(shot.status == 0 && shot.stdout.hasPrefix("wrote "), "\(shot)")

        try "a-wrong-token-that-is-long-enough-0123456789".write(
            toFile: "\(folder)/wrong", atomically: true, encoding: .utf8)
        let wrong = try await remote(["status"], token: "\(folder)/wrong")
        #expect(wrong.status == 77 && wrong.stderr.contains("refused the token"), "\(wrong)")

        // Without the right certificate the client refuses the server; plain HTTP is refused by the client.
        let untrusted = try await run(
            Binaries.path("mirrorctl"), ["status", "--remote", url, "--token-file", "\(folder)/token"])
        #expect(untrusted.status == 69, "\(untrusted)")
        let plain = try await run(
            Binaries.path("mirrorctl"),
            ["status", "--remote", "http://127.0.0.1:\(port)", "--token-file", "\(folder)/token"])
        #expect(plain.status == 64, "\(plain)")

        // Every route answers 401 without the token (only /healthz is open), raw over TLS.
        let curl = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", "\(folder)/cert.pem"]
        for path in ["/v1/status", "/v1/clips", "/v1/logs", "/v1/config", "/metrics", "/v1/screenshot"] {
            let code = try await run("/usr/bin/curl", curl + ["\(url)\(path)"])
            #expect(code.stdout == "401", "\(path): \(code.stdout)")
        }
        let health = try await run("/usr/bin/curl", curl + ["\(url)/healthz"])
        #expect(health.stdout == "200")
        #expect(try await daemon.stop() == 0)

        // A token others can read is refused at start.
        chmod("\(folder)/token", 0o644)
        let lax = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        #expect(lax.status == 1 && lax.stderr.contains("readable by others"), "\(lax)")
        withExtendedLifetime(api) {}  // its deinit removes the certificate and token
    }

    /// Every route of the local API (read from its source, so a new route is covered at once) on every TCP
    /// listener: the metrics port serves only /healthz, /metrics and /v1/telemetry; the remote port answers 401 to
    /// everything but /healthz and /v1/telemetry (the hub's fleet view pulls it there) without the right token;
    /// the share port (open to the store's network) none of them.
    @Test func everyRouteOnEveryListenerNeedsItsCredential() async throws {
        let api = try await RemoteAPIFixture("listeners")
        let (folder, token) = (api.folder, api.token)
        let daemon = try DaemonUnderTest(
            extraConfig: "api:\n  metrics_listen: 127.0.0.1:0\n" + api.config
                + "\nshare:\n  listen: 127.0.0.1:0\n  url: http://127.0.0.1:8090\n")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await api.bound(daemon)
        let remotePort = api.port
        let metricsPort = try await daemon.boundPort("metrics")
        let sharePort = try await daemon.boundPort("share")

        let source = try ["LocalAPI.swift", "ShopRoutes.swift"].map {
            try String(contentsOfFile: "\(Binaries.repository)/Sources/Device/MirrorAPI/\($0)", encoding: .utf8)
        }.joined()
        let samples = [
            ":id": "1", ":state": "on", ":name": "end", ":button": "accept", ":direction": "forward",
            ":sku": "KN-101-RUS", ":action": "favourite",
        ]
        let routes: [(method: String, path: String)] = source.matches(of: /router\.(get|post|put|delete)\("([^"]+)"/)
            .map { match in
                var path = String(match.2)
                for (parameter, value) in samples { path = path.replacingOccurrences(of: parameter, with: value) }
                return (String(match.1).uppercased(), path)
            }
        #expect(routes.count >= 25 && !routes.contains { $0.path.contains(":") }, "\(routes)")

        func status(_ method: String, _ url: String, token: String?) async throws -> Int {
            var arguments = [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, "--cacert", "\(folder)/cert.pem",
            ]
            if method == "POST" { arguments += ["-H", "Content-Type: application/json", "-d", "{}"] }
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            return Int(try await run("/usr/bin/curl", arguments + [url]).stdout) ?? -1
        }
        let open: Set<String> = ["/healthz", "/metrics", "/v1/telemetry"]
        var wrong: [String] = []
        var calls = 0
        for (method, path) in routes {
            let plain = try await status(method, "http://127.0.0.1:\(metricsPort)\(path)", token: nil)
            let anonymous = try await status(method, "https://127.0.0.1:\(remotePort)\(path)", token: nil)
            let forged = try await status(
                method, "https://127.0.0.1:\(remotePort)\(path)", token: "x" + token.dropFirst())
            let share = try await status(method, "http://127.0.0.1:\(sharePort)\(path)", token: nil)
            calls += 4
            if open.contains(path) ? plain != 200 : plain != 404 { wrong.append("metrics \(method) \(path): \(plain)") }
            if share != 404 { wrong.append("share \(method) \(path): \(share)") }
            let tokenless: Set<String> = ["/healthz", "/v1/telemetry"]
            if tokenless.contains(path) ? anonymous != 200 : anonymous != 401 {
                wrong.append("remote \(method) \(path) without a token: \(anonymous)")
            }
            if !tokenless.contains(path), forged != 401 {
                wrong.append("remote \(method) \(path) forged token: \(forged)")
            }
        }
        print(
            "listener matrix: \(routes.count) routes × (metrics port, share port, remote without token, remote with a "
                + "forged token) = \(calls) calls; wrong answers: \(wrong.count)"
        )
        #expect(wrong.isEmpty, "\(wrong)")
        #expect(try await status("GET", "https://127.0.0.1:\(remotePort)/v1/status", token: token) == 200)
        #expect(try await daemon.stop() == 0)
        withExtendedLifetime(api) {}  // its deinit removes the certificate and token
    }
}
