public import Logging
public import MirrorCore
import MirrorImaging
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// What the display has shown, read by status and metrics.
public final class DisplayStats: Sendable {
    private struct Values {
        var shown: UInt64 = 0
        var lastShown: MonotonicInstant?
        var cameraLost = false
        var decodeErrors: UInt64 = 0
        var rate = RateMeter()
        /// The last 256 capture-to-screen latencies in nanoseconds (a ring), for p50/p99 in status.
        var latencies = [UInt64](repeating: 0, count: 256)
        var next = 0
        var filled = 0
    }

    private let values = Mutex(Values())
    private let shownTotal: Counter
    private let decodeErrorsTotal: Counter
    private let latency: DurationHistogram
    private let composeTime: DurationHistogram
    private let cameraLostGauge: Gauge

    public init(registry: PrometheusCollectorRegistry) {
        shownTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_display_frames", unitName: "total", helpText: "Camera frames drawn to the panel."))
        decodeErrorsTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_display_decode_errors", unitName: "total",
                helpText: "Camera frames the display could not decode."))
        let buckets: [Duration] = [1, 2, 4, 8, 12, 16, 20, 25, 33, 50, 68, 100, 200, 500].map { .milliseconds($0) }
        latency = registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "mirror_display_latency", unitName: "seconds",
                helpText: "Time from the camera's capture timestamp to the frame being on the panel."),
            buckets: buckets)
        cameraLostGauge = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_display_camera_lost", unitName: "",
                helpText: "1 while the panel shows the camera-reconnecting screen, else 0."))
        composeTime = registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "mirror_display_compose", unitName: "seconds",
                helpText: "Time to decode, compose and copy one frame to the panel."),
            buckets: buckets)
    }

    func recordShown(latency: Duration, compose: Duration, at now: MonotonicInstant) {
        values.withLock { v in
            v.shown += 1
            v.lastShown = now
            v.rate.record(now)
            let (seconds, attoseconds) = latency.components
            v.latencies[v.next] = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
            v.next = (v.next + 1) % v.latencies.count
            v.filled = min(v.filled + 1, v.latencies.count)
        }
        shownTotal.increment()
        self.latency.record(latency)
        composeTime.record(compose)
    }

    func setCameraLost(_ lost: Bool) {
        values.withLock { $0.cameraLost = lost }
        cameraLostGauge.set(lost ? 1.0 : 0.0)
    }

    /// Whether the panel shows the camera-lost screen.
    public var cameraLost: Bool { values.withLock { $0.cameraLost } }

    func recordDecodeError() {
        values.withLock { $0.decodeErrors += 1 }
        decodeErrorsTotal.increment()
    }

    public var shown: UInt64 { values.withLock { $0.shown } }
    /// Camera frames the display could not decode since the start.
    public var decodeErrors: UInt64 { values.withLock { $0.decodeErrors } }
    /// When the last camera frame reached the panel.
    public var lastShown: MonotonicInstant? { values.withLock { $0.lastShown } }

    /// Frames per second, p50 and p99 latency in milliseconds over recent frames.
    public func summary() -> (fps: Double, p50: Double, p99: Double) {
        values.withLock { v in
            let fps = v.rate.rate(at: .now())
            guard v.filled > 0 else { return (fps, 0, 0) }
            let sorted = v.latencies[0..<v.filled].sorted()
            func percentile(_ p: Double) -> Double {
                Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
            }
            return (fps, percentile(0.5), percentile(0.99))
        }
    }
}

/// Shows the live mirror: takes the freshest camera frame, decodes it once at the size the panel
/// needs, composes the interface and puts it on the framebuffer.
public struct DisplayService: Service {
    let bus: FrameBus
    let framebuffer: any Framebuffer
    let rotation: Int
    let mirror: Bool
    /// Where the panel hangs, by its size in millimetres (nil: a floor-standing 2 m mirror).
    let placement: (widthMM: Double?, heightMM: Double, bottomMM: Double)?
    let stats: DisplayStats
    let logger: Logger
    /// What to draw over (or instead of) the camera image.
    let scene: DisplayScene
    /// Lines of the staff diagnostic panel besides fps and latency (versions, camera).
    let diagnosticsDetail: @Sendable () -> [String]
    /// Why no frames come, for the "camera lost" screen (e.g. the capture state); empty when unknown.
    let cameraProblem: @Sendable () -> String?
    /// How long without a frame before the panel says the camera is lost.
    let staleAfter: Duration

    public init(
        bus: FrameBus, framebuffer: any Framebuffer, rotation: Int, mirror: Bool,
        placement: (widthMM: Double?, heightMM: Double, bottomMM: Double)? = nil, stats: DisplayStats,
        scene: DisplayScene = DisplayScene(), diagnosticsDetail: @escaping @Sendable () -> [String] = { [] },
        staleAfter: Duration = .milliseconds(1500),
        cameraProblem: @escaping @Sendable () -> String? = { nil }, logger: Logger
    ) {
        self.bus = bus
        self.framebuffer = framebuffer
        self.rotation = rotation
        self.mirror = mirror
        self.placement = placement
        self.stats = stats
        self.scene = scene
        self.diagnosticsDetail = diagnosticsDetail
        self.staleAfter = staleAfter
        self.cameraProblem = cameraProblem
        self.logger = logger
    }

    public func run() async throws {
        // The freshest frame matters, not every frame: a queue of one, older frames dropped.
        let frames = bus.subscribe("display", capacity: 1)
        try await cancelWhenGracefulShutdown {
            try await LoopThread.run("mirror-display") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await watchForLostCamera() }
                    try await show(frames)
                    group.cancelAll()
                }
            }
        }
    }

    /// While no frame arrives, shows the camera-lost screen (with its own canvas: the live loop's
    /// belongs to the live loop). The next live frame simply draws over it.
    private func watchForLostCamera() async throws {
        let geometry = framebuffer.geometry
        let renderer = MirrorRenderer(
            width: geometry.width, height: geometry.height, rotation: rotation, mirror: mirror,
            placement: panelPlacement(geometry))
        let started = MonotonicInstant.now()
        var showing = false
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(250))
            let now = MonotonicInstant.now()
            let stale = now.since(stats.lastShown ?? started) > staleAfter
            if stale {
                renderer.draw(
                    .cameraLost(detail: cameraProblem() ?? "The mirror will be back in a moment"), images: [],
                    diagnostics: diagnosticsLines())
                framebuffer.show(renderer.canvas.pixels)
                scene.publish([])
                if !showing { logger.warning("display: no camera frames, showing the reconnecting screen") }
            }
            showing = stale
            stats.setCameraLost(stale)
        }
    }

    /// Where the panel hangs, in millimetres, for a panel of `geometry`'s pixels.
    private func panelPlacement(_ geometry: FramebufferGeometry) -> PanelPlacement? {
        placement.map { given in
            PanelPlacement(
                widthMM: given.widthMM ?? given.heightMM * Double(geometry.width) / Double(geometry.height),
                heightMM: given.heightMM, bottomMM: given.bottomMM)
        }
    }

    /// The staff panel's lines, or nil while it is off.
    private func diagnosticsLines() -> [String]? {
        guard scene.diagnostics else { return nil }
        let summary = stats.summary()
        return [
            String(
                format: "display %.1f fps  p50 %.1f ms  p99 %.1f ms", summary.fps, summary.p50, summary.p99)
        ] + diagnosticsDetail()
    }

    /// The display loop; its decoder and canvas live on this task alone.
    private func show(_ frames: AsyncStream<Frame>) async throws {
        let geometry = framebuffer.geometry
        let renderer = MirrorRenderer(
            width: geometry.width, height: geometry.height, rotation: rotation, mirror: mirror,
            placement: panelPlacement(geometry))
        let decoder = try FrameDecoder()
        let decoded = PixelBuffer()
        renderer.drawMessage("Starting camera", detail: "One moment")
        framebuffer.show(renderer.canvas.pixels)
        logger.info(
            "display ready",
            metadata: [
                "device": "\(framebuffer.name)", "size": "\(geometry.width)x\(geometry.height)",
                "layout": "\(geometry.layout)",
            ])
        var playbackBuffers: [PixelBuffer] = []
        for await frame in frames {
            let started = MonotonicInstant.now()
            let content = scene.current
            var images: [PixelBuffer] = []
            if !content.screen.showsImages {
                // Nothing of the camera shows: no decode at all.
            } else if !content.playback.isEmpty {
                while playbackBuffers.count < content.playback.count { playbackBuffers.append(PixelBuffer()) }
                for (source, buffer) in zip(content.playback, playbackBuffers) {
                    guard let recorded = source.frame(at: started) else { continue }
                    do {
                        try decoder.decode(
                            recorded, into: buffer,
                            scale: renderer.decodeScale(frameWidth: recorded.width, frameHeight: recorded.height))
                        images.append(buffer)
                    } catch {
                        stats.recordDecodeError()
                    }
                }
            } else {
                do {
                    try decoder.decode(
                        frame, into: decoded,
                        scale: renderer.decodeScale(frameWidth: frame.width, frameHeight: frame.height))
                    images = [decoded]
                } catch {
                    stats.recordDecodeError()
                    logger.debug("frame not shown", metadata: ["sequence": "\(frame.sequence)", "error": "\(error)"])
                    continue
                }
            }
            renderer.draw(content.screen, images: images, diagnostics: diagnosticsLines())
            framebuffer.show(renderer.canvas.pixels)
            scene.publish(renderer.canvas.layout)
            let now = MonotonicInstant.now()
            stats.recordShown(latency: now.since(frame.timestamp), compose: now.since(started), at: now)
        }
        renderer.drawMessage("Mirror stopped", detail: "Staff: restart with mirrorctl")
        framebuffer.show(renderer.canvas.pixels)
    }
}
