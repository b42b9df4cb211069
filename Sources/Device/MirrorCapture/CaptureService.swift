public import Logging
public import MirrorAPIModel
public import MirrorCore
public import MirrorImaging
public import Prometheus
public import ServiceLifecycle
import Synchronization

/// What capture has done so far, read by status and metrics.
public final class CaptureStats: Sendable {
    public enum State: String, Sendable {
        case starting, streaming, reconnecting, stopped
    }

    private struct Values {
        var state = State.starting
        var format: StreamFormat?
        var captured: UInt64 = 0
        var dropped: UInt64 = 0
        var corrupt: UInt64 = 0
        var reconnects: UInt64 = 0
        var lastSequence: UInt64?
        var lastError: String?
        var rate = RateMeter()
        /// When the stream last opened, and when a frame (whole or not) last came out of it.
        var streamingSince = MonotonicInstant.now()
        var lastFrameAt: MonotonicInstant?
        /// When a frame was last passed on (whole, and masked when masks are set).
        var lastGoodFrameAt: MonotonicInstant?
        /// Whether this stream's first frame that could not be decoded or masked was reported, and why it was
        /// refused.
        var refusalReported = false
        var refusal: String?
    }

    private let values = Mutex(Values())
    private let framesTotal: Counter
    private let droppedTotal: Counter
    private let corruptTotal: Counter
    private let reconnectsTotal: Counter
    private let fpsGauge: Gauge

    public init(registry: PrometheusCollectorRegistry) {
        framesTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_capture_frames", unitName: "total", helpText: "Frames received from the camera."))
        droppedTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_capture_dropped_frames", unitName: "total",
                helpText: "Frames the camera skipped (sequence gaps)."))
        corruptTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_capture_corrupt_frames", unitName: "total",
                helpText: "Frames discarded because they failed validation."))
        reconnectsTotal = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_capture_reconnects", unitName: "total",
                helpText: "Times the camera was reopened after a failure."))
        fpsGauge = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_capture_frames", unitName: "per_second",
                helpText: "Camera frame rate over the last two seconds."))
    }

    func set(_ state: State, format: StreamFormat? = nil) {
        values.withLock {
            $0.state = state
            if state == .streaming {
                $0.streamingSince = .now()
                $0.refusalReported = false
                $0.refusal = nil
            }
            if let format {
                $0.format = format
                $0.lastSequence = nil
            }
        }
    }

    /// Counts a frame and any gap before it; a corrupt frame is counted apart and never published.
    func record(_ frame: Frame, corrupt: Bool = false) {
        let (gap, fps) = values.withLock { v -> (UInt64, Double) in
            var gap: UInt64 = 0
            if let last = v.lastSequence, frame.sequence > last + 1 { gap = frame.sequence - last - 1 }
            v.lastSequence = frame.sequence
            v.lastFrameAt = .now()
            v.dropped += gap
            if corrupt {
                v.corrupt += 1
            } else {
                v.captured += 1
                v.lastGoodFrameAt = v.lastFrameAt
                v.rate.record(frame.timestamp)
            }
            return (gap, v.rate.rate(at: frame.timestamp))
        }
        if gap > 0 { droppedTotal.increment(by: Int64(gap)) }
        if corrupt {
            corruptTotal.increment()
        } else {
            framesTotal.increment()
            fpsGauge.set(fps)
        }
    }

    func recordReconnect() {
        values.withLock { $0.reconnects += 1 }
        reconnectsTotal.increment()
    }

    /// The camera part of the status report.
    public func report(device: String) -> StatusReport.Camera {
        var camera = values.withLock { v in
            StatusReport.Camera(
                state: v.state.rawValue, device: device, format: v.format?.format.fourcc ?? "-",
                width: v.format?.width ?? 0, height: v.format?.height ?? 0,
                fps: (v.rate.rate(at: .now()) * 10).rounded() / 10,
                framesCaptured: v.captured, framesDropped: v.dropped, framesCorrupt: v.corrupt)
        }
        camera.problem = unusable()
        return camera
    }

    public var state: State { values.withLock { $0.state } }

    /// Why capture counts as stuck: the stream is open but no frame has come out of it for `limit`. A camera
    /// that stops sending is reopened well before (its stall timeout), so this means the capture thread
    /// itself is blocked (e.g. inside a driver call), which a restart of the daemon mends.
    public func stalled(limit: Duration = .seconds(5), now: MonotonicInstant = .now()) -> String? {
        values.withLock { v in
            guard v.state == .streaming, now.since(v.lastFrameAt ?? v.streamingSince) > limit else { return nil }
            return "capture: no frame for over \(limit) while streaming (the capture thread may be blocked)"
        }
    }
    /// Frames come but every one is dropped (damaged, or it cannot be masked): a camera problem to report, not a
    /// blocked thread a restart would mend. Nil while frames are passed on, or none come at all.
    public func unusable(limit: Duration = .seconds(5), now: MonotonicInstant = .now()) -> String? {
        values.withLock { v in
            guard v.state == .streaming, let last = v.lastFrameAt, now.since(last) <= limit,
                now.since(v.lastGoodFrameAt.map { max($0, v.streamingSince) } ?? v.streamingSince) > limit
            else { return nil }
            return "camera: every frame dropped for over \(limit) (\(v.refusal ?? "damaged, or it cannot be masked"))"
        }
    }

    /// True the first time in a stream that a frame was refused (it cannot be decoded or masked: to say so once,
    /// loudly); `why` is kept for health and status.
    func firstRefusal(_ why: String) -> Bool {
        values.withLock { v in
            defer {
                v.refusalReported = true
                v.refusal = why
            }
            return !v.refusalReported
        }
    }

    /// Whether frames are being passed on to the display, recording and recognition.
    public func delivering(limit: Duration = .seconds(5), now: MonotonicInstant = .now()) -> Bool {
        values.withLock { v in
            v.state == .streaming && v.lastGoodFrameAt.map { now.since($0) <= limit } ?? false
        }
    }

    /// The last failure, in a few words, while reconnecting.
    public var lastError: String? { values.withLock { $0.lastError } }

    func setError(_ text: String?) { values.withLock { $0.lastError = text } }
    public var reconnects: UInt64 { values.withLock { $0.reconnects } }
    public var captured: UInt64 { values.withLock { $0.captured } }
}

/// Runs a ``CaptureDevice`` and publishes its frames on the ``FrameBus``; reopens it with backoff
/// when it fails (an unplugged camera), until the daemon shuts down.
public struct CaptureService: Service {
    let device: any CaptureDevice
    let bus: FrameBus
    let stats: CaptureStats
    let logger: Logger
    /// Blacks out the profile's privacy zones before the frame is published; nil when there are none.
    let masker: PrivacyMasker?

    public init(
        device: any CaptureDevice, bus: FrameBus, stats: CaptureStats, logger: Logger, masker: PrivacyMasker? = nil
    ) {
        self.device = device
        self.bus = bus
        self.stats = stats
        self.logger = logger
        self.masker = masker
    }

    /// Why a well-formed JPEG cannot be shown, or nil: the decoders take greyscale and YCbCr (1 or 3 components), at
    /// the size the stream was opened with.
    static func undecodable(_ info: JPEGInfo, frame: Frame) -> String? {
        if let coding = info.unsupportedCoding {
            return "\(coding) frames, which the decoder cannot read; set the camera to baseline MJPEG"
        }
        guard info.components == 1 || info.components == 3 else {
            return "\(info.components) colour components (CMYK or similar); set the camera to YCbCr MJPEG"
        }
        guard info.width <= 8192, info.height <= 8192 else {
            return "frame header says \(info.width)x\(info.height), larger than any camera sends"
        }
        guard info.width == frame.width, info.height == frame.height else {
            return "frame header says \(info.width)x\(info.height) in a \(frame.width)x\(frame.height) stream"
        }
        return nil
    }

    public func run() async throws {
        defer {
            stats.set(.stopped)
            bus.finish()
        }
        await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(250)
            while !Task.isCancelled {
                do {
                    try await device.stream(
                        opened: { format in
                            stats.set(.streaming, format: format)
                            stats.setError(nil)
                            logger.info(
                                "camera streaming",
                                metadata: [
                                    "device": "\(device.name)", "format": "\(format.format.fourcc)",
                                    "size": "\(format.width)x\(format.height)", "fps": "\(format.fps)",
                                ])
                        },
                        deliver: { frame in
                            var frame = frame
                            if frame.format == .mjpeg {
                                // Never pass an unchecked JPEG on; trim driver padding after EOI.
                                switch frame.bytes.withUnsafeBytes({ JPEGMarkers.inspect($0) }) {
                                case .success(let info):
                                    if let problem = Self.undecodable(info, frame: frame) {
                                        // Well-formed but never shown (a CMYK camera, a header claiming 65535x65535):
                                        // dropped as corrupt, said once, and a camera problem after 5 s, so the
                                        // display is not blamed and the watchdog stays fed (a restart would not help).
                                        stats.record(frame, corrupt: true)
                                        if stats.firstRefusal(problem) {
                                            logger.error(
                                                "camera frames cannot be decoded; dropped (so is every such frame)",
                                                metadata: ["device": "\(device.name)", "problem": "\(problem)"])
                                        }
                                        return
                                    }
                                    frame.bytes = frame.bytes.prefix(info.length)
                                case .failure:
                                    stats.record(frame, corrupt: true)
                                    return
                                }
                            }
                            if let masker {
                                do {
                                    frame = try masker.apply(frame)
                                } catch {
                                    // Unmaskable means unseen: the frame is dropped like a corrupt one. Said once
                                    // per stream at error level: a camera whose every frame is refused shows
                                    // nothing and records nothing until its format is fixed.
                                    stats.record(frame, corrupt: true)
                                    if stats.firstRefusal("a frame cannot be masked: \(error)") {
                                        logger.error(
                                            "camera frame cannot be masked; dropped (so is every such frame)",
                                            metadata: ["device": "\(device.name)", "error": "\(error)"])
                                    } else {
                                        logger.debug("frame not masked; dropped", metadata: ["error": "\(error)"])
                                    }
                                    return
                                }
                            }
                            stats.record(frame)
                            bus.publish(frame)
                        })
                    if !Task.isCancelled { logger.info("camera stream ended", metadata: ["device": "\(device.name)"]) }
                    return
                } catch {
                    if stats.state == .streaming { backoff = .milliseconds(250) }
                    stats.set(.reconnecting)
                    stats.setError(
                        (error as? CaptureError).map { $0.code == .notFound ? "unplugged" : $0.code.rawValue })
                    stats.recordReconnect()
                    logger.warning(
                        "camera failed; reopening",
                        metadata: [
                            "device": "\(device.name)", "error": "\(error)",
                            "retry_in": "\(backoff)",
                        ])
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
            }
        }
    }
}
