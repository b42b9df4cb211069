import Crypto
import Foundation
import Logging
import MirrorAPI
import MirrorConfig
import MirrorCore
import MirrorImaging
import MirrorRecorder
import MirrorStore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Records the shopper's clips from the frame bus: pre-roll from a ring of compressed frames, MJPEG
/// written as it came from the camera (YUYV encoded here, never on the capture thread), encrypted per
/// clip, registered in the device store only with consent; plays them back; ages them out.
final class ClipRecorder: SessionRecorder, Service {
    struct Request: Sendable {
        var session: String
        var number: Int
        var clipID: String
        var file: String
        var key: SymmetricKey
        var trigger: MonotonicInstant
        var end: MonotonicInstant
        var finished: @Sendable (Bool) -> Void
    }

    /// The clip being written; touched by the frame loop and the stall watchdog under one lock.
    final class Active {
        let request: Request
        let writer: AVIWriter
        var end: MonotonicInstant
        var lastFlush: MonotonicInstant
        var lastFrame: MonotonicInstant
        /// Capture time of each frame written, in seconds, for the turn phases.
        var times: [Double] = []

        init(request: Request, writer: AVIWriter, now: MonotonicInstant) {
            self.request = request
            self.writer = writer
            end = request.end
            lastFlush = now
            lastFrame = now
        }
    }

    let store: DeviceStore
    let deviceKey: FileDeviceKey
    let folder: String
    let bus: FrameBus
    let preRoll: Duration
    let fps: Double
    /// Clip length, retention and quota; a configuration reload changes them in place (the pre-roll ring keeps
    /// the size it started with).
    let liveSettings: Mutex<DaemonConfig.RecordingSettings>
    var settings: DaemonConfig.RecordingSettings {
        get { liveSettings.withLock { $0 } }
    }

    func apply(_ recording: DaemonConfig.RecordingSettings) { liveSettings.withLock { $0 = recording } }
    let logger: Logger
    let pending = Mutex<Request?>(nil)
    let active = Guarded<Active?>(nil)
    let stopAt = Mutex<MonotonicInstant?>(nil)
    /// Gives the shopper's turn phase for each frame time of a finished clip (set when vision runs).
    let turnPhases = Mutex<(@Sendable ([Double]) -> (complete: Bool, phases: [Float?])?)?>(nil)
    /// Whether the shopper was in view at each frame time, nil where not known (set when vision runs).
    let presence = Mutex<(@Sendable ([Double]) -> [Bool?])?>(nil)
    /// Size of the newest camera frame, so a clip's record can be made before its first frame.
    let lastFrameSize = Mutex<(width: Int, height: Int)?>(nil)
    /// Clip ids by session and clip number.
    let numbered = Mutex<[String: [Int: String]]>([:])
    let clipsRecorded: Counter
    let clipsFailed: Counter
    /// Clips that kept nothing after the tap (the recorder fell behind the camera and its frames were dropped).
    let clipsPreRollOnly: Counter
    /// Frames left out of clips because nobody was in view (the pre-roll before the shopper stepped in, the end
    /// after they left).
    let framesTrimmed: Counter
    let framesWritten: Counter
    let bytesWritten: Counter
    /// How long profiles fetched from the hub may be kept (nil without a hub).
    let profileCacheAge: TimeInterval?

    init(config: DaemonConfig, bus: FrameBus, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        let state = config.stateDirectory
        do {
            store = try DeviceStore(stateDirectory: state)
            deviceKey = try FileDeviceKey(path: "\(state)/keys/device.key")
        } catch {
            throw DaemonError(.cannotStart, "recorder: \(error)")
        }
        folder = "\(state)/clips"
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DaemonError(
                .cannotStart, "cannot create \(folder): \(error.localizedDescription) (make state_dir writable)")
        }
        self.bus = bus
        liveSettings = Mutex(config.recording)
        preRoll = .milliseconds(Int(config.recording.preRollSeconds * 1000))
        fps = config.profile.camera.fps
        profileCacheAge = config.hub.map { TimeInterval($0.profileCacheHours) * 3600 }
        self.logger = logger
        clipsRecorded = registry.makeCounter(
            descriptor: .init(metricName: "mirror_clips_recorded", unitName: "total", helpText: "Clips recorded."))
        clipsFailed = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_clips_failed", unitName: "total",
                helpText: "Clips abandoned (no frames, disk errors); nothing of them is kept."))
        clipsPreRollOnly = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_clips_preroll_only", unitName: "total",
                helpText:
                    "Clips abandoned because nothing after the shopper's tap reached the recorder (it fell behind)."))
        framesTrimmed = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_clip_frames_trimmed", unitName: "total",
                helpText: "Frames left out of clips because nobody was in view (before the shopper or after)."))
        framesWritten = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_recorder_frames", unitName: "total", helpText: "Frames written into clips."))
        bytesWritten = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_recorder_written_bytes", unitName: "total",
                helpText: "Bytes of clips saved (encrypted, as stored)."))
        try reconcile()
    }

    func start(session: String, number: Int, seconds: Int, finished: @escaping @Sendable (Bool) -> Void) throws {
        guard let size = lastFrameSize.withLock({ $0 }) else {
            throw DaemonError(.notReady, "no camera frames to record")
        }
        let key = EncryptedClip.newKey()
        let wrapped = try deviceKey.wrap(key)
        let clipID = UUID().uuidString.lowercased()
        let file = "\(clipID).mclip"
        // The privacy gate: the store refuses a clip without this session's recording consent.
        try store.insertClip(
            id: clipID, session: session, file: file, wrappedKey: Data(wrapped), width: size.width,
            height: size.height, fps: fps)
        numbered.withLock { $0[session, default: [:]][number] = clipID }
        let now = MonotonicInstant.now()
        stopAt.withLock { $0 = nil }
        pending.withLock {
            $0 = Request(
                session: session, number: number, clipID: clipID, file: file, key: key, trigger: now,
                end: now.advanced(by: .seconds(seconds)), finished: finished)
        }
        logger.info("recording", metadata: ["clip": "\(clipID)", "seconds": "\(seconds)"])
    }

    /// Ends the clip after the post-roll (`recording.post_roll_seconds`).
    func stop() {
        let end = MonotonicInstant.now().advanced(by: .milliseconds(Int(settings.postRollSeconds * 1000)))
        stopAt.withLock { $0 = end }
    }

    // MARK: Recording loop

    func run() async throws {
        let frames = bus.subscribe("recorder", capacity: 120)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.housekeeping() }
            await cancelWhenGracefulShutdown {
                await LoopThread.run("mirror-recorder") { await self.record(frames) }
            }
            group.cancelAll()
        }
        // Shutting down mid-clip: keep what was written.
        finishActive(saved: true)
    }

    func record(_ frames: AsyncStream<Frame>) async {
        var ring = PreRollBuffer(duration: preRoll + .milliseconds(500))
        let encoder = try? JPEGEncoder()
        let image = PixelBuffer()
        for await frame in frames {
            ring.append(frame)
            lastFrameSize.withLock { $0 = (frame.width, frame.height) }
            if let request = pending.withLock({ value -> Request? in
                defer { value = nil }
                return value
            }) {
                begin(request, with: ring.frames(since: request.trigger.advanced(by: .zero - preRoll)))
            } else {
                write([frame], encoder: encoder, image: image)
            }
            if let stop = stopAt.withLock({ $0 }) {
                active.withLock { $0.map { $0.end = min($0.end, stop) } }
            }
            let done = active.withLock { $0.map { frame.timestamp >= $0.end } ?? false }
            if done { finishActive(saved: true) }
        }
    }

    func begin(_ request: Request, with preRollFrames: [Frame]) {
        finishActive(saved: true)
        let path = "\(folder)/\(request.file)"
        guard let size = preRollFrames.last.map({ ($0.width, $0.height) }) ?? lastFrameSize.withLock({ $0 }) else {
            abandon(request, why: "no frames")
            return
        }
        do {
            let writer = try EncryptedClip.create(
                path: path, width: size.0, height: size.1, fps: fps, key: request.key)
            active.withLock { $0 = Active(request: request, writer: writer, now: .now()) }
        } catch {
            abandon(request, why: "\(error)")
            return
        }
        // The pre-roll from the first frame with the shopper in view (or not known to be out of it).
        let inView = inView(at: preRollFrames.map { Double($0.timestamp.nanoseconds) / 1e9 })
        let from =
            preRollFrames.indices.first { inView[$0] != false || preRollFrames[$0].timestamp >= request.trigger }
            ?? preRollFrames.count
        framesTrimmed.increment(by: Int64(from))
        let kept = preRollFrames[from...]
        write(Array(kept), encoder: try? JPEGEncoder(), image: PixelBuffer())
        logger.info(
            "clip started",
            metadata: [
                "clip": "\(request.clipID)",
                "pre_roll_frames": "\(kept.filter { $0.timestamp < request.trigger }.count)",
                "pre_roll_trimmed": "\(from)",
                "first_sequence": "\(preRollFrames.first.map { String($0.sequence) } ?? "-")",
            ])
    }

    /// Appends frames to the active clip (YUYV encoded to JPEG first); a write error abandons the clip.
    func write(_ frames: [Frame], encoder: JPEGEncoder?, image: PixelBuffer) {
        let failure = active.withLock { active -> String? in
            guard let active else { return nil }
            do {
                for frame in frames where frame.timestamp <= active.end {
                    switch frame.format {
                    case .mjpeg:
                        let writer = active.writer
                        try frame.bytes.withUnsafeBytes { bytes in try writer.append(bytes) }
                    case .yuyv:
                        guard let encoder else { return "no JPEG encoder" }
                        try frame.bytes.withUnsafeBytes { bytes in
                            try YUYV.convert(
                                bytes, width: frame.width, height: frame.height, stride: frame.stride, into: image)
                        }
                        try active.writer.append(try encoder.encode(image, quality: 85))
                    }
                    framesWritten.increment()
                    active.lastFrame = .now()
                    active.times.append(Double(frame.timestamp.nanoseconds) / 1e9)
                }
                // At most about a second of frames sits in memory: a crash loses no more.
                let now = MonotonicInstant.now()
                if now.since(active.lastFlush) >= .seconds(1) {
                    try active.writer.flush()
                    active.lastFlush = now
                }
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let failure { finishActive(saved: false, why: failure) }
    }

    /// Closes the active clip: finished and registered, or removed with its record.
    func finishActive(saved: Bool, why: String = "") {
        guard
            let clip = active.withLock({ value -> Active? in
                defer { value = nil }
                return value
            })
        else { return }
        let request = clip.request
        let path = "\(folder)/\(request.file)"
        // A clip of the pre-roll alone is not the look the shopper turned in: abandoned, counted, and the session
        // says so, never saved as a look.
        if saved, clip.writer.frameCount > 0, !Self.coversTheTurn(times: clip.times, trigger: request.trigger) {
            clipsPreRollOnly.increment()
            abandon(request, why: "only the pre-roll reached the recorder: it fell behind the camera")
            return
        }
        if saved && clip.writer.frameCount > 0 {
            do {
                // Ends where the shopper was last in view (``ClipTrim``).
                let keep = ClipTrim.kept(inView: inView(at: clip.times))
                framesTrimmed.increment(by: Int64(clip.times.count - keep.count))
                try clip.writer.finish(keeping: keep)
                let bytes = fileSize(path)
                try store.markReady(request.clipID, frames: keep.count, bytes: bytes)
                bytesWritten.increment(by: Int64(bytes))
                if let turn = turnPhases.withLock({ $0 })?(Array(clip.times[keep])) {
                    try store.setTurn(clip: request.clipID, complete: turn.complete, phases: turn.phases)
                }
                clipsRecorded.increment()
                logger.info(
                    "clip saved", metadata: ["clip": "\(request.clipID)", "frames": "\(clip.writer.frameCount)"])
                request.finished(true)
                return
            } catch {
                abandon(request, why: "\(error)")
                return
            }
        }
        abandon(request, why: why.isEmpty ? "no frames" : why)
    }

    /// Whether the shopper was in view at each of `times`, nil where vision does not know.
    func inView(at times: [Double]) -> [Bool?] {
        presence.withLock { $0 }?(times) ?? times.map { _ in nil }
    }

    /// Whether a clip's frames (capture times in seconds) hold anything from the tap on: the pre-roll alone does not.
    static func coversTheTurn(times: [Double], trigger: MonotonicInstant) -> Bool {
        let tap = Double(trigger.nanoseconds) / 1e9
        return times.contains { $0 >= tap }
    }

    func abandon(_ request: Request, why: String) {
        let path = "\(folder)/\(request.file)"
        unlink("\(path).partial")
        unlink(path)
        _ = try? store.deleteClip(request.clipID)
        clipsFailed.increment()
        logger.error("clip abandoned", metadata: ["clip": "\(request.clipID)", "reason": "\(why)"])
        request.finished(false)
    }

}
