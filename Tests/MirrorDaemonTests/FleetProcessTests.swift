import Foundation
import MirrorCore
import MirrorProtocol
import MirrorTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

private let prometheus = installed("/usr/bin/prometheus", "/usr/local/bin/prometheus")
private let chromium = installed("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

/// Head office's view: a real hub pulls a real mirror's telemetry; `mirrorctl fleet status`, a real Prometheus
/// (discovering the mirror from the hub) and a headless browser on the fleet page all see it; then the mirror
/// stops and the fleet says so.
@Suite struct FleetProcessTests {
    @Test(
        .enabled(
            if: (prometheus != nil && chromium != nil) || inCI,
            "needs prometheus and chromium (Debian packages prometheus, chromium)"))
    func headOfficeSeesTheMirrorOnlineThenOffline() async throws {
        let prometheusBinary = try #require(prometheus, "prometheus is required in CI")
        let chromiumBinary = try #require(chromium, "chromium is required in CI")
        let (hub, daemon, headOffice, token) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--poll-interval", "1", "--poll-timeout", "2"],
            extraConfig: """
                api:
                  metrics_listen: 127.0.0.1:0
                """, enrol: false)
        let credentialFile = "\(hub.folder)/head-office"
        try headOffice.write(toFile: credentialFile, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        // Port 0 in the config: the hello names the port mirrord bound.
        let metricsPort = try await daemon.boundPort("metrics")

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

    /// A store manager's week on the insights page: a real hub with a week of one store's visits (pushed by an
    /// enrolled mirror, as its outbox would) and the tills' sales, loaded by a real headless browser with HTTP Basic;
    /// screenshots at desktop and phone width go to `.build/screenshots/` (`docs/insights-page.png` is the first).
    @Test(.enabled(if: chromium != nil || inCI, "needs chromium (Debian package chromium)"))
    func aStoreManagerReadsTheInsightsPage() async throws {
        let chromiumBinary = try #require(chromium, "chromium is required in CI")
        let hub = try HubUnderTest()
        _ = try await hub.admin("add-store", "demo-store", "Kings Road")
        _ = try await hub.admin("add-store", "other-store", "Canal Street")
        let headOffice = try await hub.admin("create-credential", "--role", "head_office", "--name", "test")
        let staff = try await hub.admin(
            "create-credential", "--role", "staff", "--store", "demo-store", "--name", "manager")
        let token = try await hub.admin("enrolment-token", "--store", "demo-store")
        try await hub.start()
        let enrolment = try JSONDecoder().decode(
            EnrolResponse.self,
            from: try await hub.send("POST", "/v1/enrol", #"{"token":"\#(token)","name":"room 1"}"#, token: ""))
        let catalog = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(Binaries.repository)/config/catalog/catalog.json")))
        let items = try #require((catalog as? [String: Any])?["items"])
        try await hub.send(
            "PUT", "/v1/catalog", String(decoding: try JSONSerialization.data(withJSONObject: items), as: UTF8.self),
            token: headOffice)

        // The last seven whole days (UTC), so nothing is in the future whatever the time now.
        let today = Int64(Date().timeIntervalSince1970 * 1000) / 86_400_000 * 86_400_000
        let week = StoreWeek(firstDay: today - 7 * 86_400_000)
        for chunk in stride(from: 0, to: week.ops.count, by: 400) {
            let body = SyncPushRequest(ops: Array(week.ops[chunk..<min(chunk + 400, week.ops.count)]))
            try await hub.send(
                "POST", "/v1/sync/push", String(decoding: try JSONEncoder().encode(body), as: UTF8.self),
                token: enrolment.credential)
        }
        try await hub.send("POST", "/v1/sales", week.sales.joined(separator: "\n"), token: headOffice)

        let from = Self.day(today - 7 * 86_400_000)
        let to = Self.day(today - 86_400_000)
        let url = "http://manager:\(staff)@127.0.0.1:\(hub.port)/insights?from=\(from)&to=\(to)"
        let profile = "\(hub.folder)/chromium"
        let browser = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile)",
            "--hide-scrollbars", "--force-device-scale-factor=1",
        ]
        let dom = try await run(chromiumBinary, browser + ["--dump-dom", url], timeout: .seconds(60))
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(dom.stdout.contains("<h1>Kings Road<small>demo-store</small></h1>"), "\(dom.stdout.prefix(600))")
        #expect(dom.stdout.contains("<b>\(week.visits)</b><span>visits</span>"))
        #expect(dom.stdout.contains(#"<span class="flag small">runs small</span>"#))
        #expect(dom.stdout.contains(#"<span class="flag large">runs large</span>"#))
        #expect(dom.stdout.contains("fewer than 5") && !dom.stdout.contains("<script"))
        #expect(!dom.stdout.contains("Canal Street"), "staff see their own store only")

        let folder = "\(Binaries.repository)/.build/screenshots"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (name, size) in [("insights-page", "1280,2250"), ("insights-page-phone", "390,5510")] {
            let png = "\(folder)/\(name).png"
            try? FileManager.default.removeItem(atPath: png)
            let shot = try await run(
                chromiumBinary, browser + ["--window-size=\(size)", "--screenshot=\(png)", url], timeout: .seconds(60))
            #expect(shot.status == 0, "\(shot.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            #expect(bytes.count > 20_000 && bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(png)")
            print("insights page screenshot: \(png)")
        }
    }

    static func day(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
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

/// A week at one store, as its mirror reports it (session events and staff requests, numbered as an outbox would)
/// and as its tills sold it (JSON lines): busier towards the end of the week and in the afternoon; the straight jeans run small and
/// the wrap dress runs large; answers are slower when the shop is busy. Seeded: the same week every run.
struct StoreWeek {
    var ops: [SyncOp] = []
    var sales: [String] = []
    var visits = 0
    private var random = SplitMix64(seed: 7)

    static let popular = [
        "TR-401-DEN", "KN-101-RUS", "DR-601-NAV", "TS-201-WHI", "CO-701-CAM", "SH-301-WHI", "SK-501-CAM", "KN-102-CAM",
        "TS-202-NAV", "FW-901-WHI",
    ]
    static let sizes = ["XS", "S", "M", "L", "XL"]
    static let kinds = ["your-size", "also-in", "completes-the-look", "similar"]

    init(firstDay: Int64) {
        let perDay = [22, 18, 25, 28, 34, 46, 38]
        for day in 0..<7 {
            for _ in 0..<perDay[day] {
                // Opening hours 09-20 UTC, most in the afternoon.
                let hour = 9 + min(11, Int((random.unit() + random.unit() + random.unit()) / 3 * 12 + 0.5))
                let start =
                    firstDay + Int64(day) * 86_400_000 + Int64(hour) * 3_600_000
                    + Int64(random.below(3_540_000))
                visit(start, hour: hour)
            }
        }
    }

    mutating func visit(_ start: Int64, hour: Int) {
        visits += 1
        let session = "visit-\(visits)"
        var t = start
        func later(_ seconds: Int) -> Int64 {
            t += Int64(seconds) * 1000
            return t
        }
        event(session, VisitEventKind.started, at: t)
        var loyalty: String?
        if random.unit() < 0.4 {
            loyalty = "L\(100 + random.below(400))"
            event(
                session, VisitEventKind.identified, at: later(20),
                ["subject": .string(SubjectHash.of(loyaltyId: loyalty!))])
        }
        let granted = random.unit() < 0.75
        event(
            session, VisitEventKind.consentAnswered, at: later(10),
            ["detail": .string(granted ? "granted" : "declined")])
        let tries = 1 + random.below(3)
        for _ in 0..<tries {
            let sku = Self.popular[min(Self.popular.count - 1, random.below(6) + random.below(5))]
            let size = Self.sizes[1 + random.below(3)]
            let scanned = random.unit() < 0.8
            let fields: [String: JSONValue] =
                scanned
                ? ["sku": .string(sku), "size": .string(size), "via": "scan"]
                : ["sku": .string(sku), "via": "vision", "score": .number(0.7 + random.unit() * 0.25)]
            let tried = later(40 + random.below(120))
            event(session, VisitEventKind.triedOn, at: tried, fields)
            if granted, random.unit() < 0.5 { event(session, VisitEventKind.recordedLook, at: later(30)) }
            // Another size of what is on: the jeans mostly larger, the dress mostly smaller.
            let swap = sku == "TR-401-DEN" ? 0.55 : sku == "DR-601-NAV" ? 0.5 : 0.12
            if scanned, random.unit() < swap, let index = Self.sizes.firstIndex(of: size) {
                let larger =
                    sku == "TR-401-DEN"
                    ? random.unit() < 0.85 : sku == "DR-601-NAV" ? random.unit() < 0.15 : random.unit() < 0.5
                let asked = Self.sizes[larger ? index + 1 : index - 1]
                event(
                    session, VisitEventKind.sizeRequest, at: later(30),
                    ["sku": .string(sku), "size": .string(asked), "triedSize": .string(size)])
                request(session, sku: sku, size: asked, at: t, hour: hour)
            }
            if random.unit() < 0.32 {
                sale(sku, size: size, at: tried + Int64(600 + random.below(1800)) * 1000, loyalty)
            }
        }
        for _ in 0..<(1 + random.below(2)) {
            let kind = Self.kinds[min(3, random.below(3) + random.below(2))]
            let sku = Self.popular[random.below(Self.popular.count)]
            let fields: [String: JSONValue] = ["sku": .string(sku), "suggestionKind": .string(kind)]
            event(session, VisitEventKind.suggestionShown, at: later(30), fields)
            let appeal = ["your-size": 0.55, "also-in": 0.4, "completes-the-look": 0.35, "similar": 0.25][kind]!
            guard random.unit() < appeal else {
                if random.unit() < 0.5 { event(session, VisitEventKind.dismissed, at: later(5), fields) }
                continue
            }
            event(session, VisitEventKind.suggestionTapped, at: later(8), fields)
            guard random.unit() < 0.7 else { continue }
            let size = Self.sizes[1 + random.below(3)]
            event(
                session, VisitEventKind.suggestionAccepted, at: later(5), fields.merging(["size": .string(size)]) { $1 }
            )
            if request(session, sku: sku, size: size, at: t, hour: hour), random.unit() < 0.45 {
                sale(sku, size: size, at: t + Int64(900 + random.below(2400)) * 1000, loyalty)
            }
        }
        if random.unit() < 0.22 { event(session, VisitEventKind.lookShared, at: later(20)) }
        if random.unit() < 0.15 { event(session, VisitEventKind.lookSaved, at: later(10)) }
        if random.unit() < 0.7 {
            let roll = random.unit()
            let rating = roll < 0.04 ? 1 : roll < 0.1 ? 2 : roll < 0.25 ? 3 : roll < 0.6 ? 4 : 5
            event(session, VisitEventKind.rated, at: later(15), ["rating": .number(Double(rating))])
        }
        event(session, VisitEventKind.ended, at: later(20 + random.below(200)))
    }

    /// A staff request, answered (most of them) in a time that grows with the hour's crowd; whether it was done.
    @discardableResult
    mutating func request(_ session: String, sku: String, size: String, at: Int64, hour: Int) -> Bool {
        let done = random.unit() < 0.9
        let busy = hour >= 13 && hour <= 17 ? 1.7 : 1.0
        let seconds = Int((45 + random.unit() * 150 + (random.unit() < 0.08 ? 300 : 0)) * busy)
        var patch: [String: JSONValue] = [
            "sessionId": .string(session), "at": .number(Double(at)), "sku": .string(sku), "size": .string(size),
            "description": .string("\(sku) in \(size)"), "state": .string(done ? "done" : "open"),
        ]
        if done { patch["doneAt"] = .number(Double(at + Int64(seconds) * 1000)) }
        append(.staffRequest, key: "request-\(ops.count + 1)", patch)
        return done
    }

    mutating func sale(_ sku: String, size: String, at: Int64, _ loyalty: String?) {
        var line: [String: JSONValue] = [
            "line_id": .string("till-\(sales.count + 1)"), "store": "demo-store", "time": .number(Double(at)),
            "sku": .string(sku), "size": .string(size), "quantity": 1,
        ]
        if let loyalty { line["loyalty_id"] = .string(loyalty) }
        sales.append(String(decoding: try! JSONEncoder().encode(line), as: UTF8.self))
    }

    mutating func event(_ session: String, _ kind: String, at: Int64, _ fields: [String: JSONValue] = [:]) {
        var patch: [String: JSONValue] = [
            "sessionId": .string(session), "at": .number(Double(at)), "kind": .string(kind), "detail": .string(""),
        ]
        patch.merge(fields) { $1 }
        append(.sessionEvent, key: "event-\(ops.count + 1)", patch)
    }

    mutating func append(_ entity: SyncEntity, key: String, _ patch: [String: JSONValue]) {
        let seq = Int64(ops.count + 1)
        ops.append(
            SyncOp(
                opId: ULID.make(), seq: seq, hlc: HLC(millis: 1_000_000 + seq, counter: 0), entity: entity, key: key,
                patch: patch))
    }
}
