import Foundation
import MirrorCore
import MirrorProtocol
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

private let prometheus = installed("/usr/bin/prometheus", "/usr/local/bin/prometheus")
private let chromium = installed("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

/// Head office's view: a real hub pulls a real mirror's telemetry; `mirrorctl fleet status`, a real Prometheus
/// (discovering the mirror from the hub) and a headless browser on the fleet page all see it; then the mirror
/// stops and the fleet says so.
@Suite(.serialized) struct FleetProcessTests {
    @Test(
        .enabled(
            if: (prometheus != nil && chromium != nil) || inCI,
            "needs prometheus and chromium (Debian packages prometheus, chromium)"))
    func headOfficeSeesTheMirrorOnlineThenOffline() async throws {
        let prometheusBinary = try #require(prometheus, "prometheus is required in CI")
        let chromiumBinary = try #require(chromium, "chromium is required in CI")
        let metricsPort = freePort()
        let (hub, daemon, headOffice, token) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--poll-interval", "1", "--poll-timeout", "2"],
            extraConfig: """
                api:
                  metrics_listen: 127.0.0.1:\(metricsPort)
                """, enrol: false)
        let credentialFile = "\(hub.folder)/head-office"
        try headOffice.write(toFile: credentialFile, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()

        // Staff enrol the running mirror; the daemon keeps the credential to itself and syncs at once.
        let ctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        let wrongHub = try await ctl(["enroll", "--hub", "http://elsewhere:1", "--token", token])
        #expect(wrongHub.status == 69 && wrongHub.stderr.contains("syncs with \(hub.url)"), "\(wrongHub.stderr)")
        let enrolled = try await ctl(["enroll", "--hub", hub.url, "--token", token, "--name", "room 1"])
        #expect(enrolled.status == 0 && enrolled.stdout.hasPrefix("enrolled as "), "\(enrolled)")
        let credential = try String(contentsOfFile: "\(daemon.folder)/state/hub-credential", encoding: .utf8)
        #expect(credential.count > 40 && !enrolled.stdout.contains(credential.trimmingCharacters(in: .newlines)))
        let again = try await ctl(["enroll", "--hub", hub.url, "--token", token])
        #expect(again.status == 69, "a used token works once: \(again)")

        func fleet(_ format: String...) async throws -> Outcome {
            try await run(
                Binaries.path("mirrorctl"),
                ["fleet", "status", "--hub", hub.url, "--credential-file", credentialFile] + format)
        }
        // The mirror says hello with its metrics port; the hub pulls it within a second or two.
        var devices: [FleetDevice] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let outcome = try await fleet("--json")
            #expect(outcome.status == 0, "\(outcome)")
            devices = try TelemetryReport.decoder().decode([FleetDevice].self, from: Data(outcome.stdout.utf8))
            if devices.first?.online == true, (devices.first?.telemetry?.camera.fps ?? 0) > 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let mirror = try #require(devices.first)
        #expect(devices.count == 1 && mirror.online && mirror.name == "room 1" && mirror.storeId == "demo-store")
        #expect(mirror.target == "127.0.0.1:\(metricsPort)" && mirror.version == MirrorVersion.current)
        #expect(mirror.alerts.isEmpty && mirror.telemetry?.healthy == true, "\(mirror.alerts)")

        let table = try await fleet()
        #expect(table.stdout.contains("room 1") && table.stdout.contains("1 mirrors · 1 online · 0 need a look"))
        let csv = try await fleet("--csv")
        #expect(csv.stdout.hasPrefix("store,mirror,state,version,fps,dropped,disk_free_bytes,last_sync,alerts\r\n"))
        #expect(csv.stdout.contains("demo-store,room 1,ok,\(MirrorVersion.current),"))
        let refused = try await run(
            Binaries.path("mirrorctl"), ["fleet", "status", "--hub", hub.url],
            environment: ["MIRROR_HUB_CREDENTIAL": "nobody.nothing"])
        #expect(refused.status == 77, "\(refused)")

        try await prometheusDiscovers(mirror, hub: hub, credentialFile: credentialFile, binary: prometheusBinary)
        try await browserShowsTheFleetPage(hub: hub, credential: headOffice, binary: chromiumBinary)

        // The mirror goes away: within three poll intervals the fleet shows it offline, with the reason.
        #expect(try await daemon.stop() == 0)
        var offline: FleetDevice?
        let until = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < until {
            let outcome = try await fleet("--json")
            offline = try TelemetryReport.decoder().decode([FleetDevice].self, from: Data(outcome.stdout.utf8)).first
            if offline?.online == false { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(offline?.online == false)
        #expect(offline?.alerts.first?.hasPrefix("offline (since ") == true, "\(offline?.alerts ?? [])")
    }

    /// A real Prometheus reads its targets from the hub (HTTP service discovery with the head-office credential)
    /// and scrapes the mirror's /metrics.
    func prometheusDiscovers(_ mirror: FleetDevice, hub: HubUnderTest, credentialFile: String, binary: String)
        async throws
    {
        let port = freePort()
        let folder = "\(hub.folder)/prometheus"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: mirrors
            scrape_interval: 1s
            http_sd_configs:
              - url: \(hub.url)/v1/fleet/prometheus-targets
                refresh_interval: 1s
                authorization:
                  type: Bearer
                  credentials_file: \(credentialFile)
        """.write(toFile: "\(folder)/prometheus.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(folder)/prometheus.yml", "--storage.tsdb.path=\(folder)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        struct Answer<T: Decodable>: Decodable { var data: T }
        struct Targets: Decodable { var activeTargets: [Target] }
        struct Target: Decodable {
            var labels: [String: String]
            var health: String
        }
        struct Vector: Decodable { var result: [Sample] }
        struct Sample: Decodable {
            var metric: [String: String]
            var value: [JSONValue]
        }
        var up: Target?
        var samples: [Sample] = []
        let deadline = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(500))
            guard
                let (data, _) = try? await URLSession.shared.data(
                    from: URL(string: "http://127.0.0.1:\(port)/api/v1/targets?state=active")!),
                let targets = try? JSONDecoder().decode(Answer<Targets>.self, from: data)
            else { continue }
            up = targets.data.activeTargets.first { $0.labels["mirror_device"] == mirror.id && $0.health == "up" }
            guard up != nil else { continue }
            let query = "http://127.0.0.1:\(port)/api/v1/query?query=mirror_capture_frames_per_second"
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: query)!),
                let vector = try? JSONDecoder().decode(Answer<Vector>.self, from: data), !vector.data.result.isEmpty
            {
                samples = vector.data.result
                break
            }
        }
        #expect(up?.labels["instance"] == mirror.target && up?.labels["mirror_store"] == "demo-store")
        #expect(samples.first?.metric["mirror_name"] == "room 1", "\(samples.map(\.metric))")
    }

    /// The fleet page, loaded by a real headless browser with HTTP Basic (the credential as the password).
    func browserShowsTheFleetPage(hub: HubUnderTest, credential: String, binary: String) async throws {
        let profile = "\(hub.folder)/chromium"
        let url = "http://head-office:\(credential)@127.0.0.1:\(hub.port)/fleet"
        let dom = try await run(
            binary,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                "--dump-dom", url,
            ], timeout: .seconds(60))
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("<h1>Mirror fleet</h1>"), "\(dom.stdout.prefix(400))")
        #expect(dom.stdout.contains("room 1") && dom.stdout.contains(#"class="state ok""#))
        #expect(dom.stdout.contains(#"<div class="tile" id="online"><b>1</b>online</div>"#))

        let anonymous = try await run(
            binary,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
                "--dump-dom", "http://127.0.0.1:\(hub.port)/fleet",
            ], timeout: .seconds(60))
        #expect(!anonymous.stdout.contains("room 1"))
    }
}
