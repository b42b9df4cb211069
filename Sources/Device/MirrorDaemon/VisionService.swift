import Crypto
import Foundation
import Logging
import MirrorAPIModel
import MirrorConfig
import MirrorCore
import MirrorImaging
import MirrorRecorder
import MirrorVision
import Prometheus
import ServiceLifecycle
import Synchronization

/// The recognition core in the daemon: takes the newest camera frame a few times a second, finds the
/// shopper against the calibrated empty view, recognises their garments, votes over the session, and
/// tells the session controller when someone arrives or has left.
///
/// Frames come from its own bus subscription of two (drop-oldest), so a slow analysis never holds up
/// capture or display; a frame that fails to decode or analyse is skipped and counted, never fatal.
final class VisionService: Service, Sendable {
    /// Analyses in a row that must see a person before a session starts (one shadow is not a shopper).
    static let arrivalFrames = 2
    /// How long the view must stay empty before the session ends and is purged.
    static let departure: Duration = .seconds(20)

    struct Snapshot {
        var present = false
        var person: NormalizedBox?
        var current: [GarmentObservation] = []
        var session: [GarmentObservation] = []
        var framesAnalysed: UInt64 = 0
        var lastMilliseconds = 0.0
        var problem: String?
        var catalogItems = 0
        var calibrated = false
    }

    private struct Calibration {
        var id = UUID()
        var wanted: Int
        var frames: [PixelBuffer] = []
        var done: CheckedContinuation<Void, any Error>?
    }

    let settings: DaemonConfig.VisionSettings
    let cameraFPS: Double
    let model: VisionModel
    let bus: FrameBus
    let controller: SessionController
    let folder: String
    let logger: Logger
    private let analyzer: Guarded<GarmentAnalyzer>
    private let snapshot = Mutex(Snapshot())
    private let calibration = Guarded<Calibration?>(nil)
    /// The shopper's turn during the current (or last) recording.
    private let turn = Mutex(TurnTracker())
    /// Whether the shopper was in view at the frames looked at, for trimming clips to them.
    private let presenceLog = Mutex(PresenceLog())
    private let analysed: Counter
    private let failed: Counter
    private let seconds: DurationHistogram
    /// When the analysis loop last took a frame off the bus, for the stuck-service check.
    private let lastFrame = Mutex<MonotonicInstant?>(nil)
    private let presentGauge: Gauge

    /// Loads the model (checked against its manifest) and the saved background; throws when the model
    /// cannot be used, which stops the daemon with the reason.
    init(
        settings: DaemonConfig.VisionSettings, cameraFPS: Double, stateDirectory: String, bus: FrameBus,
        controller: SessionController, registry: PrometheusCollectorRegistry, logger: Logger
    ) throws {
        self.settings = settings
        self.cameraFPS = cameraFPS
        self.bus = bus
        self.controller = controller
        self.logger = logger
        folder = "\(stateDirectory)/vision"
        do {
            model = try VisionModel.load(manifest: settings.manifest)
            analyzer = Guarded(try GarmentAnalyzer(model: model, threads: settings.threads))
        } catch {
            throw DaemonError(.cannotStart, "vision: \(error)")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonError(
                .cannotStart, "cannot create \(folder): \(error.localizedDescription) (make state_dir writable)")
        }
        analysed = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_vision_frames_analysed", unitName: "total",
                helpText: "Frames the vision core analysed."))
        failed = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_vision_frames_failed", unitName: "total",
                helpText: "Frames the vision core could not decode or analyse (skipped)."))
        seconds = registry.makeDurationHistogram(
            descriptor: .init(
                metricName: "mirror_vision_analysis", unitName: "seconds",
                helpText: "Time one frame's analysis takes (decode, presence, every garment region's inference)."),
            buckets: [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
            ])
        presentGauge = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_vision_person_present", unitName: "",
                helpText: "1 while the camera sees a person, else 0."))
        restoreBackground()
    }

    private var backgroundPath: String { "\(folder)/background.bin" }

    private func restoreBackground() {
        guard let data = FileManager.default.contents(atPath: backgroundPath) else {
            snapshot.withLock {
                $0.problem = "not calibrated: run mirrorctl calibrate with the fitting-room area empty"
            }
            return
        }
        do {
            let background = try BackgroundModel.restore([UInt8](data))
            analyzer.withLock { $0.background = background }
            snapshot.withLock { $0.calibrated = true }
        } catch {
            logger.warning("saved background unusable; calibrate again", metadata: ["error": "\(error)"])
            snapshot.withLock { $0.problem = "saved calibration unusable (\(error)): run mirrorctl calibrate" }
        }
    }

    /// Learns the empty view from the next `frames` camera frames (the API waits for it); gives up when
    /// the camera sends too few frames in time.
    func calibrate(frames: Int) async throws {
        let request = Calibration(wanted: frames, done: nil)
        let limit = Duration.seconds(3) + .milliseconds(Int(Double(frames) * 2000 / max(1, cameraFPS)))
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            var request = request
            request.done = done
            let previous = calibration.withLock { pending -> Calibration? in
                defer { pending = request }
                return pending
            }
            previous?.done?.resume(throwing: DaemonError(.notReady, "calibration replaced by a newer request"))
            let id = request.id
            Task { [calibration] in
                try? await Task.sleep(for: limit)
                let expired = calibration.withLock { pending -> Calibration? in
                    guard pending?.id == id else { return nil }
                    defer { pending = nil }
                    return pending
                }
                expired?.done?.resume(
                    throwing: DaemonError(
                        .notReady, "calibration got \(expired?.frames.count ?? 0) of \(frames) camera frames in time"))
            }
        }
    }

    /// A problem line when frames are reaching the bus (`cameraStreaming`) but the analysis loop has taken
    /// none for `limit`: the loop is stuck.
    func stuck(cameraStreaming: Bool, since started: MonotonicInstant, limit: Duration = .seconds(30)) -> String? {
        guard cameraStreaming else { return nil }
        let now = MonotonicInstant.now()
        let last = lastFrame.withLock { $0 } ?? started
        return now.since(last) > limit ? "vision: no frame taken for over \(limit.components.seconds) s" : nil
    }

    func report() -> VisionReport {
        let s = snapshot.withLock { $0 }
        return VisionReport(
            enabled: true, problem: s.problem, model: "\(model.name) sha256:\(model.sha256.prefix(12))",
            threads: settings.threads, calibrated: s.calibrated, present: s.present, person: s.person,
            catalogItems: s.catalogItems, framesAnalysed: s.framesAnalysed,
            lastAnalysisMilliseconds: s.lastMilliseconds,
            current: s.current, session: s.session)
    }

    func run() async throws {
        let frames = bus.subscribe("vision", capacity: 2)
        await loadCatalog()
        await cancelWhenGracefulShutdown {
            await LoopThread.run("mirror-vision") { await self.analyse(frames) }
        }
        calibration.withLock { $0?.done?.resume(throwing: DaemonError(.notReady, "mirrord is stopping")) }
    }

    private func analyse(_ frames: AsyncStream<Frame>) async {
        guard let decoder = try? FrameDecoder() else { return }
        let image = PixelBuffer()
        let interval = Duration.milliseconds(Int(1000 / settings.analysisFPS))
        var next = MonotonicInstant.now()
        var seen = 0
        var lastSeen = MonotonicInstant.now()
        var vote = TemporalVote()
        var session: String?
        var recording = false
        for await frame in frames {
            let calibrating = calibration.withLock { $0 != nil }
            let now = MonotonicInstant.now()
            lastFrame.withLock { $0 = now }
            // While a clip records, every frame's silhouette follows the turn (cheap: no network), and the
            // garment analysis waits: a gap of several frames could hide a profile from the tracker.
            let wasRecording = recording
            recording = controller.state == .recording
            if recording && !wasRecording { turn.withLock { $0 = TurnTracker() } }
            if recording && !calibrating {
                followTurn(frame, decoder: decoder, image: image)
                continue
            }
            guard calibrating || now >= next else { continue }
            next = now.advanced(by: interval)
            let start = now
            do {
                try decoder.decode(frame, into: image, scale: Self.scale(width: frame.width, height: frame.height))
            } catch {
                failed.increment()
                logger.debug("vision skipped a frame", metadata: ["error": "\(error)"])
                continue
            }
            if calibrating {
                collectCalibrationFrame(image)
                continue
            }
            let result: FrameAnalysis
            do {
                result = try analyzer.withLock { try $0.analyze(image) }
            } catch let error as VisionError where error.code == .notCalibrated {
                continue
            } catch {
                failed.increment()
                snapshot.withLock { $0.problem = "\(error)" }
                continue
            }
            let elapsed = MonotonicInstant.now().since(start)
            analysed.increment()
            seconds.record(elapsed)

            // Presence, debounced both ways; the vote follows the controller's session.
            let present = result.verdict == .person
            presenceLog.withLock { $0.add(present, at: Double(frame.timestamp.nanoseconds) / 1e9) }
            if present {
                seen += 1
                lastSeen = now
                if seen >= Self.arrivalFrames { controller.presence(true) }
            } else {
                seen = 0
                if now.since(lastSeen) >= Self.departure { controller.presence(false) }
            }
            presentGauge.set(present ? 1.0 : 0.0)
            if controller.sessionID != session {
                session = controller.sessionID
                vote.reset()
            }
            if session != nil, present { vote.add(result.observations) }
            let voted = vote.result()
            controller.setRecognised(Self.describe(voted), observations: voted)
            snapshot.withLock {
                $0.present = present
                $0.person = result.person
                $0.current = result.observations
                $0.session = voted
                $0.framesAnalysed += 1
                $0.lastMilliseconds = elapsed.milliseconds
                $0.problem =
                    switch result.verdict {
                    case .blank: "the camera sees nothing (lens covered or lights off?)"
                    case .viewChanged: "the view no longer matches the calibration: run mirrorctl calibrate"
                    default: nil
                    }
            }
        }
    }

    /// Feeds the turn tracker with this frame's silhouette width; a full turn ends the clip.
    private func followTurn(_ frame: Frame, decoder: FrameDecoder, image: PixelBuffer) {
        do {
            try decoder.decode(frame, into: image, scale: Self.scale(width: frame.width, height: frame.height))
        } catch {
            failed.increment()
            return
        }
        let (calibrated, found) = analyzer.withLock { ($0.background != nil, $0.silhouette(image)) }
        let time = Double(frame.timestamp.nanoseconds) / 1e9
        if calibrated { presenceLog.withLock { $0.add(found != nil, at: time) } }
        guard let silhouette = found else { return }
        let event = turn.withLock { $0.add(width: silhouette.box.width, at: time) }
        if event == .complete, controller.state == .recording {
            logger.info("full turn seen: ending the clip")
            controller.send(.turnCompleted)
        }
    }

    /// Whether the shopper was in view at each frame time (nil where no analysed frame is near).
    func inView(at times: [Double]) -> [Bool?] {
        presenceLog.withLock { $0.inView(at: times) }
    }

    /// The turn phase of each frame time of the last recording, and whether the turn was complete.
    func turnPhases(at times: [Double]) -> (complete: Bool, phases: [Float?]) {
        turn.withLock { ($0.isComplete, $0.phases(at: times)) }
    }

    private func collectCalibrationFrame(_ image: PixelBuffer) {
        let copy = PixelBuffer(width: image.width, height: image.height)
        copy.base.copyMemory(from: image.base, byteCount: image.byteCount)
        let finished = calibration.withLock { pending -> Calibration? in
            guard var current = pending else { return nil }
            current.frames.append(copy)
            pending = current.frames.count >= current.wanted ? nil : current
            return current.frames.count >= current.wanted ? current : nil
        }
        guard let finished else { return }
        do {
            let background = BackgroundModel(fitting: copy)
            try background.calibrate(finished.frames)
            let bytes = background.serialized()
            do {
                try DurableFile.write(bytes, to: backgroundPath)
            } catch {
                throw DaemonError(.failed, "cannot save \(backgroundPath): \(error)")
            }
            analyzer.withLock { $0.background = background }
            snapshot.withLock {
                $0.calibrated = true
                $0.problem = nil
            }
            logger.info("vision calibrated", metadata: ["frames": "\(finished.frames.count)"])
            finished.done?.resume()
        } catch {
            finished.done?.resume(throwing: error)
        }
    }

    /// Builds the catalog index from the configured folder of `<sku>.jpg` photos, reusing the saved index
    /// when the photos and the model are unchanged; the shop's catalog gives the photos' categories, for
    /// the catalog's vote on a garment's category (``CatalogVote``; without a shop, ImageNet's alone).
    private func loadCatalog() async {
        guard let catalogFolder = settings.catalog else { return }
        let categories = controller.shop?.catalogCategories() ?? [:]
        analyzer.withLock { $0.catalogCategories = categories }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: catalogFolder)) ?? []).filter {
            $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg")
        }.sorted()
        // The tag pins the model and the folder's listing (names, sizes, modification times).
        var fingerprint = model.sha256
        for name in names {
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(catalogFolder)/\(name)")
            let size = (attributes?[.size] as? Int) ?? 0
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            fingerprint += "|\(name):\(size):\(Int(modified))"
        }
        let tag = SHA256.hash(data: Data(fingerprint.utf8)).map { String(format: "%02x", $0) }.joined()
        let cache = "\(folder)/catalog.index"
        if let data = FileManager.default.contents(atPath: cache),
            let index = try? CatalogIndex.restore([UInt8](data), tag: tag)
        {
            analyzer.withLock { $0.catalog = index }
            snapshot.withLock { $0.catalogItems = index.count }
            logger.info("catalog index loaded", metadata: ["items": "\(index.count)"])
            return
        }
        guard let decoder = try? JPEGDecoder() else { return }
        let image = PixelBuffer()
        var index = CatalogIndex(dimension: analyzer.withLock { $0.backbone.embeddingCount })
        // A photo that cannot be read for want of descriptors or memory is tried again later, and the index is
        // saved only whole (one saved with holes would be reused as it is until the photos change).
        let skipped = await retryingTransient(
            names,
            retrying: { count, wait, error in
                self.logger.warning(
                    "catalog photos cannot be read now; trying again",
                    metadata: ["count": "\(count)", "in": "\(wait)", "error": "\(error)"])
            }
        ) { name in
            let bytes = try WholeFile.read("\(catalogFolder)/\(name)")
            let info = try bytes.withUnsafeBytes { try JPEGMarkers.inspect($0).get() }
            let scale: JPEGScale = min(info.width, info.height) >= 1024 ? .quarter : .full
            _ = try bytes.withUnsafeBytes { try decoder.decode($0, into: image, scale: scale) }
            let embedding = try analyzer.withLock { try $0.embed(image) }
            try index.add(sku: (name as NSString).deletingPathExtension, embedding: embedding)
            await Task.yield()
        }
        if Task.isCancelled { return }
        for (name, error) in skipped {
            logger.warning("catalog photo skipped", metadata: ["file": "\(name)", "error": "\(error)"])
        }
        analyzer.withLock { $0.catalog = index }
        snapshot.withLock { $0.catalogItems = index.count }
        try? Data(index.serialized(tag: tag)).write(to: URL(fileURLWithPath: cache))
        logger.info("catalog index built", metadata: ["items": "\(index.count)", "skipped": "\(skipped.count)"])
    }

    /// The DCT scale that keeps the frame's shorter side at 240 pixels or more (vision needs no more).
    static func scale(width: Int, height: Int) -> JPEGScale {
        let short = min(width, height)
        return [JPEGScale.eighth, .quarter, .half].first { short / $0.rawValue >= 240 } ?? .full
    }

    /// Voted observations in words: "navy knitwear", "blue trousers". A garment whose category is not known is
    /// left out, or with `byRegion` named by where it is worn ("rust top").
    static func describe(_ observations: [GarmentObservation], byRegion: Bool = false) -> [String] {
        var names: [String] = []
        for observation in observations {
            let worn =
                switch observation.region {
                case .upperBody: "top"
                case .lowerBody: "bottoms"
                case .fullLength: "full-length piece"
                }
            guard let kind = observation.category?.rawValue ?? (byRegion ? worn : nil) else { continue }
            let name = (observation.colours.first.map { "\($0.name) " } ?? "") + kind
            if !names.contains(name) { names.append(name) }
        }
        return names
    }
}
