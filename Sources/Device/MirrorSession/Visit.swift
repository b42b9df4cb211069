public import MirrorCore

/// The whole visit as a value: the session's screens (``Session``), the visit's id, its timers (countdown,
/// the staff confirmation, the rating, idle), the clip being recorded, the staff request's words, slow motion,
/// the looks kept (``KeptLooks``), the code keyboard (``CodeKeyboard``) and the share link of a look.
///
/// Taps, the camera, the clock and the answers of the store and the recorder come in as events; what to do goes
/// out as effects, which the daemon carries out and answers with further events. An answer names the visit it
/// belongs to (``Event/answer(visit:_:)``), so one that arrives after its visit ended changes nothing. No I/O,
/// no locks, no clock of its own: the time comes with each event.
public struct Visit: Sendable, Equatable {
    /// The settings an event is handled with (a configuration reload may change them between events).
    public struct Settings: Sendable, Equatable {
        /// A clip's length unless the record request asked for another.
        public var clipSeconds: Int
        /// A visit nobody touches for this long ends (not while idle or recording).
        public var idleTimeoutSeconds: Int
        /// The language a visit starts in (a BCP 47 tag such as "en" or "de-CH").
        public var language: String

        public init(clipSeconds: Int, idleTimeoutSeconds: Int, language: String = "en") {
            self.clipSeconds = clipSeconds
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.language = language
        }
    }

    /// A look's share link for the shopper's phone, shown while that look is reviewed.
    public struct ShareLink: Sendable, Equatable {
        public var clip: Int
        public var url: String
        public var pin: String
        public var minutes: Int

        public init(clip: Int, url: String, pin: String, minutes: Int) {
            self.clip = clip
            self.url = url
            self.pin = pin
            self.minutes = minutes
        }
    }

    public indirect enum Event: Sendable, Equatable {
        /// A session event: from a person (touch, API, CLI) when the call says so, else from the camera or a timer.
        case session(Session.Event)
        /// The camera sees someone (`true`) or has seen nobody for the presence timeout (`false`), level-triggered:
        /// the visit decides what an edge is.
        case presence(Bool)
        /// Staff ask to record (`mirrorctl record`), for `seconds` or the configured length: starts a visit first.
        case recordAsked(seconds: Int?)
        /// The Compare button: this visit's last looks, beside the earlier visit's when one is open.
        case compareTapped
        /// A button that opens the code keyboard.
        case openKeyboard(CodeKeyboard.Purpose)
        /// A key, Delete, OK, Cancel or a scanned code on the open keyboard.
        case keyboard(CodeKeyboard.Event)
        /// A tap on what the shopper keeps of their looks (pick, Share, Save).
        case looks(KeptLooks.Event)
        /// The slow-motion button.
        case slowMotionToggled
        /// "Bring" on a card: a staff request for `sku`, in `size` or the one the sheet knows.
        case bring(sku: String, size: String?)
        /// A staff request was stored; with `confirm`, the staff confirmation shows and says its words.
        case requestStored(OpenRequests.Request, confirm: Bool)
        /// "Bring" knows no size for `sku`: the shopper is asked which of `sizes`.
        case sizeAsked(sku: String, item: String, sizes: [String])
        /// The size the shopper chose when asked.
        case sizeChosen(String)
        /// A staff request could not be stored.
        case requestNotStored
        /// Undo or Cancel on a request on its way.
        case cancelRequestTapped(id: Int64)
        /// A request was closed: brought by staff, or cancelled (the store's answer to a cancel).
        case requestClosed(id: Int64, brought: Bool)
        /// A cancel could not be stored.
        case requestNotCancelled
        /// The shopper chose the language of the visit's screens (a BCP 47 tag).
        case languageChosen(String)
        /// "Delete my looks": asks first.
        case deleteLooksTapped
        /// "Delete everything and end my visit": consent withdrawn; a look saved to the profile stays unless the
        /// shopper, asked, deletes it too.
        case withdrawTapped
        /// "Not you?" beside the profile the suggestions use: it is forgotten for this visit.
        case notYouTapped
        /// The answer to the question on screen: yes or no.
        case confirmed(Bool)
        /// The looks were deleted (`count` of them; looks saved to the profile stay there).
        case looksDeleted(count: Int)
        /// The looks could not be deleted.
        case looksNotDeleted
        /// The clock: the countdown, the staff confirmation's and the rating's timeouts, the idle timeout.
        case clock
        /// An answer to an effect of the visit `visit`; dropped when that visit is gone.
        case answer(visit: String, Event)
        /// The recorder finished clip `number`: saved or not.
        case clipFinished(number: Int, saved: Bool)
        /// What the vision core recognises over the visit: in words for the suggestions screen, as labels for a
        /// look (every garment seen, by category or else by where it is worn), and as observations.
        case recognised(words: [String], lookWords: [String], observations: [GarmentObservation])
        /// The share link made for a look.
        case shareLinkMade(ShareLink)
        /// What a saved look's code opened (`look` when it opened one).
        case earlierLookChecked(code: String, CodeKeyboard.LookAnswer, look: KeptLooks.Earlier?)
        /// The consent decision could not be stored: nothing is recorded.
        case consentNotStored
        /// A person used the mirror in a way that changes nothing else (a swipe).
        case touched
        /// The suggestion sheet: what is tried on, chosen, liked, dismissed, shown; who the shopper is.
        case sheet(SuggestionSheet.Event)
    }

    public enum Effect: Sendable, Equatable {
        /// A visit began: counted and noted for the hub's figures.
        case began(visit: String)
        /// Show the screen for this state, with the players it needs.
        case show(Session.State)
        case recordConsent(visit: String, accepted: Bool)
        /// Start recording clip `number` of the visit for `seconds`; the recorder answers ``Event/clipFinished``.
        case startRecording(visit: String, number: Int, seconds: Int)
        case stopRecording
        /// A look was recorded: noted for the hub's figures.
        case recordedLook(visit: String)
        /// The plain staff button: ask staff for help (answered with ``Event/requestStored(_:confirm:)``).
        case requestHelp(visit: String)
        /// Store a staff request for `sku` (answered with ``Event/requestStored(_:confirm:)`` or
        /// ``Event/requestNotStored``).
        case storeRequest(visit: String, sku: String, size: String?)
        case recordRating(visit: String, face: Int)
        /// The visit ended: noted, and its clips start their retention period, or are deleted at once (`erase`).
        case end(visit: String, erase: Erase)
        /// The visit ended because nobody used the mirror (said in the log).
        case idleTimedOut
        /// Count the looks the identified shopper saved here before (answered with `.looks(.earlierCounted)`).
        case countEarlierLooks(visit: String)
        case looks(visit: String, KeptLooks.Effect)
        case keyboard(visit: String, CodeKeyboard.Effect)
        /// Make a share link for look `clip` (answered with ``Event/shareLinkMade``).
        case makeShareLink(visit: String, clip: Int)
        /// Play the looks on the panel in slow motion, or not.
        case slowMotion(Bool)
        /// Store a session event of the suggestion sheet for the hub's figures.
        case note(visit: String, SuggestionSheet.Note)
        /// Delete looks `numbers` of the visit now, except saved ones (answered ``Event/looksDeleted(count:)``).
        case deleteLooks(visit: String, numbers: [Int])
        /// Cancel request `id` (answered with ``Event/requestClosed(id:brought:)``).
        case cancelRequest(visit: String, id: Int64)
        /// The visit is not the shopper's with `loyaltyID` ("Not you?"): unlinked, and the hub told.
        case unidentify(visit: String, loyaltyID: String)
    }

    public internal(set) var session: Session
    /// The visit's id while there is a visit.
    public internal(set) var id: String?
    /// The last time a person used the mirror (or the visit began).
    public internal(set) var lastInteraction: MonotonicInstant
    /// When the clip being recorded began, and how long it is.
    public internal(set) var recordingStarted: MonotonicInstant?
    public internal(set) var recordingSeconds: Int?
    /// What the staff confirmation says: set by "Bring" on a card before it shows.
    public internal(set) var staffMessage: String?
    /// The staff requests this visit made.
    public internal(set) var requests = OpenRequests()
    /// The language of the visit's screens: the store's at the start, the shopper's once chosen.
    public internal(set) var language = "en"
    /// A question on screen before something that cannot be undone.
    public internal(set) var confirming: Confirmation?
    /// A short message on the live mirror ("2 looks deleted"), for ``noticeSeconds`` (``say(_:at:)``).
    public internal(set) var notice: String?
    var noticeUntil: MonotonicInstant?

    /// Shows `notice` on the live mirror from `now` for ``noticeSeconds``.
    mutating func say(_ notice: String, at now: MonotonicInstant) {
        self.notice = notice
        noticeUntil = now.advanced(by: .seconds(Self.noticeSeconds))
    }

    public enum Confirmation: Sendable, Equatable {
        /// Delete this visit's `count` looks; `saved` of them were saved to the profile and stay there.
        case deleteLooks(count: Int, saved: Int)
        /// Withdrawing: delete the `saved` looks saved to the profile too (yes), or keep them (no).
        case withdraw(saved: Int)
        /// "Bring" on `sku` (`item` in words): which of `sizes`? (or no, nothing is asked).
        case chooseSize(sku: String, item: String, sizes: [String])
    }

    /// What goes at once when a visit ends.
    public enum Erase: Sendable, Equatable {
        /// Nothing: the looks start their retention period.
        case keep
        /// Consent withdrawn: the visit's looks, except those saved to the profile.
        case unsaved
        /// Consent withdrawn, saved looks too.
        case all
    }

    /// How long a notice stays on the live mirror.
    public static let noticeSeconds = 6
    /// How long the goodbye stays after a visit the shopper finished.
    public static let farewellSeconds = 10

    /// What the goodbye says is kept of the visit that ended: its looks (deleted after the retention period),
    /// those saved to the profile, or that everything was deleted at once (consent withdrawn).
    public struct Farewell: Sendable, Equatable {
        public var looks: Int
        public var saved: Int
        public var erased: Bool

        public init(looks: Int, saved: Int, erased: Bool) {
            self.looks = looks
            self.saved = saved
            self.erased = erased
        }
    }

    /// The goodbye of the visit that just ended, while it shows.
    public internal(set) var farewell: Farewell?
    var farewellUntil: MonotonicInstant?
    public internal(set) var slowMotion = false
    public internal(set) var looks = KeptLooks()
    public internal(set) var keyboard = CodeKeyboard()
    /// The suggestion sheet's side of the visit: who, what is tried on, chosen, liked and shown.
    public internal(set) var sheet = SuggestionSheet()
    /// What the vision core recognises now, in words for the suggestions screen.
    public internal(set) var recognised: [String] = []
    /// The same as labels for a look: the garments a clip that ends now was recorded in.
    public internal(set) var lookWords: [String] = []
    /// The share link made for a look, shown while that look is reviewed.
    public internal(set) var shareLink: ShareLink?
    var nextTick: MonotonicInstant?
    var staffShownAt: MonotonicInstant?
    var ratingShownAt: MonotonicInstant?
    var requestedSeconds: Int?

    /// How long the staff confirmation stays before the live mirror comes back.
    public static let staffSeconds = 8
    /// How long the rating screen waits for a tap before the visit ends unrated.
    public static let ratingSeconds = 20

    public init(countdownSeconds: Int, at now: MonotonicInstant) {
        session = Session(countdownSeconds: countdownSeconds)
        lastInteraction = now
    }

    public var state: Session.State { session.state }

    /// Seconds of countdown before recording (a configuration reload may change it between events).
    public var countdownSeconds: Int {
        get { session.countdownSeconds }
        set { session.countdownSeconds = newValue }
    }

    /// The share link of the look under review, if one was made for it.
    public var shownShareLink: ShareLink? {
        guard case .review(let clip) = state, let link = shareLink, link.clip == clip else { return nil }
        return link
    }

    /// Applies `event` at `now`; `interaction` when a person caused it (the idle timeout counts from it). `newID`
    /// names a visit that begins. `handled` is false when the event means nothing now.
    public mutating func handle(
        _ event: Event, at now: MonotonicInstant, interaction: Bool = false, settings: Settings,
        newID: () -> String
    ) -> (handled: Bool, effects: [Effect]) {
        withoutActuallyEscaping(newID) { newID in
            var step = Step(now: now, interaction: interaction, settings: settings, newID: newID)
            let handled = step.run(event, on: &self)
            return (handled, step.effects)
        }
    }

    /// One event's handling: the time, the settings and the effects gathered so far.
    struct Step {
        let now: MonotonicInstant
        let interaction: Bool
        let settings: Settings
        let newID: () -> String
        var effects: [Effect] = []
        /// A withdrawal deletes the looks saved to the profile too.
        var deleteSaved = false

        init(now: MonotonicInstant, interaction: Bool, settings: Settings, newID: @escaping () -> String) {
            self.now = now
            self.interaction = interaction
            self.settings = settings
            self.newID = newID
        }

        mutating func run(_ event: Event, on visit: inout Visit) -> Bool {
            if interaction { visit.lastInteraction = now }
            switch event {
            case .session(let event):
                return apply(event, to: &visit)
            case .presence(let present):
                let idle = visit.state == .idle
                if present {
                    return idle && !visit.session.waitingForEmptyView && apply(.shopperSeen, to: &visit)
                }
                return (!idle || visit.session.waitingForEmptyView) && apply(.presenceLost, to: &visit)
            case .recordAsked(let seconds):
                visit.requestedSeconds = seconds
                if visit.state == .idle { _ = apply(.presenceDetected, to: &visit) }
                return apply(.recordRequested, to: &visit)
            case .compareTapped:
                let clips = visit.session.clips
                if visit.looks.earlier != nil {
                    return apply(.compareRequested(clips: Array(clips.suffix(3)), earlier: true), to: &visit)
                }
                return clips.count >= 2 && apply(.compareRequested(clips: Array(clips.suffix(4))), to: &visit)
            case .openKeyboard(let purpose):
                let allowed =
                    switch (purpose, visit.state) {
                    case (.loyalty, .suggestions): true
                    case (.savedLook, .review): visit.looks.earlierCount > 0
                    default: false
                    }
                return keyboard(.open(purpose, allowed: allowed), on: &visit)
            case .keyboard(let event):
                guard case .scanned = event else { return keyboard(event, on: &visit) }
                // A code held up to the camera counts as use of the mirror when it is taken.
                guard visit.state == .suggestions, keyboard(event, on: &visit) else { return false }
                visit.lastInteraction = now
                return true
            case .looks(let event):
                return looks(event, on: &visit)
            case .slowMotionToggled:
                visit.slowMotion.toggle()
                effects.append(.slowMotion(visit.slowMotion))
                return true
            case .bring, .sizeAsked, .sizeChosen, .requestStored, .requestNotStored, .cancelRequestTapped,
                .requestClosed, .requestNotCancelled:
                return requests(event, on: &visit)
            case .deleteLooksTapped, .confirmed, .looksDeleted, .looksNotDeleted, .withdrawTapped, .notYouTapped:
                return privacy(event, on: &visit)
            case .languageChosen(let tag):
                guard visit.id != nil, !tag.isEmpty, tag != visit.language else { return false }
                visit.language = tag
                return true
            case .clock:
                return clock(&visit)
            case .answer(let id, let event):
                guard visit.id == id else { return false }
                return run(event, on: &visit)
            case .clipFinished(let number, let saved):
                if !saved, visit.id != nil, visit.state == .recording {
                    visit.say("That recording did not work: tap the mirror to try again", at: now)
                }
                if saved, let id = visit.id {
                    // The vote follows what is worn now and waits while a clip records (its frames go to the
                    // turn tracker): as the clip ends, it holds what this look began in.
                    _ = visit.looks.handle(.recorded(look: number, garments: visit.lookWords))
                    effects.append(.recordedLook(visit: id))
                }
                return apply(saved ? .clipSaved(index: number) : .clipFailed, to: &visit)
            case .shareLinkMade(let link):
                visit.shareLink = link
                return true
            case .earlierLookChecked(let code, let answer, let look):
                guard keyboard(.lookChecked(code: code, answer), on: &visit) else { return false }
                guard let look else { return true }
                _ = visit.looks.handle(.earlierOpened(look))
                let clips = visit.session.clips
                visit.lastInteraction = now
                return apply(.compareRequested(clips: Array(clips.suffix(3)), earlier: true), to: &visit)
            case .consentNotStored:
                return apply(.back, to: &visit)
            case .touched:
                visit.lastInteraction = now
                return true
            case .recognised(let words, let lookWords, let observations):
                visit.recognised = words
                visit.lookWords = lookWords
                guard visit.id != nil else { return true }
                return run(.sheet(.observed(observations)), on: &visit)
            case .sheet(let event):
                guard let id = visit.id else { return false }
                let (handled, notes) = visit.sheet.handle(event)
                effects += notes.map { .note(visit: id, $0) }
                return handled
            }
        }

        /// A session event, and what its actions mean for the rest of the visit.
        mutating func apply(_ event: Session.Event, to visit: inout Visit) -> Bool {
            let starting = visit.state == .idle
            let looks = visit.session.clips
            let saved = looks.filter { visit.looks.saved[$0] != nil }.count
            let actions = visit.session.handle(event)
            if starting, visit.state != .idle {
                // A visit's idle time counts from its start, whoever started it (the camera or a touch).
                let id = newID()
                visit.lastInteraction = now
                visit.id = id
                visit.looks = KeptLooks()
                visit.sheet = SuggestionSheet()
                visit.requests = OpenRequests()
                visit.language = settings.language
                visit.notice = nil
                visit.noticeUntil = nil
                visit.farewell = nil
                visit.farewellUntil = nil
                visit.recognised = []
                visit.lookWords = []
                visit.shareLink = nil
                visit.slowMotion = false
                effects.append(.began(visit: id))
            }
            let id = visit.id
            for action in actions {
                switch action {
                case .show(let state):
                    enter(state, on: &visit)
                case .recordConsent(let accepted):
                    if let id { effects.append(.recordConsent(visit: id, accepted: accepted)) }
                case .startRecording:
                    guard let id else { break }
                    let seconds = visit.requestedSeconds ?? settings.clipSeconds
                    visit.requestedSeconds = nil
                    visit.recordingStarted = now
                    visit.recordingSeconds = seconds
                    let number = (visit.session.clips.max() ?? -1) + 1
                    effects.append(.startRecording(visit: id, number: number, seconds: seconds))
                case .stopRecording:
                    effects.append(.stopRecording)
                case .sendStaffRequest:
                    // "Bring" on a card stored its request already; the plain staff button asks for help.
                    if visit.staffMessage == nil, let id { effects.append(.requestHelp(visit: id)) }
                case .recordRating(let face):
                    if let id { effects.append(.recordRating(visit: id, face: face)) }
                case .purgeSession:
                    guard let id else { break }
                    let erase: Erase = event != .consentWithdrawn ? .keep : deleteSaved ? .all : .unsaved
                    effects.append(.end(visit: id, erase: erase))
                    visit.id = nil
                    // A shopper who finished (rated or skipped) or withdrew is told what is kept; nobody is there
                    // to read it after an idle timeout or when they walked away.
                    switch event {
                    case .rated, .skipRating, .consentWithdrawn:
                        visit.farewell = Farewell(
                            looks: erase == .keep ? looks.count - saved : 0, saved: erase == .all ? 0 : saved,
                            erased: erase != .keep)
                        visit.farewellUntil = now.advanced(by: .seconds(Visit.farewellSeconds))
                    default: break
                    }
                }
            }
            return !actions.isEmpty
        }
    }
}
