import Foundation
import Logging
import MirrorAPI
import MirrorCapture
import MirrorConfig
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorStore
import MirrorSync
import NIOSSL
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Why `mirrord` could not start, said in one line with what to do.
public struct DaemonError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Assembles and runs the device daemon: capture → frame bus → display, the local API and metrics,
/// as one `ServiceGroup` that stops cleanly on SIGTERM or SIGINT.
public struct Daemon: Sendable {
    public let config: DaemonConfig
    public let logger: Logger
    /// The file `config` was read from, shown (redacted) by `mirrorctl config show`.
    public let configPath: String?
    /// Recent log lines for `mirrorctl logs`, when the caller's logging system writes into one.
    public let logRing: LogRing?

    public init(config: DaemonConfig, logger: Logger, configPath: String? = nil, logRing: LogRing? = nil) {
        self.config = config
        self.logger = logger
        self.configPath = configPath
        self.logRing = logRing
    }

    /// Runs until a shutdown signal; throws ``DaemonError`` when a resource cannot be had.
    public func run() async throws {
        // What the files name (throws ConfigError: exit 78); what the moment holds is checked below.
        try Preflight.check(config)
        let lock = try prepareStateDirectory()
        defer { close(lock) }
        try checkSocket(config.api.socket)
        if let group = config.api.socketGroup, getgrnam(group) == nil {
            throw DaemonError("no group \(group) (api.socket_group): create it (groupadd \(group)) or remove the key")
        }
        if let listen = config.api.metricsListen { try checkPort(listen) }
        if let share = config.share { try checkPort(share.listen) }

        let registry = PrometheusCollectorRegistry()
        let profile = config.profile
        let framebuffer: any Framebuffer
        switch profile.panel.device {
        case .file(let path):
            do {
                framebuffer = try FileFramebuffer(
                    path: path, width: profile.panel.width, height: profile.panel.height,
                    layout: PixelLayout(profile.panel.pixelFormat))
            } catch {
                throw DaemonError("display: \(error)")
            }
        case .framebuffer(let device):
            do {
                framebuffer = try LinuxFramebuffer(device)
            } catch {
                throw DaemonError("display: \(error)")
            }
        }
        let device: any CaptureDevice
        switch profile.camera.source {
        case .replay(let file, let loop):
            device = ReplayDevice(path: file, fps: profile.camera.fps, loop: loop)
        case .testPattern(let width, let height):
            device = TestPatternDevice(width: width, height: height, fps: profile.camera.fps)
        case .v4l2(let path, let formats, let buffers, let controls):
            // A missing camera is not fatal: the capture service retries and the display says so.
            device = V4L2Camera(
                path: path, preferences: formats.compactMap(FormatPreference.init), bufferCount: buffers,
                controls: controls.map { ($0.name, $0.value) })
        }

        let bus = FrameBus()
        let scene = DisplayScene(diagnostics: config.session.diagnostics)
        let recorder = try ClipRecorder(config: config, bus: bus, registry: registry, logger: logger)
        let metrics = DeviceMetrics(registry: registry)
        let profiles = config.hub.map { hub in
            Shop.ProfileSource(
                lookUp: { code in
                    try await SyncService.lookUpShopper(
                        code, hubURL: hub.url, credentialFile: hub.credentialFile)
                }, maxAge: TimeInterval(hub.profileCacheHours) * 3600)
        }
        let shop = config.suggestions.map {
            Shop(folder: $0.catalog, store: recorder.store, logger: logger, metrics: metrics, profiles: profiles)
        }
        let shareLinks = config.share.map {
            ShareLinks(baseURL: $0.url, minutes: $0.minutes, recorder: recorder)
        }
        let controller = SessionController(
            scene: scene, settings: config.session, recording: config.recording, recorder: recorder,
            panel: (framebuffer.geometry.width, framebuffer.geometry.height), logger: logger, shop: shop,
            metrics: metrics, shareLinks: shareLinks)
        let vision = try config.vision.map {
            try VisionService(
                settings: $0, cameraFPS: profile.camera.fps, stateDirectory: config.stateDirectory, bus: bus,
                controller: controller,
                registry: registry, logger: logger)
        }
        if let vision {
            recorder.turnPhases.withLock { $0 = { [vision] times in vision.turnPhases(at: times) } }
        }
        let sync = config.hub.map { hub in
            SyncService(
                hubURL: hub.url, credentialFile: hub.credentialFile, store: recorder.store, logger: logger,
                interval: .seconds(hub.intervalSeconds), telemetryPort: config.api.metricsListen?.port,
                onPulled: { [recorder, shop, controller] summary in
                    recorder.removeShredded(summary.shredded)
                    if !summary.erasures.isEmpty { shop?.forget(subjects: summary.erasures) }
                    if summary.shopDataChanged { shop?.hubDataChanged() }
                    if !summary.erasures.isEmpty || summary.shopDataChanged { controller.refresh() }
                })
        }
        let state = DaemonState(
            profile: profile, bus: bus, device: device, framebuffer: framebuffer,
            captureStats: CaptureStats(registry: registry), displayStats: DisplayStats(registry: registry),
            controller: controller, recorder: recorder, vision: vision, sync: sync, metrics: metrics,
            config: config, configPath: configPath, logRing: logRing)
        registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_build", unitName: "info",
                helpText: "The running version and device profile; always 1."),
            labels: [("version", MirrorVersion.current), ("profile", profile.name)]
        ).set(1.0)

        var services: [any Service] = [
            CaptureService(
                device: device, bus: bus, stats: state.captureStats, logger: logger,
                masker: try Self.privacyMasker(profile.camera.privacyMasks, logger: logger)),
            DisplayService(
                bus: bus, framebuffer: framebuffer, rotation: profile.camera.rotation, mirror: profile.panel.mirror,
                stats: state.displayStats, scene: scene,
                diagnosticsDetail: { [captureStats = state.captureStats, profile] in
                    let camera = captureStats.report(device: "")
                    return [
                        "camera \(camera.format) \(camera.width)x\(camera.height) "
                            + "\((camera.fps * 10).rounded() / 10) fps, \(camera.framesDropped) dropped",
                        "mirrord \(MirrorVersion.current) · \(profile.name)",
                    ]
                },
                cameraProblem: { [captureStats = state.captureStats] in
                    captureStats.state == .reconnecting ? "Camera \(captureStats.lastError ?? "reconnecting")" : nil
                }, logger: logger),
            recorder,
            SessionService(controller: controller, touch: profile.touch, logger: logger),
        ]
        // Parts the mirror can do without: each that ends or fails is said once and shown in health, alone.
        var optional: [(String, any Service)] = []
        if let vision { optional.append(("vision", vision)) }
        if shop != nil {
            optional.append(("code scanner", CodeScanner(bus: bus, controller: controller, logger: logger)))
        }
        services += [
            LocalAPI.control(socket: config.api.socket, daemon: state, registry: registry, logger: quiet(logger))
        ]
        if let sync { optional.append(("sync", sync)) }
        services.append(ReloadOnHangup(state: state, logger: logger))
        services.append(
            SystemdNotifier(
                socket: config.api.socket, socketGroup: config.api.socketGroup,
                stuck: { [state] in state.stuckServices() }, logger: logger))
        if let remote = config.api.remote {
            let (tls, token) = try remoteCredentials(remote)
            do {
                services.append(
                    try LocalAPI.remote(
                        host: remote.listen.host, port: remote.listen.port, tls: tls, token: token, daemon: state,
                        registry: registry, logger: quiet(logger)))
            } catch {
                throw DaemonError("api.remote: \(error)")
            }
        }
        if let share = config.share, let shareLinks {
            optional.append(
                (
                    "share pages",
                    SharePages.server(
                        host: share.listen.host, port: share.listen.port, links: shareLinks, logger: quiet(logger))
                ))
        }
        if let listen = config.api.metricsListen {
            services.append(
                LocalAPI.metrics(
                    host: listen.host, port: listen.port, daemon: state, registry: registry, logger: quiet(logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }
                    + optional.map { name, part in
                        .init(
                            service: OptionalPart(name: name, part: part, ended: state.ended, logger: logger),
                            successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
                    },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "mirrord started",
            metadata: [
                "version": "\(MirrorVersion.current)", "profile": "\(profile.name)", "socket": "\(config.api.socket)",
                "pid": "\(getpid())",
            ])
        defer { unlink(config.api.socket) }
        try await group.run()
        logger.info("mirrord stopped")
    }

    /// Creates the state directory and takes its lock, so that two daemons never share one.
    private func prepareStateDirectory() throws -> Int32 {
        let directory = config.stateDirectory
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonError("cannot create state_dir \(directory): \(error.localizedDescription)")
        }
        let path = "\(directory)/mirrord.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw DaemonError(
                "cannot open \(path): \(String(cString: strerror(errno))) (make state_dir writable by mirrord)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DaemonError("another mirrord is already running with state_dir \(directory) (stop it first)")
        }
        return fd
    }

    /// Refuses a socket path another process is serving; a stale file is replaced at bind.
    private func checkSocket(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DaemonError("cannot create the socket's folder \(folder): \(error.localizedDescription)")
        }
        guard FileManager.default.fileExists(atPath: path) else { return }
        if UnixSocket.isServing(path) {
            throw DaemonError("socket \(path) is in use by another process (stop it or change api.socket)")
        }
    }

    /// The remote API's certificate, key and token; refuses a token that is short or readable by others.
    private func remoteCredentials(_ remote: DaemonConfig.Remote) throws -> (TLSConfiguration, String) {
        try checkPort(remote.listen)
        var info = stat()
        guard stat(remote.tokenFile, &info) == 0, let data = FileManager.default.contents(atPath: remote.tokenFile)
        else {
            throw DaemonError("api.remote.token_file: cannot read \(remote.tokenFile)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw DaemonError("api.remote.token_file: \(remote.tokenFile) is readable by others (chmod 600 it)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 32, !token.contains(where: \.isWhitespace) else {
            throw DaemonError(
                "api.remote.token_file: the token must be at least 32 characters without spaces "
                    + "(e.g. openssl rand -base64 32)")
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(remote.certificate).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: remote.key, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return (tls, token)
        } catch {
            throw DaemonError("api.remote: cannot use \(remote.certificate) and \(remote.key): \(error)")
        }
    }

    private func checkPort(_ listen: DaemonConfig.HostPort) throws {
        if let problem = TCPPort.bindProblem(host: listen.host, port: listen.port) {
            throw DaemonError("cannot listen on \(listen): \(problem) (free the port or change api.metrics_listen)")
        }
    }

    /// The masker for the profile's privacy zones, or nil when it has none.
    static func privacyMasker(_ zones: [MaskZone], logger: Logger) throws -> PrivacyMasker? {
        guard !zones.isEmpty else { return nil }
        logger.notice(
            "privacy masks active: every frame is blacked out there before it is shown, analysed or stored",
            metadata: ["zones": "\(zones.map(\.name))"])
        do { return try PrivacyMasker(zones: zones) } catch { throw DaemonError("privacy masks: \(error)") }
    }

    private func quiet(_ logger: Logger) -> Logger {
        var copy = logger
        copy.logLevel = max(logger.logLevel, .notice)
        return copy
    }
}

extension PixelLayout {
    init(_ format: PanelPixelFormat) {
        switch format {
        case .xrgb8888: self = .xrgb8888
        case .xbgr8888: self = .xbgr8888
        case .rgb565: self = .rgb565
        }
    }
}

/// The daemon's shared state, as the local API sees it.
final class DaemonState: DaemonFacade {
    let profile: DeviceProfile
    let bus: FrameBus
    let device: any CaptureDevice
    let framebuffer: any Framebuffer
    let captureStats: CaptureStats
    let displayStats: DisplayStats
    let controller: SessionController
    let recorder: ClipRecorder
    let visionService: VisionService?
    let sync: SyncService?
    let metrics: DeviceMetrics
    /// The configuration in effect: as started, with what reloads have applied.
    private let running: Mutex<DaemonConfig>
    var config: DaemonConfig { running.withLock { $0 } }
    let configPath: String?
    let logRing: LogRing?
    var stateDirectory: String { config.stateDirectory }
    let started = MonotonicInstant.now()
    /// Optional parts that ended early (``OptionalPart``).
    let ended = EndedParts()
    /// The copy of the panel a screenshot is encoded from, kept between screenshots: a new 8 MB buffer each time
    /// left the allocator holding 40–80 MB more after a few dozen (the local API takes one at a time).
    private let screenshotImage = Mutex(PixelBuffer())

    init(
        profile: DeviceProfile, bus: FrameBus, device: any CaptureDevice, framebuffer: any Framebuffer,
        captureStats: CaptureStats, displayStats: DisplayStats, controller: SessionController,
        recorder: ClipRecorder, vision: VisionService?, sync: SyncService?, metrics: DeviceMetrics,
        config: DaemonConfig, configPath: String?, logRing: LogRing?
    ) {
        visionService = vision
        self.sync = sync
        self.metrics = metrics
        running = Mutex(config)
        self.configPath = configPath
        self.logRing = logRing
        self.controller = controller
        self.recorder = recorder
        self.profile = profile
        self.bus = bus
        self.device = device
        self.framebuffer = framebuffer
        self.captureStats = captureStats
        self.displayStats = displayStats
    }

    func status() -> StatusReport {
        let display = displayStats.summary()
        let geometry = framebuffer.geometry
        return StatusReport(
            version: MirrorVersion.current, profile: profile.name,
            uptimeSeconds: (Double(MonotonicInstant.now().since(started).components.seconds)),
            camera: captureStats.report(device: device.name),
            display: .init(
                device: framebuffer.name, width: geometry.width, height: geometry.height,
                pixelFormat: "\(geometry.layout)", rotation: profile.camera.rotation,
                fps: (display.fps * 10).rounded() / 10, framesShown: displayStats.shown,
                latencyP50Ms: (display.p50 * 10).rounded() / 10, latencyP99Ms: (display.p99 * 10).rounded() / 10,
                decodeErrors: displayStats.decodeErrors),
            consumers: bus.stats())
    }

    func screenshotPNG() throws -> [UInt8] {
        try screenshotImage.withLock { image in
            framebuffer.snapshot(into: image)
            return try PNGWriter.encode(image)
        }
    }

    func ui() -> UIReport {
        let buttons = controller.scene.layout.compactMap { box -> String? in
            switch box.kind {
            case .button(let id), .area(let id): id
            case .text: nil
            }
        }
        let link = controller.shownShareCard.map { UIReport.ShareLink(url: $0.url, pin: $0.pin, minutes: $0.minutes) }
        var looks: [UIReport.Look]?
        var savedLookCode: String?
        var codeMessage: String?
        switch controller.scene.current.screen {
        case .compare(let compare):
            looks = compare.looks.enumerated().map { index, look in
                UIReport.Look(title: look.title, garments: look.garments, favourite: compare.favourite == index)
            }
        case .review(let review): savedLookCode = review.code
        case .codeEntry(let entry): codeMessage = entry.message
        default: break
        }
        let state =
            switch controller.state {
            case .idle: "idle"
            case .live: "live"
            case .consent: "consent"
            case .countdown: "countdown"
            case .recording: "recording"
            case .review: "review"
            case .compare: "compare"
            case .suggestions: "suggestions"
            case .staffOnTheWay: "staffOnTheWay"
            }
        return UIReport(
            state: state, session: controller.sessionID, clips: controller.clips, buttons: buttons,
            diagnostics: controller.scene.diagnostics, looks: looks, shareLink: link, savedLookCode: savedLookCode,
            codeMessage: codeMessage)
    }

    func press(_ id: String) -> Bool { controller.press(id) }
    func tap(x: Double, y: Double) { controller.tap(x: x, y: y) }
    func swipe(forward: Bool) { controller.swipe(forward: forward) }

    func event(_ name: String) -> Bool {
        // The shopper agreed on the mirror to let staff export this session's clips.
        if name == "share" { return controller.share() }
        guard let event = SessionController.event(named: name) else { return false }
        controller.send(event)
        return true
    }

    func display() -> DisplayInfo {
        let geometry = framebuffer.geometry
        let layout = geometry.layout
        func field(_ channel: PixelLayout.Channel) -> String { "\(channel.offset):\(channel.length)" }
        return DisplayInfo(
            device: framebuffer.name, width: geometry.width, height: geometry.height, stride: geometry.stride,
            bitsPerPixel: layout.bitsPerPixel, pixelFormat: "\(layout)", red: field(layout.red),
            green: field(layout.green), blue: field(layout.blue), features: framebuffer.features,
            rotation: profile.camera.rotation, mirror: profile.panel.mirror)
    }

    func setDiagnostics(_ shown: Bool) { controller.scene.diagnostics = shown }

    func showTestPattern(seconds: Int) {
        let info = display()
        controller.showTestPattern(
            seconds: seconds,
            lines: [
                "\(info.device) \(info.width)x\(info.height) \(info.pixelFormat) stride \(info.stride)",
                info.features.joined(separator: " · "), "mirrord \(MirrorVersion.current) · \(profile.name)",
            ])
    }

    func record(seconds: Int?) -> UIReport {
        controller.record(seconds: seconds)
        return ui()
    }

    func auditLog(limit: Int) throws -> [AuditEntry] {
        let formatter = ISO8601DateFormatter()
        return try recorder.store.auditLog(limit: limit).map {
            AuditEntry(
                at: formatter.string(from: $0.at), actor: $0.actor.rawValue, action: $0.action.rawValue,
                clip: $0.clipId,
                detail: $0.detail)
        }
    }

    func clips() throws -> [ClipInfo] {
        let formatter = ISO8601DateFormatter()
        return try recorder.store.clips().map {
            let turn = try recorder.store.turn(clip: $0.id)
            return ClipInfo(
                id: $0.id, session: $0.sessionId, state: $0.state.rawValue, frames: $0.frames, width: $0.width,
                height: $0.height, fps: $0.fps, bytes: $0.bytes, created: formatter.string(from: $0.createdAt),
                saved: $0.saved, turnComplete: turn?.complete, turnPhases: turn?.phases)
        }
    }

    func exportClip(_ id: String) throws -> [UInt8] {
        let path = "\(recorder.folder)/export-\(UUID().uuidString).avi"
        defer { unlink(path) }
        _ = try recorder.export(id, to: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DaemonError("export of \(id) could not be read back")
        }
        return Array(data)
    }

    func purgeClips(all: Bool) throws -> Int { try recorder.purge(all: all) }

    func healthProblems() -> [String] {
        let state = captureStats.state
        let camera = state == .streaming ? captureStats.unusable().map { [$0] } ?? [] : ["camera: \(state.rawValue)"]
        return camera + stuckServices() + ended.problems
    }

    /// Services that have stopped making progress although their input is there; a restart may mend them
    /// (the systemd watchdog stops being fed). A missing camera is not one: a restart would not bring it back.
    func stuckServices() -> [String] {
        var stuck: [String] = []
        let now = MonotonicInstant.now()
        if let stalled = captureStats.stalled(now: now) { stuck.append(stalled) }
        // The consumers are judged only while frames are passed on to them; otherwise capture is the one to
        // blame (stuck above), or the camera (its frames all dropped: a health problem, not a stuck service).
        let streaming = captureStats.delivering() && stuck.isEmpty
        if streaming, now.since(started) > .seconds(5),
            displayStats.lastShown.map({ now.since($0) > .seconds(5) }) ?? true
        {
            stuck.append("display: no frame shown for over 5 s")
        }
        // Vision that ended is shown in health already; a restart is not how it is mended.
        if !ended.contains("vision"), let problem = visionService?.stuck(cameraStreaming: streaming, since: started) {
            stuck.append(problem)
        }
        return stuck
    }
}

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
            throw DaemonError("vision is off: add a vision section to the config (see config/demo.yaml)")
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
        return shop.report(session: controller.sessionID)
    }

    func actOnSuggestion(_ sku: String, action: String, size: String?) throws -> SuggestionsReport {
        guard let shop = controller.shop else { throw DaemonError("no suggestions section in the config") }
        let session = controller.sessionID
        switch action {
        case "favourite":
            guard shop.toggleFavourite(sku, session: session) else {
                throw DaemonError("no session, or no item \(sku)")
            }
        case "dismiss":
            guard shop.dismiss(sku, session: session) else { throw DaemonError("no session, or no item \(sku)") }
        default:
            _ = try shop.request(sku, size: size, session: session)
        }
        controller.refresh()
        return shop.report(session: session)
    }

    func identify(shopper code: String) async -> Bool {
        guard let shop = controller.shop, controller.sessionID != nil else { return false }
        let found = await shop.identify(code, session: controller.sessionID)
        controller.refresh()
        return found
    }

    func staffRequests(all: Bool) throws -> [StaffRequestInfo] {
        try recorder.store.staffRequests(openOnly: !all).map(Self.info)
    }

    func completeStaffRequest(_ id: Int) throws -> StaffRequestInfo? {
        try recorder.store.completeStaffRequest(Int64(id)).map(Self.info)
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
    func enroll(_ request: EnrollRequest) async throws -> EnrollResult {
        guard let hub = config.hub else {
            throw DaemonError(
                "the config has no hub section: add hub: url: to \(configPath ?? "the config") and restart")
        }
        if let asked = request.hub,
            asked.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                != hub.url
                .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        {
            throw DaemonError("this mirror syncs with \(hub.url) (hub.url in the config), not \(asked)")
        }
        let response = try await SyncService.enrol(
            hubURL: hub.url, token: request.token, name: request.name ?? ProcessInfo.processInfo.hostName,
            credentialFile: hub.credentialFile)
        sync?.nudge()
        return EnrollResult(deviceId: response.deviceId, storeId: response.storeId, credentialFile: hub.credentialFile)
    }
}

extension DaemonState {
    /// Re-reads the configuration file and applies what can change while running: the session settings and
    /// the recording settings but the pre-roll. Other changed keys are reported as waiting for a restart. A file
    /// that does not load changes nothing.
    func reloadConfig() throws -> ConfigReload {
        guard let configPath else { throw DaemonError("mirrord was started without a configuration file") }
        let new: DaemonConfig
        do {
            new = try DaemonConfig.load(path: configPath)
            // A file that loads but would not start is refused too: the next restart would fail on it.
            try Preflight.check(new)
        } catch {
            throw DaemonError("\(error) (nothing was changed)")
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

/// `systemctl reload mirrord` (SIGHUP): re-reads the configuration file and applies what can change live.
struct ReloadOnHangup: Service {
    let state: DaemonState
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                do {
                    let reload = try state.reloadConfig()
                    logger.notice(
                        "configuration reloaded",
                        metadata: ["applied": "\(reload.applied)", "needs_restart": "\(reload.needsRestart)"])
                } catch {
                    logger.error("configuration not reloaded", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
