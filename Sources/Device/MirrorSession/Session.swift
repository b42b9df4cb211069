/// The fitting-room session as a pure state machine: events in, state and actions out, no I/O.
///
/// The daemon feeds it touch, API, presence and recorder events and carries out the actions it
/// returns (draw a screen, start the recorder, purge what the session kept). Privacy rule built in:
/// nothing is ever recorded before the shopper accepts consent in this session.
public struct Session: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Nobody in front of the mirror: the attract screen.
        case idle
        /// Someone is there; the live mirror shows, nothing is kept.
        case live
        /// Asking before the first recording: what is recorded, for how long, who sees it.
        case consent
        /// Counting down before recording starts (seconds left).
        case countdown(Int)
        case recording
        /// Watching clip `index` of this session (loop, slow motion, scrub).
        case review(clip: Int)
        /// Two or more clips side by side.
        case compare(clips: [Int])
        /// What the mirror recognised and suggests, over the live view.
        case suggestions
        /// A size or colour request went to staff; back to the live view after the confirmation.
        case staffOnTheWay
        /// The shopper finished: one tap on a face rates the visit (or Skip), then the visit ends.
        case rating
    }

    public enum Event: Sendable, Equatable {
        /// Someone starts a visit on purpose (a touch on the attract screen, `mirrorctl ui event start`).
        case presenceDetected
        /// The camera sees someone in view (sent while they stay there): starts a visit, except after an idle
        /// timeout, until the view has been empty once.
        case shopperSeen
        /// Nobody seen for the presence timeout.
        case presenceLost
        /// Nobody used the mirror for the idle timeout: the visit ends once, and whoever stays in view does not
        /// start another.
        case idleTimedOut
        /// Record pressed (touch, API or CLI).
        case recordRequested
        case consentAccepted
        case consentDeclined
        /// One second of countdown passed.
        case tick
        /// The recorder finished clip number `index` (0 is the session's first clip).
        case clipSaved(index: Int)
        case clipFailed
        case reviewRequested(clip: Int)
        /// Compare `clips` of this session (two to four); with `earlier`, beside a look saved at an earlier visit,
        /// so that one clip is enough and three at most are taken.
        case compareRequested(clips: [Int], earlier: Bool = false)
        case suggestionsRequested
        case staffRequested
        /// Back to the live mirror (close review, compare, confirmation); stops a recording.
        case back
        /// The vision core saw the shopper complete one full turn: the clip can end.
        case turnCompleted
        /// The shopper or staff ended the session.
        case endSession
        /// The shopper tapped Finish: the rating screen, then the end.
        case finishRequested
        /// A face on the rating screen: 1 (unhappy) to 5 (delighted).
        case rated(Int)
        /// Skip on the rating screen (or nobody tapped it in time).
        case skipRating
        /// Consent withdrawn mid-session: stop and delete.
        case consentWithdrawn
        /// The shopper deleted this visit's looks: none is left to review or compare.
        case looksDeleted
    }

    public enum Action: Sendable, Equatable {
        case show(State)
        case startRecording
        case stopRecording
        case sendStaffRequest
        /// Delete everything this session kept (clips, crops, embeddings) and forget its consent.
        case purgeSession
        /// Record the shopper's consent decision (for the audit trail).
        case recordConsent(accepted: Bool)
        /// Record the visit's rating (1 to 5) before it ends.
        case recordRating(Int)
    }

    public private(set) var state: State = .idle
    /// Consent given in this session; reset when the session ends.
    public private(set) var consented = false
    /// Clips recorded in this session.
    public private(set) var clips: [Int] = []
    /// The last visit ended while its shopper may still be in view (an idle timeout, or they finished or withdrew
    /// and are reading the goodbye): the camera starts no visit until the view has been empty (a touch still does).
    public private(set) var waitingForEmptyView = false
    /// Seconds of countdown before recording (a configuration reload may change it between events).
    public var countdownSeconds: Int {
        didSet { precondition(countdownSeconds >= 0) }
    }

    public init(countdownSeconds: Int = 3) {
        precondition(countdownSeconds >= 0)
        self.countdownSeconds = countdownSeconds
    }

    /// Applies `event` and returns what to do, in order. Events that do not apply change nothing.
    public mutating func handle(_ event: Event) -> [Action] {
        switch (state, event) {
        case (.idle, .presenceDetected):
            waitingForEmptyView = false
            return enter(.live)
        case (.idle, .shopperSeen):
            return waitingForEmptyView ? [] : enter(.live)
        case (.idle, .presenceLost):
            waitingForEmptyView = false
            return []
        case (.live, .recordRequested), (.review, .recordRequested), (.compare, .recordRequested),
            (.suggestions, .recordRequested):
            return consented ? startCountdown() : enter(.consent)
        case (.consent, .consentAccepted):
            consented = true
            return [.recordConsent(accepted: true)] + startCountdown()
        case (.consent, .consentDeclined):
            return [.recordConsent(accepted: false)] + enter(.live)
        case (.countdown(let left), .tick):
            if left > 1 { return enter(.countdown(left - 1)) }
            return enter(.recording) + [.startRecording]
        case (.countdown, .back):
            return enter(.live)
        case (.recording, .clipSaved(let index)):
            clips.append(index)
            return enter(.review(clip: index))
        case (.recording, .clipFailed):
            return enter(.live)
        case (.recording, .back), (.recording, .turnCompleted):
            return [.stopRecording]  // the recorder answers with clipSaved or clipFailed
        case (.live, .reviewRequested(let clip)), (.compare, .reviewRequested(let clip)),
            (.review, .reviewRequested(let clip)):
            guard clips.contains(clip) else { return [] }
            return enter(.review(clip: clip))
        case (.live, .compareRequested(let wanted, let earlier)), (.review, .compareRequested(let wanted, let earlier)):
            let chosen = Array(wanted.filter { clips.contains($0) }.prefix(earlier ? 3 : 4))
            guard chosen.count >= (earlier ? 1 : 2) else { return [] }
            return enter(.compare(clips: chosen))
        case (.live, .suggestionsRequested), (.review, .suggestionsRequested):
            return enter(.suggestions)
        case (.live, .staffRequested), (.review, .staffRequested), (.compare, .staffRequested),
            (.suggestions, .staffRequested):
            return [.sendStaffRequest] + enter(.staffOnTheWay)
        case (.review, .back), (.compare, .back), (.staffOnTheWay, .back), (.consent, .back), (.suggestions, .back),
            (.rating, .back):
            return enter(.live)
        case (.live, .finishRequested), (.review, .finishRequested), (.compare, .finishRequested),
            (.suggestions, .finishRequested), (.staffOnTheWay, .finishRequested):
            return enter(.rating)
        case (.rating, .rated(let face)):
            guard (1...5).contains(face) else { return [] }
            waitingForEmptyView = true
            return [.recordRating(face)] + end(stopping: false)
        case (.rating, .skipRating):
            waitingForEmptyView = true
            return end(stopping: false)
        case (.live, .looksDeleted), (.review, .looksDeleted), (.compare, .looksDeleted):
            clips = []
            return enter(.live)
        case (_, .consentWithdrawn):
            guard state != .idle else { return [] }
            waitingForEmptyView = true
            return end(stopping: state == .recording)
        case (.idle, _):
            return []
        case (_, .presenceLost), (_, .endSession):
            return end(stopping: state == .recording)
        case (_, .idleTimedOut):
            waitingForEmptyView = true
            return end(stopping: state == .recording)
        default:
            return []
        }
    }

    private mutating func enter(_ next: State) -> [Action] {
        state = next
        return [.show(next)]
    }

    private mutating func startCountdown() -> [Action] {
        guard countdownSeconds > 0 else { return enter(.recording) + [.startRecording] }
        return enter(.countdown(countdownSeconds))
    }

    /// Ends the session: whatever it kept is purged, consent is forgotten.
    private mutating func end(stopping: Bool) -> [Action] {
        consented = false
        clips = []
        return (stopping ? [.stopRecording] : []) + [.purgeSession] + enter(.idle)
    }
}
