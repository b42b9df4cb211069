import Foundation
public import Logging
public import MirrorConfig
public import MirrorCore
public import MirrorDisplay
public import MirrorSession
public import MirrorStore
import ServiceLifecycle
import Synchronization

/// A recorded look being played back: the display reads frames from it, the controller steers it.
public protocol PlayableClip: PlaybackSource {
    /// Position in the clip, 0…1, at `now`.
    func position(at now: MonotonicInstant) -> Double
    func setSlowMotion(_ slow: Bool, at now: MonotonicInstant)
    /// Moves the play head by a fraction of the clip (negative: back).
    func scrub(by fraction: Double, at now: MonotonicInstant)
    /// Seconds of the shopper's full turn in this clip, when the vision core followed one.
    var turnSeconds: Double? { get }
    /// Plays by turn phase from now on, one turn taking `period` seconds: looks aligned on the same
    /// period show the same angle at the same time.
    func align(period: Double, at now: MonotonicInstant)
}

/// What the session asks of the recorder and the store; carried out off the session's lock.
public protocol SessionRecorder: Sendable {
    /// Writes the shopper's consent decision for the session (the audit trail and the recording gate).
    func recordConsent(session: String, accepted: Bool) throws
    /// Writes the shopper's agreement that staff may export this session's clips.
    func recordShare(session: String) throws
    /// Starts clip `number` of the session (pre-roll included); `finished` reports the clip or why not.
    func start(session: String, number: Int, seconds: Int, finished: @escaping @Sendable (Bool) -> Void) throws
    func stop()
    /// A player for clip `number` of the session, or nil when it cannot be read.
    func playback(session: String, number: Int) -> (any PlayableClip)?
    /// A player for a saved clip of an earlier visit, or nil when it cannot be read.
    func playback(clipID: String) -> (any PlayableClip)?
    /// Ends the session: its clips start their retention period, or are deleted at once when `erase`.
    func endSession(_ session: String, erase: Bool)
    /// Notes for the hub's figures what happened in the visit: it began or ended (whether or not anything was
    /// recorded), a look was recorded, one was sent to the shopper's phone.
    func note(_ kind: SessionEventKind, session: String)
    /// The shopper's one-tap rating of the visit, 1 to 5.
    func rate(_ face: Int, session: String)
    /// Stores that the shopper picked `look` (in words: "look 2") as their favourite, or took the pick back.
    func pickLook(session: String, look: String, picked: Bool) throws
    /// Saves clip `number` to the profile of the shopper identified as `loyaltyId` (their consent, given by the
    /// tap, goes with it), with the garments recognised in it; returns the code that opens it at a later visit.
    func saveLook(session: String, number: Int, loyaltyId: String, garments: [String]) throws -> String
    /// How many looks the shopper saved on this mirror at earlier visits.
    func earlierLooks(session: String, loyaltyId: String) -> Int
    /// The shopper's earlier saved look with `code` (wrong codes are counted, and lock after a few).
    func openEarlierLook(session: String, loyaltyId: String, code: String) throws -> LookCodeOutcome
}

/// Drives the shopper's session from touch, the local API and timers, and tells the display what to show.
public final class SessionController: Sendable {
    struct Current {
        var session: Session
        var id: String?
        var lastInteraction = MonotonicInstant.now()
        var nextTick: MonotonicInstant?
        var recordingStarted: MonotonicInstant?
        var playing: [any PlayableClip] = []
        var slowMotion = false
        var staffShownAt: MonotonicInstant?
        /// When the rating screen came up: skipped after ``ratingSeconds`` without a tap.
        var ratingShownAt: MonotonicInstant?
        var testPattern: (until: MonotonicInstant, lines: [String])?
        /// A clip length asked for with the record request (`mirrorctl record --seconds`).
        var requestedSeconds: Int?
        var recordingSeconds: Int?
        /// What the staff confirmation says; set by "Bring" on a card before the staff screen shows.
        var staffMessage: String?
        /// What the shopper keeps of the visit's looks: their garments, the favourite, sharing, saved looks.
        var looks = KeptLooks()
        /// The code keyboard (loyalty over the suggestions, a saved look's over review), open or not.
        var keyboard = CodeKeyboard()
        /// The share link made for a look (by clip number), shown while that look is reviewed.
        var shareCard: (clip: Int, card: Screen.ShareCard)?
    }

    public let scene: DisplayScene
    /// The session and recording settings, changed in place by a configuration reload.
    let live: Mutex<(session: DaemonConfig.SessionSettings, recording: DaemonConfig.RecordingSettings)>
    var settings: DaemonConfig.SessionSettings { live.withLock { $0.session } }
    var recording: DaemonConfig.RecordingSettings { live.withLock { $0.recording } }
    let recorder: any SessionRecorder
    let panel: (width: Int, height: Int)
    let logger: Logger
    let current: Mutex<Current>
    /// What the vision core recognises over this session, in words for the suggestions screen.
    let recognised = Mutex<[String]>([])
    /// The same as labels for a look: every garment seen, by category or else by where it is worn.
    let lookWords = Mutex<[String]>([])
    /// The catalog, stock and profiles behind the suggestions; nil without a catalog.
    public let shop: Shop?
    /// Session and consent counters; nil in tests that do not look at metrics.
    let metrics: DeviceMetrics?
    /// Links to a look for the shopper's phone; nil without a `share` section.
    let shareLinks: ShareLinks?

    public init(
        scene: DisplayScene, settings: DaemonConfig.SessionSettings, recording: DaemonConfig.RecordingSettings,
        recorder: any SessionRecorder, panel: (width: Int, height: Int), logger: Logger, shop: Shop? = nil,
        metrics: DeviceMetrics? = nil, shareLinks: ShareLinks? = nil
    ) {
        self.shareLinks = shareLinks
        self.shop = shop
        self.metrics = metrics
        self.scene = scene
        live = Mutex((settings, recording))
        self.recorder = recorder
        self.panel = panel
        self.logger = logger
        current = Mutex(Current(session: Session(countdownSeconds: settings.countdownSeconds)))
        scene.current = .init(screen: .attract)
    }

    /// Takes new session and recording settings at once (a configuration reload): the next countdown, idle
    /// check, clip and consent screen use them; the diagnostics panel follows its setting when that changed.
    func apply(session: DaemonConfig.SessionSettings, recording: DaemonConfig.RecordingSettings) {
        let old = live.withLock { old in
            defer { old = (session, recording) }
            return old.session
        }
        current.withLock { $0.session.countdownSeconds = session.countdownSeconds }
        if old.diagnostics != session.diagnostics { scene.diagnostics = session.diagnostics }
    }

    /// The session's state, for status and tests.
    public var state: Session.State { current.withLock { $0.session.state } }
    public var sessionID: String? { current.withLock { $0.id } }
    public var clips: [Int] { current.withLock { $0.session.clips } }

    /// Applies an event from a person (touch, API, CLI): counts as interaction.
    @discardableResult
    public func send(_ event: Session.Event) -> Session.State {
        apply(event, interaction: true)
    }

    /// The camera sees someone arrive (`true`) or the view has stayed empty (`false`): starts or ends the
    /// session like a touch would, without counting as an interaction.
    public func presence(_ present: Bool) {
        // Level-triggered (vision says so for every frame analysed): the session decides what an edge is.
        let (idle, waiting) = current.withLock { ($0.session.state == .idle, $0.session.waitingForEmptyView) }
        if present {
            if idle && !waiting { apply(.shopperSeen, interaction: false) }
        } else if !idle || waiting {
            apply(.presenceLost, interaction: false)
        }
    }

    /// Sets the garments the vision core recognises over the session: in words (e.g. "navy knitwear") for
    /// the suggestions screen, and as observations for the suggestions themselves.
    public func setRecognised(_ names: [String], observations: [GarmentObservation] = []) {
        recognised.withLock { $0 = names }
        lookWords.withLock { $0 = VisionService.describe(observations, byRegion: true) }
        shop?.observe(observations, session: sessionID)
    }

    /// Asks to record (staff CLI or API): the consent screen first if the shopper has not agreed yet.
    @discardableResult
    public func record(seconds: Int?) -> Session.State {
        current.withLock { $0.requestedSeconds = seconds }
        if state == .idle { apply(.presenceDetected, interaction: true) }
        return apply(.recordRequested, interaction: true)
    }

    func touched() {
        current.withLock { $0.lastInteraction = .now() }
    }

    @discardableResult
    func apply(_ event: Session.Event, interaction: Bool) -> Session.State {
        let now = MonotonicInstant.now()
        let (actions, id, state, clips, began) = current.withLock {
            c -> ([Session.Action], String?, Session.State, [Int], Bool) in
            if interaction { c.lastInteraction = now }
            let starting = c.session.state == .idle
            let actions = c.session.handle(event)
            if starting, c.session.state != .idle {
                // A visit's idle time counts from its start, whoever started it (the camera or a touch).
                c.lastInteraction = now
                c.id = UUID().uuidString.lowercased()
                c.looks = KeptLooks()
                c.shareCard = nil
                metrics?.sessionStarted()
            }
            return (actions, c.id, c.session.state, c.session.clips, starting && c.session.state != .idle)
        }
        if began, let id { recorder.note(.visitStarted, session: id) }
        if !actions.isEmpty {
            logger.debug("session", metadata: ["event": "\(event)", "state": "\(state)"])
        }
        for action in actions {
            perform(action, session: id, clips: clips, erase: event == .consentWithdrawn, at: now)
        }
        return state
    }

    func perform(
        _ action: Session.Action, session id: String?, clips: [Int], erase: Bool, at now: MonotonicInstant
    ) {
        switch action {
        case .show(let state):
            enter(state, session: id, at: now)
        case .recordConsent(let accepted):
            guard let id else { return }
            (accepted ? metrics?.consentAccepted : metrics?.consentDeclined)?.increment()
            do {
                try recorder.recordConsent(session: id, accepted: accepted)
            } catch {
                logger.error("consent could not be stored; not recording", metadata: ["error": "\(error)"])
                apply(.back, interaction: false)
            }
        case .startRecording:
            guard let id else { return }
            let number = (clips.max() ?? -1) + 1
            let seconds = current.withLock { c in
                c.recordingStarted = now
                c.recordingSeconds = c.requestedSeconds ?? recording.clipSeconds
                c.requestedSeconds = nil
                return c.recordingSeconds ?? recording.clipSeconds
            }
            do {
                try recorder.start(session: id, number: number, seconds: seconds) { [weak self] saved in
                    guard let self else { return }
                    // The vote follows what is worn now and waits while a clip records (its frames go to the
                    // turn tracker): as the clip ends, it holds what this look began in.
                    let garments = lookWords.withLock { $0 }
                    if saved {
                        current.withLock { c in
                            // A clip that ends after its visit did belongs to no look on the glass.
                            guard c.id == id else { return }
                            _ = c.looks.handle(.recorded(look: number, garments: garments))
                        }
                        recorder.note(.recordedLook, session: id)
                    }
                    apply(saved ? .clipSaved(index: number) : .clipFailed, interaction: false)
                }
            } catch {
                logger.error("recording did not start", metadata: ["error": "\(error)"])
                apply(.clipFailed, interaction: false)
            }
        case .stopRecording:
            recorder.stop()
        case .sendStaffRequest:
            // "Bring" on a card stored its request already; the plain staff button asks for help.
            let carded = current.withLock { $0.staffMessage != nil }
            guard !carded else { return }
            do {
                if let shop {
                    _ = try shop.requestHelp(session: id)
                } else {
                    logger.notice("staff requested at the mirror", metadata: ["session": "\(id ?? "-")"])
                }
            } catch {
                logger.error("staff request not stored", metadata: ["error": "\(error)"])
            }
        case .recordRating(let face):
            guard let id else { return }
            recorder.rate(face, session: id)
        case .purgeSession:
            guard let id else { return }
            recorder.note(.visitEnded, session: id)
            recorder.endSession(id, erase: erase)
            current.withLock { $0.id = nil }
        }
    }

    /// Puts the screen for `state` on the display, with the players it needs.
    func enter(_ state: Session.State, session id: String?, at now: MonotonicInstant) {
        var playing: [any PlayableClip] = []
        if let id {
            switch state {
            case .review(let clip): playing = recorder.playback(session: id, number: clip).map { [$0] } ?? []
            case .compare(let clips):
                playing = clips.compactMap { recorder.playback(session: id, number: $0) }
                if let earlier = current.withLock({ $0.looks.earlier }),
                    let clip = recorder.playback(clipID: earlier.clipID)
                {
                    playing.append(clip)
                }
            default: break
            }
        }
        // Reviewing, an identified shopper is offered the looks they saved here before.
        var earlierLooks = 0
        if case .review = state, let id, let loyaltyId = shop?.identifiedLoyaltyID(session: id) {
            earlierLooks = recorder.earlierLooks(session: id, loyaltyId: loyaltyId)
        }
        // Side by side, the looks play by turn phase, on the slower turn's period, when every one has a turn.
        let turns = playing.compactMap(\.turnSeconds)
        if playing.count >= 2, turns.count == playing.count, let period = turns.max() {
            for clip in playing { clip.align(period: period, at: now) }
        }
        current.withLock { c in
            c.playing = playing
            if c.slowMotion { for clip in playing { clip.setSlowMotion(true, at: now) } }
            c.nextTick = if case .countdown = state { now.advanced(by: .seconds(1)) } else { nil }
            c.staffShownAt = state == .staffOnTheWay ? now : nil
            c.ratingShownAt = state == .rating ? now : nil
            if state != .staffOnTheWay { c.staffMessage = nil }
            if state != .recording { c.recordingStarted = nil }
            _ = c.keyboard.handle(.screenChanged(toSuggestions: state == .suggestions))
            _ = c.looks.handle(.earlierCounted(earlierLooks))
        }
        refresh()
    }

    /// Shows the panel test pattern for `seconds`, then the session's screen again.
    public func showTestPattern(seconds: Int, lines: [String]) {
        current.withLock { $0.testPattern = (MonotonicInstant.now().advanced(by: .seconds(seconds)), lines) }
        refresh()
    }

    /// A session event by the name the API and CLI use.
    public static func event(named name: String) -> Session.Event? {
        switch name {
        case "start": .presenceDetected
        case "record": .recordRequested
        case "accept": .consentAccepted
        case "decline": .consentDeclined
        case "back": .back
        case "staff": .staffRequested
        case "suggestions": .suggestionsRequested
        case "end": .endSession
        case "finish": .finishRequested
        case "skip": .skipRating
        case "withdraw": .consentWithdrawn
        default: nil
        }
    }

    /// Redraws the scene from the current state (progress bars and play heads move).
    func refresh(at now: MonotonicInstant = .now()) {
        var garments = recognised.withLock { $0 }
        var cards: [Screen.Garment] = []
        // The catalog side runs outside the session's lock (it reads files and writes events).
        let identified = shop?.isIdentified(session: sessionID) ?? false
        if state == .suggestions, let shop {
            let shown = shop.cards(session: sessionID)
            cards = shown.cards
            if !shown.recognised.isEmpty { garments = shown.recognised }
        }
        let content = current.withLock { c -> DisplayScene.Content in
            if let pattern = c.testPattern {
                if now < pattern.until { return .init(screen: .testPattern(lines: pattern.lines)) }
                c.testPattern = nil
            }
            let session = c.session
            switch session.state {
            case .idle:
                return .init(screen: .attract)
            case .live:
                return .init(screen: .live(hint: "Tap the mirror to record your look"))
            case .consent:
                return .init(screen: .consent(clipSeconds: recording.clipSeconds, keepHours: recording.keepHours))
            case .countdown(let left):
                return .init(screen: .countdown(left))
            case .recording:
                let total = Double(c.recordingSeconds ?? recording.clipSeconds)
                let elapsed = c.recordingStarted.map { now.since($0).seconds } ?? 0
                return .init(
                    screen: .recording(
                        progress: min(elapsed / total, 1), secondsLeft: max(0, Int((total - elapsed).rounded(.up)))))
            case .review(let clip):
                if let entry = c.keyboard.entry {
                    return .init(screen: .codeEntry(.init(entry)), playback: c.playing)
                }
                let look = (session.clips.firstIndex(of: clip) ?? 0) + 1
                return .init(
                    screen: .review(
                        .init(
                            look: look, looks: session.clips.count,
                            position: c.playing.first?.position(at: now) ?? 0, slowMotion: c.slowMotion,
                            shared: c.looks.shared, link: c.shareCard.flatMap { $0.clip == clip ? $0.card : nil },
                            saveable: identified, saved: c.looks.saved[clip] != nil, code: c.looks.saved[clip],
                            earlierLooks: c.looks.earlierCount)),
                    playback: c.playing)
            case .compare(let clips):
                var looks = clips.map { clip in
                    Screen.Compare.Look(
                        title: "Look \((session.clips.firstIndex(of: clip) ?? 0) + 1)",
                        garments: c.looks.garments[clip] ?? [])
                }
                if let earlier = c.looks.earlier {
                    looks.append(.init(title: "Saved \(earlier.day)", garments: earlier.garments))
                }
                let favourite = c.looks.favourite.flatMap {
                    $0 == KeptLooks.earlierLook ? clips.count : clips.firstIndex(of: $0)
                }
                return .init(screen: .compare(.init(looks: looks, favourite: favourite)), playback: c.playing)
            case .suggestions:
                if let entry = c.keyboard.entry { return .init(screen: .codeEntry(.init(entry))) }
                return .init(screen: .suggestions(.init(recognised: garments, cards: cards, identified: identified)))
            case .staffOnTheWay:
                return .init(
                    screen: .staffOnTheWay(request: c.staffMessage ?? "A colleague is coming to help"))
            case .rating:
                return .init(screen: .rating)
            }
        }
        scene.current = content
    }

    /// A day as the panel shows it: "16 Nov".
    static func day(_ date: Date) -> String {
        date.formatted(.dateTime.day().month(.abbreviated).locale(Locale(identifier: "en_GB")))
    }

    /// How long the rating screen waits for a tap before the visit ends unrated.
    static let ratingSeconds = 20

    /// Timers: countdown seconds, progress, the staff confirmation's and the rating's timeouts, and the idle
    /// timeout.
    func tick(at now: MonotonicInstant) {
        enum Due { case tick, back, skip, idle }
        let due = current.withLock { c -> Due? in
            if let next = c.nextTick, now >= next {
                c.nextTick = next.advanced(by: .seconds(1))
                return .tick
            }
            if let shown = c.staffShownAt, now.since(shown) > .seconds(8) {
                c.staffShownAt = nil
                return .back
            }
            if let shown = c.ratingShownAt, now.since(shown) > .seconds(Self.ratingSeconds) {
                c.ratingShownAt = nil
                return .skip
            }
            let busy = c.session.state == .idle || c.session.state == .recording
            if !busy, now.since(c.lastInteraction) > .seconds(settings.idleTimeoutSeconds) { return .idle }
            return nil
        }
        switch due {
        case .tick: apply(.tick, interaction: false)
        case .back: apply(.back, interaction: false)
        case .skip: apply(.skipRating, interaction: false)
        case .idle:
            logger.info(
                "session ended: nobody used the mirror", metadata: ["after": "\(settings.idleTimeoutSeconds) s"])
            apply(.idleTimedOut, interaction: false)
        case nil: refresh(at: now)
        }
    }
}
