import Foundation
import MirrorAPIModel
import MirrorCore
import MirrorStore
import MirrorTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real `mirrorhub` on loopback, with its SQLite database in a scratch folder.
final class HubUnderTest {
    let folder: String
    /// The port the hub listens on: 0 until its first start, which asks for any free port and reads the one bound
    /// from the hub's log (a port picked by the test first could be taken meanwhile); a restart keeps it, as the
    /// mirrors' configs name it.
    private(set) var port = 0
    var process: Process?
    /// What the running hub wrote to standard error.
    private var written: PipeCollector?
    /// Options added to `mirrorhub serve`.
    var serveArguments: [String] = []

    init() throws {
        folder = NSTemporaryDirectory() + "mirrorhub-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// `https://` when the hub is started with a certificate.
    var url: String { "\(serveArguments.contains("--tls-certificate") ? "https" : "http")://127.0.0.1:\(port)" }
    /// A SQLite file in the scratch folder unless a test names a PostgreSQL database.
    lazy var database = "\(folder)/hub.sqlite"

    /// Runs an administration command (`add-store`, `create-credential`, …) against the database.
    func admin(_ arguments: String...) async throws -> String {
        let outcome = try await run(Binaries.path("mirrorhub"), arguments + ["--database", database])
        guard outcome.status == 0 else { throw TestFailure("mirrorhub \(arguments): \(outcome)") }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("mirrorhub"))
        process.arguments = ["serve", "--database", database, "--port", "\(port)"] + serveArguments
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        try process.run()
        self.process = process
        let written = PipeCollector(stderr.fileHandleForReading)
        self.written = written
        // Said once the server listens, with the port it bound.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline && process.isRunning {
            if let line = written.text.split(separator: "\n").first(where: { $0.contains("mirrorhub listening") }),
                let match = line.firstMatch(of: /address=https?:\/\/[^ ]+:(\d+)/), let bound = Int(match.1)
            {
                port = bound
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("mirrorhub did not start: \(written.text)")
    }

    /// kill -9: no chance to finish anything.
    func crash() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func get(_ path: String, token: String?) async throws -> Data {
        var request = URLRequest(url: URL(string: url + path)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw TestFailure("GET \(path): \(response) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// Sends `body` (JSON) with `method`; returns the answer when it is a 2xx.
    @discardableResult
    func send(_ method: String, _ path: String, _ body: String, token: String) async throws -> Data {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 5
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let status = (response as? HTTPURLResponse)?.statusCode, status / 100 == 2 else {
            throw TestFailure("\(method) \(path): \(response) \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    deinit {
        crash()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

struct HubRequest: Decodable {
    var deviceId: String
    var id: String
    var sku: String
    var size: String?
    var state: String
}

struct HubDevice: Decodable {
    var id: String
    var lastSeenMillis: Int64?
    var ackedSeq: Int64
    var highestSeq: Int64
}

/// The mirror and the hub as separate processes: enrolment, a shopper's request reaching head office, and the
/// hub killed with `kill -9` while the mirror keeps working.
@Suite struct HubSyncProcessTests {
    func ctl(_ daemon: DaemonUnderTest, _ arguments: String...) async throws -> Outcome {
        try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
    }

    func hubRequests(_ hub: HubUnderTest, _ token: String) async throws -> [HubRequest] {
        try JSONDecoder().decode(
            [HubRequest].self, from: try await hub.get("/v1/stores/demo-store/requests?all=1", token: token))
    }

    /// A running hub with the demo store, a head-office credential, and a mirror enrolled to sync every
    /// `interval` seconds (not started).
    static func enrolled(
        interval: Int, serveArguments: [String] = [], extraConfig: String = "", hubConfig: String = "",
        enrol: Bool = true
    ) async throws -> (hub: HubUnderTest, daemon: DaemonUnderTest, headOffice: String, token: String) {
        let hub = try HubUnderTest()
        hub.serveArguments = serveArguments
        _ = try await hub.admin("add-store", "demo-store", "Demo store")
        let headOffice = try await hub.admin("create-credential", "--role", "head_office", "--name", "test")
        let token = try await hub.admin("enrolment-token", "--store", "demo-store")
        // The demo's shoppers, opted in at head office.
        _ = try await hub.admin(
            "import-shoppers", "\(Binaries.repository)/config/catalog/profiles.json", "--consent-source", "test")
        try await hub.start()
        let daemon = try mirror(of: hub, interval: interval, extraConfig: extraConfig, hubConfig: hubConfig)
        guard enrol else { return (hub, daemon, headOffice, token) }
        try await Self.enrol(daemon, token: token, name: "room 1")
        return (hub, daemon, headOffice, token)
    }

    /// A mirror of the demo store that syncs with `hub` every `interval` seconds (not enrolled, not started);
    /// `hubConfig` holds more lines of its `hub:` section, indented by two spaces.
    static func mirror(of hub: HubUnderTest, interval: Int, extraConfig: String = "", hubConfig: String = "") throws
        -> DaemonUnderTest
    {
        try DaemonUnderTest(
            extraConfig: """
                suggestions:
                  catalog: \(Binaries.repository)/config/catalog
                hub:
                  url: \(hub.url)
                  interval_seconds: \(interval)
                \(hubConfig)
                \(extraConfig)
                """)
    }

    /// Enrols `daemon` with a one-time `token`, as staff would before its first start.
    static func enrol(_ daemon: DaemonUnderTest, token: String, name: String) async throws {
        let enrolment = try await run(
            Binaries.path("mirrord"), ["--config", daemon.configPath, "--enroll-token", token, "--name", name])
        guard enrolment.status == 0 else { throw TestFailure("enrolment: \(enrolment)") }
    }

    /// SIGTERM between two rounds an hour apart stops the daemon at once, not after the wait.
    @Test func stopsPromptlyBetweenRounds() async throws {
        let (hub, daemon, headOffice, _) = try await Self.enrolled(interval: 3600)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let deadline = ContinuousClock.now + .seconds(15)
        var synced = false
        while !synced, ContinuousClock.now < deadline {
            let devices = try JSONDecoder().decode(
                [HubDevice].self, from: try await hub.get("/v1/devices", token: headOffice))
            synced = devices.first?.lastSeenMillis != nil
            if !synced { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(synced)
        let asked = ContinuousClock.now
        #expect(try await daemon.stop(timeout: .seconds(10)) == 0)
        #expect(ContinuousClock.now - asked < .seconds(3))
    }

    @Test func requestsReachTheHubOnceThroughACrash() async throws {
        let (hub, daemon, headOffice, token) = try await Self.enrolled(interval: 1)
        let credential = "\(daemon.folder)/state/hub-credential"
        let mode = try FileManager.default.attributesOfItem(atPath: credential)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let replay = try await run(
            Binaries.path("mirrord"), ["--config", daemon.configPath, "--enroll-token", token, "--name", "room 2"])
        #expect(replay.status == 69 && replay.stderr.contains("unknown, used or expired"), "\(replay)")

        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        #expect(try await ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)
        let asked = ContinuousClock.now
        #expect(try await ctl(daemon, "suggestions", "act", "request", "KN-101-RUS").status == 0)
        var atHub: [HubRequest] = []
        while atHub.isEmpty, ContinuousClock.now - asked < .seconds(15) {
            atHub = try await hubRequests(hub, headOffice)
            if atHub.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        }
        print("staff request visible at the hub after \(ContinuousClock.now - asked) (sync interval 1 s)")
        #expect(atHub.map(\.sku) == ["KN-101-RUS"] && atHub.first?.size == "M")

        // The hub dies; the shopper goes on asking and staff go on bringing.
        hub.crash()
        #expect(try await ctl(daemon, "suggestions", "act", "request", "TR-401-NAV", "--size", "L").status == 0)
        #expect(try await ctl(daemon, "suggestions", "act", "favourite", "KN-101-NAV").status == 0)
        #expect(try await ctl(daemon, "requests", "done", "1").status == 0)
        try await Task.sleep(for: .seconds(2))
        try await hub.start()

        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            atHub = try await hubRequests(hub, headOffice)
            if atHub.count == 2, atHub.contains(where: { $0.sku == "KN-101-RUS" && $0.state == "done" }) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(atHub.count == 2, "\(atHub)")
        #expect(atHub.first { $0.sku == "KN-101-RUS" }?.state == "done")
        #expect(atHub.first { $0.sku == "TR-401-NAV" }?.state == "open")
        #expect(try await daemon.stop() == 0)

        // Every op the mirror made is at the hub, once: its acknowledged sequence is the mirror's last one.
        let local = try DeviceStore(stateDirectory: "\(daemon.folder)/state").syncState()
        let devices = try JSONDecoder().decode(
            [HubDevice].self, from: try await hub.get("/v1/devices", token: headOffice))
        let made = local.nextSeq - 1
        print(
            "ops made \(made), acknowledged by the hub \(devices.first?.ackedSeq ?? -1), "
                + "pending on the mirror \(local.pending), lost \(made - (devices.first?.ackedSeq ?? 0))")
        #expect(made > 3 && local.pending == 0 && local.ackedSeq == made)
        #expect(devices.count == 1 && devices.first?.ackedSeq == made && devices.first?.highestSeq == made)
    }

    /// Head office restores the hub from a backup taken before some of the mirror's changes arrived, after the
    /// store's network was down for a while: the mirror sends what the restored hub lost, nothing is lost and
    /// nothing is applied twice.
    @Test func aHubRestoredFromAnOlderBackupGetsBackWhatItLost() async throws {
        let (hub, daemon, headOffice, _) = try await Self.enrolled(interval: 1)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let skus = ["KN-101-RUS", "KN-101-NAV", "TR-401-NAV", "SK-501-CAM", "AC-951-BUR"]
        var accepted = 0
        func request(_ count: Int) async throws {
            for _ in 0..<count {
                let sku = skus[accepted % skus.count]
                if try await ctl(daemon, "suggestions", "act", "request", sku).status == 0 { accepted += 1 }
            }
        }
        func atHub() async throws -> [HubRequest] { try await hubRequests(hub, headOffice) }
        func settle(_ expected: Int) async throws -> [HubRequest] {
            let deadline = ContinuousClock.now + .seconds(30)
            var requests = try await atHub()
            while requests.count < expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                requests = try await atHub()
            }
            return requests
        }
        #expect(try await ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)
        try await request(4)
        #expect(try await settle(4).count == 4)

        // The nightly backup: the hub's database files as they are with the hub stopped.
        hub.crash()
        let backup = "\(hub.folder)/backup"
        try FileManager.default.createDirectory(atPath: backup, withIntermediateDirectories: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: hub.folder).filter {
            $0.hasPrefix("hub.sqlite")
        }
        for file in files {
            try FileManager.default.copyItem(atPath: "\(hub.folder)/\(file)", toPath: "\(backup)/\(file)")
        }
        try await hub.start()

        // More requests reach the hub; then the store's network is down for a while, and the mirror goes on.
        try await request(4)
        #expect(try await settle(8).count == 8)
        hub.crash()
        let partitioned = ContinuousClock.now
        try await request(4)
        try await Task.sleep(for: .seconds(10))
        #expect(daemon.process.isRunning)

        // Head office restores the older backup (it lost four requests the mirror saw acknowledged).
        for file in try FileManager.default.contentsOfDirectory(atPath: hub.folder) where file.hasPrefix("hub.sqlite") {
            try FileManager.default.removeItem(atPath: "\(hub.folder)/\(file)")
        }
        for file in files {
            try FileManager.default.copyItem(atPath: "\(backup)/\(file)", toPath: "\(hub.folder)/\(file)")
        }
        try await hub.start()
        let restoredAfter = ContinuousClock.now - partitioned
        let requests = try await settle(12)
        // The mirror's last ops (the visit's events after its requests) may take a push or two more on a busy
        // machine: wait until what the hub acknowledges has stood still for three seconds.
        var acknowledged: (seq: Int64, since: ContinuousClock.Instant) = (-1, .now)
        let quiet = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < quiet {
            let seq =
                try JSONDecoder().decode([HubDevice].self, from: try await hub.get("/v1/devices", token: headOffice))
                .first?.ackedSeq ?? -1
            if seq != acknowledged.seq {
                acknowledged = (seq, .now)
            } else if ContinuousClock.now - acknowledged.since > .seconds(3) {
                break
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let resent = daemon.logs().contains("sending them again")
        #expect(try await daemon.stop() == 0)
        let local = try DeviceStore(stateDirectory: "\(daemon.folder)/state").syncState()
        let devices = try JSONDecoder().decode(
            [HubDevice].self, from: try await hub.get("/v1/devices", token: headOffice))
        let made = local.nextSeq - 1
        let skusAtHub = Dictionary(grouping: requests, by: \.id).values.map(\.count)
        print(
            "hub restored from an older backup after " + String(format: "%.1f s", restoredAfter.seconds)
                + " offline: requests accepted \(accepted), at the "
                + "hub \(requests.count) (lost \(max(0, accepted - requests.count)), applied twice "
                + "\(skusAtHub.filter { $0 > 1 }.count)); ops made \(made), acknowledged \(devices.first?.ackedSeq ?? -1)"
        )
        #expect(resent, "the mirror never noticed the restore")
        #expect(accepted == 12 && requests.count == 12)
        #expect(skusAtHub.allSatisfy { $0 == 1 })
        #expect(local.pending == 0 && devices.first?.ackedSeq == made)
    }

    /// Profiles come from the hub, stand in from the cache while it is down, and an erasure at head office
    /// reaches the mirror: the shopper's clips from every visit are crypto-shredded and they are not known again.
    @Test func profilesFromTheHubAndAnErasureShredsTheShoppersClips() async throws {
        let (hub, daemon, headOffice, _) = try await Self.enrolled(interval: 1)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let clipsFolder = "\(daemon.folder)/state/clips"
        func clipFiles() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: clipsFolder) }
        func identified() async throws -> Bool {
            try await ctl(daemon, "suggestions", "--json").stdout.filter { !$0.isWhitespace }.contains(
                #""identified":true"#)
        }
        func recordAClip() async throws {
            #expect(try await ctl(daemon, "record").status == 0)
            #expect(try await ctl(daemon, "ui", "press", "accept").status == 0)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !(try await ctl(daemon, "ui", "state").stdout.contains("review")) {
                try await Task.sleep(for: .milliseconds(200))
            }
        }

        // A shopper who is not a member, and one who is: their profile comes from the hub.
        #expect(try await ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await ctl(daemon, "suggestions", "identify", "NOT-A-MEMBER").status != 0)
        #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)
        #expect(try await identified())
        try await recordAClip()

        // The shopper saves the look to their profile: head office sees when and what, never the video.
        let reviewed = ContinuousClock.now
        while !(try await ctl(daemon, "ui", "state").stdout.contains("save")),
            ContinuousClock.now - reviewed < .seconds(5)
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(
            try await ctl(daemon, "ui", "state").stdout.contains("save"), "no Save button for an identified shopper")
        #expect(try await ctl(daemon, "ui", "press", "save").status == 0)
        struct Profile: Decodable {
            struct Look: Decodable {
                var id: String
                var store: String
            }
            var savedLooks: [Look]
        }
        var saved: [Profile.Look] = []
        let savedAt = ContinuousClock.now
        while saved.isEmpty, ContinuousClock.now - savedAt < .seconds(15) {
            saved = try JSONDecoder().decode(
                Profile.self, from: try await hub.get("/v1/shoppers/DEMO-1234", token: headOffice)
            ).savedLooks
            if saved.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(saved.count == 1 && saved.first?.store == "demo-store", "\(saved)")

        // Head office adds a colour and stocks it: the mirror's suggestions know it after a round.
        try await hub.send(
            "PUT", "/v1/catalog",
            ##"[{"sku":"KN-101-GRN","style":"KN-101","name":"Ribbed Crew Jumper","brand":"Northfold","price":5900,"##
                + ##""category":"knitwear","colour":"green","hex":"#2e6b3a","sizes":["S","M","L"],"goesWith":[]}]"##,
            token: headOffice)
        try await hub.send("PUT", "/v1/stores/demo-store/inventory", #"{"KN-101-GRN":{"M":4}}"#, token: headOffice)
        var items = 0
        let published = ContinuousClock.now
        while items != 38, ContinuousClock.now - published < .seconds(15) {
            let report = try await ctl(daemon, "suggestions", "--json").stdout
            items = (try? JSONDecoder().decode(SuggestionsReport.self, from: Data(report.utf8)))?.catalogItems ?? 0
            if items != 38 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(items == 38, "the hub's new item never reached the suggestions")
        let request = try await ctl(daemon, "suggestions", "act", "request", "KN-101-GRN")
        #expect(request.status == 0, "\(request)")
        #expect(try await ctl(daemon, "ui", "event", "end").status == 0)

        // The hub is down: the next visit is identified from the cached copy.
        hub.crash()
        #expect(try await ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)
        #expect(try await identified())
        try await recordAClip()
        #expect(daemon.logs().contains("profile cache (hub unreachable)"))
        // The cached copy is kept without the loyalty code.
        let cached = try DeviceStore(stateDirectory: "\(daemon.folder)/state").cachedProfile(
            loyaltyId: "DEMO-1234", maxAge: 3600)
        #expect(cached != nil && cached?.contains("DEMO-1234") == false, "\(cached ?? "no cached copy")")
        let before = try clipFiles().count
        #expect(before == 2, "clips on disk: \(before)")

        // Head office erases the shopper; the mirror hears of it at its next round.
        try await hub.start()
        let asked = ContinuousClock.now
        try await hub.send("POST", "/v1/erasures", #"{"loyaltyId":"DEMO-1234"}"#, token: headOffice)
        while try clipFiles().count > 0, ContinuousClock.now - asked < .seconds(20) {
            try await Task.sleep(for: .milliseconds(100))
        }
        let took = ContinuousClock.now - asked
        let left = try clipFiles()
        print("erasure at head office: \(before) clips shredded on the mirror after \(took) (sync interval 1 s)")
        #expect(left.isEmpty, "\(left)")
        #expect(try await !identified(), "the erased shopper is still identified in the current visit")
        #expect(try await ctl(daemon, "suggestions", "identify", "DEMO-1234").status != 0)
        let audit = try await ctl(daemon, "clips", "audit", "--json").stdout
        #expect(audit.components(separatedBy: "shopper erased at head office").count - 1 == 2, "\(audit)")
        #expect(try await daemon.stop() == 0)
        let store = try DeviceStore(stateDirectory: "\(daemon.folder)/state")
        #expect(try store.clips().isEmpty && store.cachedProfileCount() == 0)
    }
}
