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
    /// The clip's length at 1×, in seconds.
    var seconds: Double { get }
    /// Plays in step from now on, one loop taking `period` seconds: looks aligned on the same period show the
    /// same angle of their turns at the same time (a look without a turn spreads its whole clip over the period).
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
    /// Ends the session: its clips start their retention period, or some or all are deleted at once (`erase`).
    func endSession(_ session: String, erase: Visit.Erase)
    /// Deletes the looks `numbers` of the session at once (audited), except those saved to the shopper's profile;
    /// returns how many were deleted.
    func deleteLooks(session: String, numbers: [Int]) throws -> Int
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

/// Drives the shopper's visit from touch, the local API, the camera and timers, and tells the display what to
/// show. The visit itself is a value (``Visit``); this holds it, carries out its effects (SessionEffects.swift)
/// and draws its screens.
public final class SessionController: Sendable {
    struct Current {
        var visit: Visit
        /// The players of the looks on the panel (the effect runner's: made for the screen shown).
        var playing: [any PlayableClip] = []
        var testPattern: (until: MonotonicInstant, lines: [String])?
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
    /// The one serial effect runner: every event, its effects and their answers, one after another
    /// (SessionEffects.swift).
    let runner = DispatchQueue(label: "mirror-visit")
    /// Events that come often, of which only the newest waits on the runner (see ``coalesce(_:as:)``).
    enum Coalesced: Hashable { case clock, recognised }
    let pending = Mutex<[Coalesced: Visit.Event]>([:])
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
        current = Mutex(Current(visit: Visit(countdownSeconds: settings.countdownSeconds, at: .now())))
        runner.setSpecific(key: Self.onRunnerKey, value: true)
        scene.current = .init(screen: .attract)
    }

    /// Takes new session and recording settings at once (a configuration reload): the next countdown, idle
    /// check, clip and consent screen use them; the diagnostics panel follows its setting when that changed.
    func apply(session: DaemonConfig.SessionSettings, recording: DaemonConfig.RecordingSettings) {
        let old = live.withLock { old in
            defer { old = (session, recording) }
            return old.session
        }
        current.withLock { $0.visit.countdownSeconds = session.countdownSeconds }
        if old.diagnostics != session.diagnostics { scene.diagnostics = session.diagnostics }
    }

    /// The visit as it stands.
    var visit: Visit { current.withLock { $0.visit } }
    /// The session's state, for status and tests.
    public var state: Session.State { visit.state }
    public var sessionID: String? { visit.id }
    public var clips: [Int] { visit.session.clips }

    /// Applies an event from a person (touch, API, CLI): counts as interaction.
    @discardableResult
    public func send(_ event: Session.Event) -> Session.State {
        handle(.session(event), interaction: true)
        return state
    }

    /// The camera sees someone arrive (`true`) or the view has stayed empty (`false`): starts or ends the
    /// session like a touch would, without counting as an interaction (handled after the caller returns).
    public func presence(_ present: Bool) {
        post(.presence(present))
    }

    /// Sets the garments the vision core recognises over the session: in words (e.g. "navy knitwear") for
    /// the suggestions screen, by their catalog names for the looks' captions, and as observations for the
    /// suggestions themselves.
    public func setRecognised(_ names: [String], observations: [GarmentObservation] = []) {
        let lookWords = shop?.garmentNames(observations) ?? VisionService.describe(observations, byRegion: true)
        coalesce(.recognised(words: names, lookWords: lookWords, observations: observations), as: .recognised)
    }

    /// Shoppers erased at head office (by subject hash): one of them identified now is forgotten at once.
    func forget(subjects: [String]) {
        handle(.sheet(.erased(subjects: Set(subjects))))
    }

    /// The loyalty id of the shopper identified in visit `session`, while that visit lasts.
    func loyaltyID(of session: String) -> String? {
        let visit = self.visit
        return visit.id == session ? visit.sheet.profile?.loyaltyID : nil
    }

    /// Asks to record (staff CLI or API): the consent screen first if the shopper has not agreed yet.
    @discardableResult
    public func record(seconds: Int?) -> Session.State {
        handle(.recordAsked(seconds: seconds), interaction: true)
        return state
    }

    func touched() {
        handle(.touched, interaction: true)
    }

    @discardableResult
    func apply(_ event: Session.Event, interaction: Bool) -> Session.State {
        handle(.session(event), interaction: interaction)
        return state
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

    /// Redraws the scene from the current state (progress bars and play heads move), on the effect runner.
    func refresh(at now: MonotonicInstant = .now()) {
        onRunner { draw(at: now) }
    }

    /// Draws the visit: the catalog side and the players are read here, the screen itself is ``VisitScreen``'s
    /// pure decision.
    func draw(at now: MonotonicInstant) {
        let recording = self.recording
        // The catalog side runs outside the session's lock (it may read the catalog's files); what it shows
        // for the first time is noted through the visit, after the screen is up.
        let visit = self.visit
        var inputs = VisitScreen.Inputs(
            now: now, clipSeconds: recording.clipSeconds, keepHours: recording.keepHours,
            savedDays: recording.savedDays,
            recognised: visit.recognised)
        inputs.identified = visit.sheet.profile != nil
        var seen: SuggestionSheet.Event?
        if visit.state == .suggestions, let shop {
            let shown = shop.cards(
                visit.sheet, across: Screen.Suggestions.cardsAcross(width: panel.width, height: panel.height))
            inputs.cards = shown.cards
            inputs.cardsAt = (shown.first, shown.total)
            seen = shown.seen
            if !shown.recognised.isEmpty { inputs.recognised = shown.recognised }
        }
        let content = current.withLock { c -> DisplayScene.Content in
            if let pattern = c.testPattern {
                if now < pattern.until { return .init(screen: .testPattern(lines: pattern.lines)) }
                c.testPattern = nil
            }
            inputs.position = c.playing.first?.position(at: now) ?? 0
            return .init(screen: VisitScreen.screen(for: c.visit, inputs), playback: c.playing)
        }
        scene.current = content
        if let seen, let id = visit.id { handle(.answer(visit: id, .sheet(seen)), at: now, redraw: false) }
    }

    /// A day as the panel shows it: "16 Nov".
    static func day(_ date: Date) -> String {
        date.formatted(.dateTime.day().month(.abbreviated).locale(Locale(identifier: "en_GB")))
    }

    /// Timers: countdown seconds, progress, the staff confirmation's and the rating's timeouts, and the idle
    /// timeout (``Visit`` decides which is due).
    func tick(at now: MonotonicInstant) {
        coalesce(.clock, as: .clock)
    }
}
