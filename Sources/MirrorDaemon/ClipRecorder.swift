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
    private let liveSettings: Mutex<DaemonConfig.RecordingSettings>
    var settings: DaemonConfig.RecordingSettings {
        get { liveSettings.withLock { $0 } }
    }

    func apply(_ recording: DaemonConfig.RecordingSettings) { liveSettings.withLock { $0 = recording } }
    let logger: Logger
    private let pending = Mutex<Request?>(nil)
    private let active = Guarded<Active?>(nil)
    private let stopAt = Mutex<MonotonicInstant?>(nil)
    /// Gives the shopper's turn phase for each frame time of a finished clip (set when vision runs).
    let turnPhases = Mutex<(@Sendable ([Double]) -> (complete: Bool, phases: [Float?])?)?>(nil)
    /// Size of the newest camera frame, so a clip's record can be made before its first frame.
    private let lastFrameSize = Mutex<(width: Int, height: Int)?>(nil)
    /// Clip ids by session and clip number.
    private let numbered = Mutex<[String: [Int: String]]>([:])
    private let clipsRecorded: Counter
    private let clipsFailed: Counter
    private let framesWritten: Counter
    private let bytesWritten: Counter
    /// How long profiles fetched from the hub may be kept (nil without a hub).
    let profileCacheAge: TimeInterval?

    init(config: DaemonConfig, bus: FrameBus, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        let state = config.stateDirectory
        do {
            store = try DeviceStore(stateDirectory: state)
            deviceKey = try FileDeviceKey(path: "\(state)/keys/device.key")
        } catch {
            throw DaemonError("recorder: \(error)")
        }
        folder = "\(state)/clips"
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DaemonError("cannot create \(folder): \(error.localizedDescription) (make state_dir writable)")
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
        framesWritten = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_recorder_frames", unitName: "total", helpText: "Frames written into clips."))
        bytesWritten = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_recorder_written_bytes", unitName: "total",
                helpText: "Bytes of clips saved (encrypted, as stored)."))
        try reconcile()
    }

    // MARK: Start-up reconciliation

    /// Makes the disk and the database agree after a crash: partial clips are recovered or removed,
    /// orphan files deleted, rows without a file dropped, sessions left open are ended.
    func reconcile() throws {
        do {
            let ended = try store.endOpenSessions()
            let files = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            let found = try store.reconcile(filesOnDisk: files)
            for file in found.orphanFiles {
                unlink("\(folder)/\(file)")
            }
            if !found.rowsWithoutFile.isEmpty { try store.deleteClips(found.rowsWithoutFile.map(\.id)) }
            var recovered = 0
            var removed = 0
            for clip in found.partialRows {
                let partial = "\(folder)/\(clip.file).partial"
                let path = "\(folder)/\(clip.file)"
                do {
                    let key = try deviceKey.unwrap(Array(clip.wrappedKey))
                    let frames =
                        FileManager.default.fileExists(atPath: partial)
                        ? try EncryptedClip.recover(partial, to: path, key: key) : 0
                    if frames > 0 {
                        try store.markReady(clip.id, frames: frames, bytes: fileSize(path))
                        recovered += 1
                    } else {
                        unlink(partial)
                        try store.deleteClip(clip.id)
                        removed += 1
                    }
                } catch {
                    logger.warning(
                        "clip could not be recovered; removed", metadata: ["clip": "\(clip.id)", "error": "\(error)"])
                    unlink(partial)
                    unlink(path)
                    try store.deleteClip(clip.id)
                    removed += 1
                }
            }
            let summary =
                "sessions ended \(ended.count), clips recovered \(recovered), removed \(removed), "
                + "orphan files \(found.orphanFiles.count), rows without file \(found.rowsWithoutFile.count)"
            if recovered + removed + found.orphanFiles.count + found.rowsWithoutFile.count > 0 {
                try store.audit(actor: .system, action: .reconcile, detail: summary)
                logger.notice("recorder: start-up reconciliation", metadata: ["result": "\(summary)"])
            }
        } catch {
            throw DaemonError("recorder: \(error)")
        }
    }

    // MARK: SessionRecorder

    func recordConsent(session: String, accepted: Bool) throws {
        try consent(.record, granted: accepted, session: session)
    }

    /// The shopper's agreement that staff may export this session's clips.
    func recordShare(session: String) throws {
        try consent(.share, granted: true, session: session)
    }

    func saveLook(session: String, number: Int, loyaltyId: String, garments: [String]) throws -> String {
        guard let clipID = clipID(session: session, number: number) else {
            throw DaemonError("no clip \(number) in this session")
        }
        // Six digits, shown once on the glass; the store keeps it salted and hashed, the log never sees it.
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000))
        try store.saveLook(clipID, loyaltyId: loyaltyId, garments: garments, code: code)
        logger.info("look saved to the shopper's profile", metadata: ["clip": "\(clipID)"])
        return code
    }

    func earlierLooks(session: String, loyaltyId: String) -> Int {
        do {
            return try store.earlierLookCount(loyaltyId: loyaltyId, excludingSession: session)
        } catch {
            logger.error("saved looks not readable", metadata: ["error": "\(error)"])
            return 0
        }
    }

    func openEarlierLook(session: String, loyaltyId: String, code: String) throws -> LookCodeOutcome {
        let outcome = try store.openEarlierLook(loyaltyId: loyaltyId, code: code, excludingSession: session)
        switch outcome {
        case .opened(let look):
            try store.audit(
                actor: .shopper, action: .view, clipID: look.clipID,
                detail: "saved look opened with its code at a later visit")
        case .locked:
            logger.warning("saved look codes locked after wrong tries", metadata: ["session": "\(session)"])
        case .wrong: break
        }
        return outcome
    }

    func pickLook(session: String, look: String, picked: Bool) throws {
        try store.addEvent(
            SessionEventRecord(
                sessionId: session, kind: picked ? .favouriteLook : .unfavouriteLook, sku: nil, detail: look))
    }

    /// Stores a consent decision given on the mirror; the session's row is made on its first decision.
    private func consent(_ kind: ConsentKind, granted: Bool, session: String) throws {
        if try store.session(session) == nil { try store.startSession(id: session) }
        try store.recordConsent(session: session, kind: kind, granted: granted, source: "mirror")
    }

    func start(session: String, number: Int, seconds: Int, finished: @escaping @Sendable (Bool) -> Void) throws {
        guard let size = lastFrameSize.withLock({ $0 }) else {
            throw DaemonError("no camera frames to record")
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

    /// The id of clip `number` of `session`, while the session lasts.
    func clipID(session: String, number: Int) -> String? { numbered.withLock { $0[session]?[number] } }

    /// Clip `id` opened for a share link; nil when it is gone or its shopper did not agree to share it.
    func sharedLook(_ id: String, what: String) -> SharedClip? {
        do {
            guard let clip = try store.clip(id), clip.state == .ready,
                try store.consents(session: clip.sessionId).last(where: { $0.kind == .share })?.granted == true
            else { return nil }
            let key = try deviceKey.unwrap(Array(clip.wrappedKey))
            let reader = try EncryptedClip.open(path: "\(folder)/\(clip.file)", key: key)
            try store.audit(actor: .shopper, action: .export, clipID: id, detail: "share link: \(what) on a phone")
            return SharedClip(reader: reader, scratch: "\(folder)/.share-\(UUID().uuidString).avi")
        } catch {
            logger.error("shared look cannot be opened", metadata: ["clip": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    func playback(session: String, number: Int) -> (any PlayableClip)? {
        guard let clipID = numbered.withLock({ $0[session]?[number] }) else { return nil }
        return playback(clipID: clipID)
    }

    func playback(clipID: String) -> (any PlayableClip)? {
        do {
            guard let clip = try store.clip(clipID), clip.state == .ready else { return nil }
            let key = try deviceKey.unwrap(Array(clip.wrappedKey))
            let reader = try EncryptedClip.open(path: "\(folder)/\(clip.file)", key: key)
            let turn = try store.turn(clip: clipID)
            let alignment = turn.flatMap { $0.complete ? TurnAlignment(phases: $0.phases) : nil }
            try store.audit(actor: .shopper, action: .view, clipID: clipID, detail: "played on the mirror")
            return ClipPlayback(reader: reader, start: .now(), alignment: alignment)
        } catch {
            logger.error("clip cannot be played", metadata: ["clip": "\(clipID)", "error": "\(error)"])
            return nil
        }
    }

    func endSession(_ session: String, erase: Bool) {
        numbered.withLock { _ = $0.removeValue(forKey: session) }
        do {
            guard try store.session(session) != nil else { return }
            try store.endSession(session)
            if erase {
                let clips = try store.clips(session: session)
                try delete(clips, action: .purge, actor: .shopper, detail: "consent withdrawn")
            }
        } catch {
            logger.error("session end not stored", metadata: ["session": "\(session)", "error": "\(error)"])
        }
    }

    // MARK: Recording loop

    func run() async throws {
        let frames = bus.subscribe("recorder", capacity: 120)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.housekeeping() }
            await cancelWhenGracefulShutdown {
                await self.record(frames)
            }
            group.cancelAll()
        }
        // Shutting down mid-clip: keep what was written.
        finishActive(saved: true)
    }

    private func record(_ frames: AsyncStream<Frame>) async {
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

    private func begin(_ request: Request, with preRollFrames: [Frame]) {
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
        write(preRollFrames, encoder: try? JPEGEncoder(), image: PixelBuffer())
        logger.info(
            "clip started",
            metadata: [
                "clip": "\(request.clipID)",
                "pre_roll_frames": "\(preRollFrames.filter { $0.timestamp < request.trigger }.count)",
                "first_sequence": "\(preRollFrames.first.map { String($0.sequence) } ?? "-")",
            ])
    }

    /// Appends frames to the active clip (YUYV encoded to JPEG first); a write error abandons the clip.
    private func write(_ frames: [Frame], encoder: JPEGEncoder?, image: PixelBuffer) {
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
    private func finishActive(saved: Bool, why: String = "") {
        guard
            let clip = active.withLock({ value -> Active? in
                defer { value = nil }
                return value
            })
        else { return }
        let request = clip.request
        let path = "\(folder)/\(request.file)"
        if saved && clip.writer.frameCount > 0 {
            do {
                try clip.writer.finish()
                let bytes = fileSize(path)
                try store.markReady(request.clipID, frames: clip.writer.frameCount, bytes: bytes)
                bytesWritten.increment(by: Int64(bytes))
                if let turn = turnPhases.withLock({ $0 })?(clip.times) {
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

    private func abandon(_ request: Request, why: String) {
        let path = "\(folder)/\(request.file)"
        unlink("\(path).partial")
        unlink(path)
        _ = try? store.deleteClip(request.clipID)
        clipsFailed.increment()
        logger.error("clip abandoned", metadata: ["clip": "\(request.clipID)", "reason": "\(why)"])
        request.finished(false)
    }

    // MARK: Retention

    /// Once a minute: expired clips go, the quota is kept, a camera that stopped mid-clip ends the clip.
    private func housekeeping() async {
        var lastSweep = MonotonicInstant(nanoseconds: 0)
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let now = MonotonicInstant.now()
            let stalled = active.withLock { $0.map { now.since($0.lastFrame) > .seconds(2) } ?? false }
            if stalled { finishActive(saved: true) }
            if now.since(lastSweep) >= .seconds(60) {
                lastSweep = now
                sweep()
            }
        }
    }

    /// Deletes expired clips, then evicts to the quota (audited), and drops cached profiles past their time; a
    /// failure is logged (the next sweep tries again).
    func sweep() {
        do {
            try sweepNow()
        } catch {
            logger.error("retention sweep failed", metadata: ["error": "\(error)"])
        }
    }

    private func sweepNow() throws {
        if let profileCacheAge { try store.purgeProfiles(olderThan: profileCacheAge) }
        let ttl = Duration.seconds(settings.keepHours * 3600)
        // A saved look is never kept for less time than an unsaved clip (saved_days 1 with keep_hours 72).
        let savedTTL = max(Duration.seconds(settings.savedDays * 24 * 3600), ttl)
        let result = try store.sweep(now: try ClockReading.now(), ttl: ttl, savedTTL: savedTTL)
        if let anomaly = result.anomaly {
            try store.audit(actor: .system, action: AuditAction(rawValue: "clock_anomaly"), detail: "\(anomaly)")
            logger.warning("retention: clock not trusted, time not counted", metadata: ["anomaly": "\(anomaly)"])
        }
        let (saved, unsaved) = (result.expired.filter(\.saved), result.expired.filter { !$0.saved })
        try delete(unsaved, action: .expire, actor: .system, detail: "retention \(settings.keepHours) h")
        try delete(
            saved, action: .expire, actor: .system, detail: "saved-look retention \(settings.savedDays) days")
        let used = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).reduce(0) {
            $0 + fileSize("\(folder)/\($1)")
        }
        let quota = settings.quotaMegabytes << 20
        if used > quota {
            let victims = try store.evictionCandidates(bytesOver: used - quota, ttl: ttl)
            try delete(victims, action: .evict, actor: .system, detail: "quota \(settings.quotaMegabytes) MB")
        }
    }

    /// Removes the files of clips the store crypto-shredded (their shopper was erased at head office), and stops
    /// a recording of one of them.
    func removeShredded(_ clips: [ShreddedClip]) {
        guard !clips.isEmpty else { return }
        let ids = Set(clips.map(\.id))
        if active.withLock({ $0.map { ids.contains($0.request.clipID) } ?? false }) {
            finishActive(saved: false, why: "its shopper was erased at head office")
        }
        for clip in clips {
            unlink("\(folder)/\(clip.file)")
            unlink("\(folder)/\(clip.file).partial")
        }
        logger.notice("clips of a shopper erased at head office shredded", metadata: ["count": "\(clips.count)"])
    }

    /// Purges clips on request: expired ones (a sweep) or every clip of ended sessions.
    func purge(all: Bool) throws -> Int {
        guard all else {
            let before = try store.clipCount()
            try sweepNow()
            return before - (try store.clipCount())
        }
        let open = Set(numbered.withLock { Array($0.keys) })
        let clips = try store.clips().filter { !open.contains($0.sessionId) }
        try delete(clips, action: .purge, actor: .staff, detail: "mirrorctl clips purge --all")
        return clips.count
    }

    /// Deletes files, then rows (with them the wrapped keys: crypto-shred), and audits each clip.
    func delete(_ clips: [ClipRecord], action: AuditAction, actor: AuditActor, detail: String) throws {
        guard !clips.isEmpty else { return }
        for clip in clips {
            unlink("\(folder)/\(clip.file)")
            unlink("\(folder)/\(clip.file).partial")
        }
        try store.deleteClips(clips.map(\.id))
        for clip in clips { try store.audit(actor: actor, action: action, clipID: clip.id, detail: detail) }
        logger.info("clips deleted", metadata: ["count": "\(clips.count)", "why": "\(action.rawValue)"])
    }

    /// Writes clip `id` as a plain MJPEG AVI at `path`; refused without the shopper's share consent.
    func export(_ id: String, to path: String) throws -> Int {
        guard let clip = try store.clip(id) else { throw ClipNotFound(id: id) }
        let shared = try store.consents(session: clip.sessionId).last { $0.kind == .share }?.granted ?? false
        guard shared else {
            try store.audit(actor: .staff, action: .export, clipID: id, detail: "refused: no share consent")
            throw DaemonError("the shopper has not agreed to share clip \(id); it cannot be exported")
        }
        let key = try deviceKey.unwrap(Array(clip.wrappedKey))
        let frames = try EncryptedClip.export("\(folder)/\(clip.file)", key: key, to: path)
        try store.audit(actor: .staff, action: .export, clipID: id, detail: "\(frames) frames")
        return frames
    }
}

/// A clip played on the panel: the frame for the moment asked, looping, at 1× or 0.5×, scrubbable.
final class ClipPlayback: PlayableClip {
    struct State {
        let player: ClipPlayer
        var clock: PlaybackClock
        var start: MonotonicInstant
        /// Playing by turn phase (side by side): one turn's seconds, and the phase at `start`.
        var period: Double?
        var phaseOffset: Float = 0

        /// The frame to show at `now`: by turn phase when aligned, else by the clip's own clock.
        func index(at now: MonotonicInstant, alignment: TurnAlignment?) -> Int {
            if let alignment, let period {
                return alignment.frame(atPhase: phase(at: now, period: period))
            }
            return clock.frameIndex(at: now.since(start))
        }

        func phase(at now: MonotonicInstant, period: Double) -> Float {
            TurnAlignment.phase(at: now.since(start), offset: phaseOffset, period: period, speed: clock.speed)
        }
    }

    let width: Int
    let height: Int
    let alignment: TurnAlignment?
    private let state: Guarded<State>

    init(reader: AVIReader, start: MonotonicInstant, alignment: TurnAlignment? = nil) {
        width = reader.width
        height = reader.height
        self.alignment = alignment
        let player = ClipPlayer(reader: reader)
        state = Guarded(State(player: player, clock: player.clock(), start: start))
    }

    var turnSeconds: Double? {
        state.withLock { s in alignment.map { $0.turnSeconds(fps: s.clock.fps) } }
    }

    func align(period: Double, at now: MonotonicInstant) {
        guard alignment != nil, period > 0 else { return }
        state.withLock { s in
            s.period = period
            s.phaseOffset = 0
            s.start = now
        }
    }

    func frame(at now: MonotonicInstant) -> Frame? {
        state.withLock { s -> Frame? in
            let index = s.index(at: now, alignment: alignment)
            guard let bytes = try? s.player.frame(index) else { return nil }
            return Frame(
                sequence: UInt64(index), timestamp: now, format: .mjpeg, width: width, height: height,
                bytes: FrameBytes(bytes))
        }
    }

    func position(at now: MonotonicInstant) -> Double {
        state.withLock { s in
            if let period = s.period { return Double(s.phase(at: now, period: period)) }
            let count = max(s.player.frameCount - 1, 1)
            return Double(s.clock.frameIndex(at: now.since(s.start))) / Double(count)
        }
    }

    func setSlowMotion(_ slow: Bool, at now: MonotonicInstant) {
        state.withLock { s in
            if let period = s.period { s.phaseOffset = s.phase(at: now, period: period) }
            s.clock.rebase(at: now.since(s.start))
            s.start = now
            s.clock.speed = slow ? 0.5 : 1
        }
    }

    func scrub(by fraction: Double, at now: MonotonicInstant) {
        state.withLock { s in
            if let period = s.period {
                // Aligned looks share a scrub: the phase moves by the same fraction of a turn.
                let phase = Double(s.phase(at: now, period: period)) + fraction
                s.phaseOffset = Float(phase - phase.rounded(.down))
                s.start = now
                return
            }
            let frames = Int((fraction * Double(s.player.frameCount)).rounded())
            s.clock.scrub(byFrames: frames, from: now.since(s.start))
            s.start = now
        }
    }
}

func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}

/// A value of a non-Sendable type (a clip writer or player) reachable from several tasks, only
/// ever touched under its lock. `Mutex` cannot hold it: its closures must not let the value escape
/// the lock's region, which the compiler cannot prove for class instances created elsewhere.
final class Guarded<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
