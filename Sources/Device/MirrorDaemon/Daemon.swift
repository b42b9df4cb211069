import Crypto
import Foundation
public import Logging
import MirrorAPI
import MirrorCapture
public import MirrorConfig
public import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorStore
import MirrorSync
import NIOSSL
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Why `mirrord` could not start or do what it was asked, said in one line with what to do.
public enum DaemonErrorCode: String, Sendable {
    /// A part or resource mirrord needs at start is not usable (a folder, the lock, a port, a certificate).
    case cannotStart
    /// A request cannot be done as asked (no session, no such item, no consent, a section not configured).
    case refused
    /// What a request waits for did not come (camera frames, a calibration that was replaced or ran out).
    case notReady
    /// Work that was allowed failed (a file not saved, a configuration that does not load).
    case failed
}

public typealias DaemonError = MirrorError<DaemonErrorCode>

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
            throw DaemonError(
                .cannotStart, "no group \(group) (api.socket_group): create it (groupadd \(group)) or remove the key")
        }
        if let listen = config.api.metricsListen { try checkPort(listen) }
        if let share = config.share { try checkPort(share.listen) }

        let registry = PrometheusCollectorRegistry()
        let devices = try openDevices()
        let parts = try assemble(devices, registry: registry)
        let state = parts.state
        registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_build", unitName: "info",
                helpText: "The running version and device profile; always 1."),
            labels: [("version", MirrorVersion.current), ("profile", config.profile.name)]
        ).set(1.0)

        var (services, optional) = try deviceServices(parts)
        let (servers, optionalServers) = try self.servers(parts, registry: registry)
        services += servers
        optional += optionalServers
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
                "version": "\(MirrorVersion.current)", "profile": "\(config.profile.name)",
                "socket": "\(config.api.socket)", "pid": "\(getpid())",
            ])
        defer { unlink(config.api.socket) }
        try await group.run()
        logger.info("mirrord stopped")
    }

    /// The panel and the camera the profile names.
    struct Devices {
        let framebuffer: any Framebuffer
        let camera: any CaptureDevice
    }

    /// Opens the panel (a missing or unusable one stops the daemon with the reason) and makes the camera
    /// (a missing camera is not fatal: the capture service retries and the display says so).
    private func openDevices() throws -> Devices {
        let profile = config.profile
        let framebuffer: any Framebuffer
        do {
            switch profile.panel.device {
            case .file(let path):
                framebuffer = try FileFramebuffer(
                    path: path, width: profile.panel.width, height: profile.panel.height,
                    layout: PixelLayout(profile.panel.pixelFormat))
            case .framebuffer(let device):
                framebuffer = try LinuxFramebuffer(device)
            }
        } catch {
            throw DaemonError(.cannotStart, "display: \(error)")
        }
        let camera: any CaptureDevice
        switch profile.camera.source {
        case .replay(let file, let loop):
            camera = ReplayDevice(path: file, fps: profile.camera.fps, loop: loop)
        case .testPattern(let width, let height):
            camera = TestPatternDevice(width: width, height: height, fps: profile.camera.fps)
        case .v4l2(let path, let formats, let buffers, let controls):
            camera = V4L2Camera(
                path: path, preferences: formats.compactMap(FormatPreference.init), bufferCount: buffers,
                controls: controls.map { ($0.name, $0.value) })
        }
        return Devices(framebuffer: framebuffer, camera: camera)
    }

    /// The daemon's domain parts, wired to each other.
    struct Parts {
        let state: DaemonState
        let scene: DisplayScene
        let shop: Shop?
        let shareLinks: ShareLinks?
    }

    /// Builds the frame bus, the recorder and its store, the shop, the session, vision and sync.
    private func assemble(_ devices: Devices, registry: PrometheusCollectorRegistry) throws -> Parts {
        let profile = config.profile
        let bus = FrameBus()
        let scene = DisplayScene(diagnostics: config.session.diagnostics)
        let recorder = try ClipRecorder(config: config, bus: bus, registry: registry, logger: logger)
        let metrics = DeviceMetrics(registry: registry)
        let profiles = config.hub.map { hub in
            Shop.ProfileSource(
                lookUp: { code in
                    try await SyncService.lookUpShopper(
                        code, hubURL: hub.url, trust: hub.trust, credentialFile: hub.credentialFile)
                }, maxAge: TimeInterval(hub.profileCacheHours) * 3600)
        }
        let shop = config.suggestions.map {
            Shop(folder: $0.catalog, store: recorder.store, logger: logger, metrics: metrics, profiles: profiles)
        }
        let shareLinks = config.share.map {
            ShareLinks(baseURL: $0.url, minutes: $0.minutes, recorder: recorder)
        }
        let geometry = devices.framebuffer.geometry
        let controller = SessionController(
            scene: scene, settings: config.session, recording: config.recording, recorder: recorder,
            panel: (geometry.width, geometry.height), logger: logger, shop: shop,
            metrics: metrics, shareLinks: shareLinks)
        let vision = try config.vision.map {
            try VisionService(
                settings: $0, cameraFPS: profile.camera.fps, stateDirectory: config.stateDirectory, bus: bus,
                controller: controller,
                registry: registry, logger: logger)
        }
        if let vision {
            recorder.turnPhases.withLock { $0 = { [vision] times in vision.turnPhases(at: times) } }
            recorder.presence.withLock { $0 = { [vision] times in vision.inView(at: times) } }
        }
        let telemetry = Self.telemetryEndpoint(config.api)
        let bound = BoundListeners()
        let sync = config.hub.map { hub in
            SyncService(
                hubURL: hub.url, trust: hub.trust, credentialFile: hub.credentialFile, store: recorder.store,
                logger: logger,
                interval: .seconds(hub.intervalSeconds),
                telemetryPort: { [bound] in telemetry.port.flatMap { $0 == 0 ? bound.port(telemetry.server) : $0 } },
                telemetryCertificateSHA256: telemetry.certificateSHA256,
                onPulled: { [recorder, shop, controller] summary in
                    recorder.removeShredded(summary.shredded)
                    if !summary.erasures.isEmpty { controller.forget(subjects: summary.erasures) }
                    if summary.shopDataChanged { shop?.hubDataChanged() }
                    if !summary.erasures.isEmpty || summary.shopDataChanged { controller.refresh() }
                })
        }
        let state = DaemonState(
            profile: profile, bus: bus, device: devices.camera, framebuffer: devices.framebuffer,
            captureStats: CaptureStats(registry: registry), displayStats: DisplayStats(registry: registry),
            controller: controller, recorder: recorder, vision: vision, sync: sync, metrics: metrics,
            config: config, configPath: configPath, logRing: logRing, bound: bound)
        return Parts(state: state, scene: scene, shop: shop, shareLinks: shareLinks)
    }

    /// The services that run the devices and the session (capture, display, recorder, session, reload,
    /// systemd); and the parts the mirror can do without (vision, the code scanner, sync), each of which
    /// that ends or fails is said once and shown in health, alone.
    private func deviceServices(_ parts: Parts) throws -> ([any Service], [(String, any Service)]) {
        let state = parts.state
        let profile = config.profile
        let services: [any Service] = [
            CaptureService(
                device: state.device, bus: state.bus, stats: state.captureStats, logger: logger,
                masker: try Self.privacyMasker(profile.camera.privacyMasks, logger: logger)),
            DisplayService(
                bus: state.bus, framebuffer: state.framebuffer, rotation: profile.camera.rotation,
                mirror: profile.panel.mirror,
                placement: (profile.panel.widthMM, profile.panel.heightMM, profile.panel.bottomMM),
                stats: state.displayStats, scene: parts.scene,
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
            state.recorder,
            SessionService(controller: state.controller, touch: profile.touch, logger: logger),
            ReloadOnHangup(state: state, logger: logger),
            SystemdNotifier(
                socket: config.api.socket, socketGroup: config.api.socketGroup,
                stuck: { [state] in state.stuckServices() }, logger: logger),
        ]
        var optional: [(String, any Service)] = []
        if let vision = state.visionService { optional.append(("vision", vision)) }
        if parts.shop != nil {
            optional.append(
                ("code scanner", CodeScanner(bus: state.bus, controller: state.controller, logger: logger)))
        }
        if let sync = state.sync { optional.append(("sync", sync)) }
        return (services, optional)
    }

    /// The servers: the control socket, the remote API, metrics; the share pages can fail alone.
    private func servers(
        _ parts: Parts, registry: PrometheusCollectorRegistry
    ) throws -> ([any Service], [(String, any Service)]) {
        let state = parts.state
        var services: [any Service] = [
            LocalAPI.control(socket: config.api.socket, daemon: state, registry: registry, logger: quiet(logger))
        ]
        if let remote = config.api.remote {
            let (tls, token) = try remoteCredentials(remote)
            do {
                services.append(
                    try LocalAPI.remote(
                        host: remote.listen.host, port: remote.listen.port, tls: tls, token: token, daemon: state,
                        registry: registry, bound: state.bound, logger: quiet(logger)))
            } catch {
                throw DaemonError(.cannotStart, "api.remote: \(error)")
            }
        }
        if let listen = config.api.metricsListen {
            services.append(
                LocalAPI.metrics(
                    host: listen.host, port: listen.port, daemon: state, registry: registry, bound: state.bound,
                    logger: quiet(logger)))
        }
        var optional: [(String, any Service)] = []
        if let share = config.share, let shareLinks = parts.shareLinks {
            optional.append(
                (
                    "share pages",
                    SharePages.server(
                        host: share.listen.host, port: share.listen.port, links: shareLinks, bound: state.bound,
                        logger: quiet(logger))
                ))
        }
        return (services, optional)
    }

    /// Creates the state directory and takes its lock, so that two daemons never share one.
    private func prepareStateDirectory() throws -> Int32 {
        let directory = config.stateDirectory
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonError(.cannotStart, "cannot create state_dir \(directory): \(error.localizedDescription)")
        }
        let path = "\(directory)/mirrord.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw DaemonError(
                .cannotStart,
                "cannot open \(path): \(String(cString: strerror(errno))) (make state_dir writable by mirrord)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DaemonError(
                .cannotStart, "another mirrord is already running with state_dir \(directory) (stop it first)")
        }
        return fd
    }

    /// Refuses a socket path another process is serving; a stale file is replaced at bind.
    private func checkSocket(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DaemonError(
                .cannotStart, "cannot create the socket's folder \(folder): \(error.localizedDescription)")
        }
        guard FileManager.default.fileExists(atPath: path) else { return }
        if UnixSocket.isServing(path) {
            throw DaemonError(
                .cannotStart, "socket \(path) is in use by another process (stop it or change api.socket)")
        }
    }

    /// Where the hub's fleet view pulls telemetry: the remote API over HTTPS, with the SHA-256 of its certificate
    /// (the hub trusts exactly that one, learnt over the authenticated sync), else the plain metrics listener.
    /// `server` names the listener in ``BoundListeners``, whose port is the one to tell when the config says 0.
    static func telemetryEndpoint(_ api: DaemonConfig.API) -> (port: Int?, server: String, certificateSHA256: [UInt8]?)
    {
        if let remote = api.remote, let leaf = try? NIOSSLCertificate.fromPEMFile(remote.certificate).first,
            let der = try? leaf.toDERBytes()
        {
            return (remote.listen.port, "remote", Array(SHA256.hash(data: der)))
        }
        return (api.metricsListen?.port, "metrics", nil)
    }

    /// The remote API's certificate, key and token; refuses a token that is short or readable by others.
    private func remoteCredentials(_ remote: DaemonConfig.Remote) throws -> (TLSConfiguration, String) {
        try checkPort(remote.listen)
        var info = stat()
        guard stat(remote.tokenFile, &info) == 0, let data = FileManager.default.contents(atPath: remote.tokenFile)
        else {
            throw DaemonError(.cannotStart, "api.remote.token_file: cannot read \(remote.tokenFile)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw DaemonError(
                .cannotStart, "api.remote.token_file: \(remote.tokenFile) is readable by others (chmod 600 it)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 32, !token.contains(where: \.isWhitespace) else {
            throw DaemonError(
                .cannotStart,
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
            throw DaemonError(.cannotStart, "api.remote: cannot use \(remote.certificate) and \(remote.key): \(error)")
        }
    }

    private func checkPort(_ listen: DaemonConfig.HostPort) throws {
        guard listen.port != 0 else { return }  // any free port: nothing to be busy
        if let problem = TCPPort.bindProblem(host: listen.host, port: listen.port) {
            throw DaemonError(
                .cannotStart, "cannot listen on \(listen): \(problem) (free the port or change api.metrics_listen)")
        }
    }

    /// The masker for the profile's privacy zones, or nil when it has none.
    static func privacyMasker(_ zones: [MaskZone], logger: Logger) throws -> PrivacyMasker? {
        guard !zones.isEmpty else { return nil }
        logger.notice(
            "privacy masks active: every frame is blacked out there before it is shown, analysed or stored",
            metadata: ["zones": "\(zones.map(\.name))"])
        do { return try PrivacyMasker(zones: zones) } catch {
            throw DaemonError(.cannotStart, "privacy masks: \(error)")
        }
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

/// `systemctl reload mirrord` (SIGHUP): re-reads the configuration file and applies what can change live.
struct ReloadOnHangup: Service {
    let state: DaemonState
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in hangups {
                do {
                    let reload = try await state.reloadConfig()
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
