import Foundation
import Logging
import MirrorAPI
import MirrorAPIModel
import MirrorCapture
import MirrorConfig
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorProtocol
import MirrorStore
import MirrorSync
import NIOSSL
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

extension DaemonState {
    static let lowDiskBytes: Int64 = 1 << 30
    static let hotCelsius = 80.0
    static let syncLagAlert: TimeInterval = 3600
    static let outboxAlert = 10_000

    func telemetry() -> TelemetryReport { telemetry(zones: MachineFacts.thermalZones()) }

    /// The health summary with the thermal zones just read (a scrape passes the ones it also exports).
    func telemetry(zones: [(zone: String, type: String, celsius: Double)]) -> TelemetryReport {
        let camera = captureStats.report(device: device.name)
        let display = displayStats.summary()
        let problems = healthProblems()
        let disk = MachineFacts.disk(stateDirectory) ?? (0, 0)
        let hottest = zones.map(\.celsius).max()
        let clips = (try? recorder.store.clipCount()) ?? 0
        let outbox = (try? recorder.store.syncState().pending) ?? 0
        let status = sync?.status
        let now = Date()
        let uptime = Double(MonotonicInstant.now().since(started).components.seconds)
        var alerts = problems
        if disk.total > 0, disk.free < Self.lowDiskBytes || disk.free * 10 < disk.total {
            alerts.append("disk: \(disk.free >> 20) MiB free of \(disk.total >> 20) MiB")
        }
        if let hottest, hottest >= Self.hotCelsius { alerts.append("temperature: \(Int(hottest)) °C") }
        if let status {
            let quiet = status.lastSuccess.map { now.timeIntervalSince($0) } ?? uptime
            if quiet > Self.syncLagAlert {
                alerts.append(
                    "sync: no exchange with the hub for \(Int(quiet / 60)) min (\(status.lastError ?? "waiting"))")
            }
        }
        if outbox > Self.outboxAlert { alerts.append("sync: \(outbox) ops waiting for the hub") }
        return TelemetryReport(
            version: MirrorVersion.current, profile: profile.name, model: visionService?.model.name, at: now,
            uptimeSeconds: uptime, healthy: problems.isEmpty, alerts: alerts,
            camera: .init(
                state: camera.state, fps: camera.fps, framesDropped: camera.framesDropped,
                framesCorrupt: camera.framesCorrupt, reconnects: captureStats.reconnects),
            displayFPS: (display.fps * 10).rounded() / 10, displayLatencyP99Ms: (display.p99 * 10).rounded() / 10,
            diskFreeBytes: disk.free, diskTotalBytes: disk.total, clipsStored: clips,
            sessions: metrics.sessionsStarted, temperatureCelsius: hottest,
            sync: .init(
                enabled: sync != nil, lastSuccess: status?.lastSuccess, outboxPending: outbox,
                consecutiveFailures: status?.consecutiveFailures ?? 0, lastError: status?.lastError))
    }

    func refreshMetrics() {
        let zones = MachineFacts.thermalZones()
        metrics.refresh(telemetry(zones: zones), zones: zones)
    }
}

extension DaemonState {
    func vision() -> VisionReport {
        guard let vision = visionService else {
            return VisionReport(
                enabled: false, problem: "no vision section in the config", model: "none", threads: 0,
                calibrated: false, present: false, catalogItems: 0, framesAnalysed: 0, lastAnalysisMilliseconds: 0,
                current: [], session: [])
        }
        return vision.report()
    }

    func calibrate(frames: Int) async throws -> VisionReport {
        guard let vision = visionService else {
            throw DaemonError(.refused, "vision is off: add a vision section to the config (see config/demo.yaml)")
        }
        try await vision.calibrate(frames: frames)
        return vision.report()
    }
}

extension DaemonState {
    func suggestions() -> SuggestionsReport {
        guard let shop = controller.shop else {
            return SuggestionsReport(
                identified: false, tried: [], suggestions: [], favourites: [], catalogItems: 0,
                problem: "no suggestions section in the config")
        }
        let visit = controller.visit
        let (report, seen) = shop.report(visit.sheet, session: visit.id)
        // What the answer takes as tried on is noted once, as the screen's cards are.
        if let id = visit.id { controller.handle(.answer(visit: id, .sheet(seen))) }
        return report
    }

    func actOnSuggestion(_ sku: String, action: String, size: String?) throws -> SuggestionsReport {
        guard let shop = controller.shop else { throw DaemonError(.refused, "no suggestions section in the config") }
        let visit = controller.visit
        switch action {
        case "favourite", "dismiss":
            guard let event = shop.cardEvent(action, sku: sku), controller.handle(.sheet(event)) else {
                throw DaemonError(.refused, "no session, or no item \(sku)")
            }
        default:
            let stored = try shop.request(sku, size: size, session: visit.id, sheet: visit.sheet)
            if let id = visit.id {
                controller.handle(.answer(visit: id, .requestStored(.init(stored), confirm: false)))
            }
        }
        return suggestions()
    }

    func identify(shopper code: String) async -> Bool {
        guard let shop = controller.shop, let session = controller.sessionID else { return false }
        guard let profile = await shop.identify(code, session: session) else { return false }
        return controller.handle(.answer(visit: session, .sheet(.identified(profile))))
    }

    /// Open requests, and those the shopper cancelled in the last half hour (a colleague may be on the way).
    func staffRequests(all: Bool) throws -> [StaffRequestInfo] {
        try recorder.store.staffRequests(openOnly: !all, cancelledSince: Date().addingTimeInterval(-1800))
            .map(Self.info)
    }

    /// Staff brought it: the glass says so while its visit lasts.
    func completeStaffRequest(_ id: Int) throws -> StaffRequestInfo? {
        guard let done = try recorder.store.completeStaffRequest(Int64(id)) else { return nil }
        if done.state == "done" {
            controller.post(.answer(visit: done.sessionId, .requestClosed(id: Int64(id), brought: true)))
        }
        return Self.info(done)
    }

    static func info(_ record: StaffRequestRecord) -> StaffRequestInfo {
        StaffRequestInfo(
            id: Int(record.id ?? 0), at: ISO8601DateFormatter().string(from: record.at), sku: record.sku,
            size: record.size, description: record.description, state: record.state)
    }
}

extension DaemonState {
    func logs(after: Int64, limit: Int) -> [LogLine] {
        logRing?.lines(after: after, limit: limit) ?? []
    }

    func configReport() -> ConfigReport {
        guard let configPath, let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            return ConfigReport(path: configPath ?? "", text: "")
        }
        return ConfigReport(path: configPath, text: ConfigReport.redact(text))
    }

    /// Enrols with the hub named in the config; the sync service picks the credential up at its next round.
    func enroll(_ request: MirrorEnrollment) async throws -> MirrorEnrollmentResult {
        guard let hub = config.hub else {
            throw DaemonError(
                .refused, "the config has no hub section: add hub: url: to \(configPath ?? "the config") and restart")
        }
        if let asked = request.hub,
            asked.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                != hub.url
                .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        {
            throw DaemonError(.refused, "this mirror syncs with \(hub.url) (hub.url in the config), not \(asked)")
        }
        let response = try await SyncService.enrol(
            hubURL: hub.url, trust: hub.trust, token: request.token,
            name: request.name ?? ProcessInfo.processInfo.hostName,
            credentialFile: hub.credentialFile)
        sync?.nudge()
        return MirrorEnrollmentResult(
            deviceId: response.deviceId, storeId: response.storeId, credentialFile: hub.credentialFile)
    }
}

extension DaemonState {
    /// Re-reads the configuration file and applies what can change while running: the session settings and
    /// the recording settings but the pre-roll. Other changed keys are reported as waiting for a restart. A file
    /// that does not load changes nothing. The file is read and checked (host names looked up, the model and the
    /// replay file loaded) on a thread of its own: never on the shared pool the API's handlers answer on.
    func reloadConfig() async throws -> ConfigReload {
        guard let configPath else { throw DaemonError(.refused, "mirrord was started without a configuration file") }
        let new: DaemonConfig
        do {
            new = try await LoopThread.run("mirror-reload") { () throws -> DaemonConfig in
                let new = try DaemonConfig.load(path: configPath)
                // A file that loads but would not start is refused too: the next restart would fail on it.
                try Preflight.check(new)
                return new
            }
        } catch {
            throw DaemonError(.failed, "\(error) (nothing was changed)")
        }
        let old = config
        let changes = old.changes(to: new)
        let applied = changes.filter(\.live).map(\.key)
        let restart = changes.filter { !$0.live }.map(\.key)

        var updated = old
        updated.session = new.session
        let preRoll = old.recording.preRollSeconds
        updated.recording = new.recording
        updated.recording.preRollSeconds = preRoll
        controller.apply(session: updated.session, recording: updated.recording)
        recorder.apply(updated.recording)
        running.withLock { $0 = updated }
        return ConfigReload(applied: applied, needsRestart: restart)
    }
}
