import Foundation
import Logging
import MirrorAPI
import MirrorAPIModel
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
    let running: Mutex<DaemonConfig>
    var config: DaemonConfig { running.withLock { $0 } }
    let configPath: String?
    let logRing: LogRing?
    /// Where the TCP servers listen, once they do (a config's port 0 is any free port).
    let bound: BoundListeners
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
        config: DaemonConfig, configPath: String?, logRing: LogRing?, bound: BoundListeners
    ) {
        self.bound = bound
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
            consumers: bus.stats(), listeners: bound.all)
    }

    func screenshotPNG() throws -> [UInt8] {
        try screenshotImage.withLock { image in
            framebuffer.snapshot(into: image)
            return try PNGWriter.encode(image)
        }
    }

    func ui() -> UIReport {
        let controls = controller.scene.layout.compactMap { box -> UIReport.Control? in
            switch box.kind {
            case .button(let id), .area(let id):
                UIReport.Control(
                    id: id, text: box.label, x: Int(box.x.rounded()), y: Int(box.y.rounded()),
                    width: Int(box.width.rounded()), height: Int(box.height.rounded()))
            case .text: nil
            }
        }
        let buttons = controls.map(\.id)
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
            case .rating: "rating"
            }
        return UIReport(
            state: state, session: controller.sessionID, clips: controller.clips, buttons: buttons,
            diagnostics: controller.scene.diagnostics, looks: looks, shareLink: link, savedLookCode: savedLookCode,
            codeMessage: codeMessage, controls: controls)
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
        return try recorder.store.clipsWithTurns().map { clip, turn in
            ClipInfo(
                id: clip.id, session: clip.sessionId, state: clip.state.rawValue, frames: clip.frames,
                width: clip.width, height: clip.height, fps: clip.fps, bytes: clip.bytes,
                created: formatter.string(from: clip.createdAt), saved: clip.saved, turnComplete: turn?.complete,
                turnPhases: turn?.phases)
        }
    }

    func exportClip(_ id: String) throws -> ExportedClip {
        let stream = Guarded(try recorder.export(id))
        return ExportedClip(size: stream.withLock { $0.length }) { try stream.withLock { try $0.next() } }
    }

    func exportNotWritten(_ id: String, reason: String) throws { try recorder.exportNotWritten(id, reason: reason) }

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
