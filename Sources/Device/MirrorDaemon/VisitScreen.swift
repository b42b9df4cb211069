import Foundation
import MirrorCore
import MirrorDisplay
import MirrorSession

/// What the panel shows for a visit: a pure function of the ``Visit`` value and of what the display knows
/// beside it (the time, the play head, the catalog's cards), built without locks or I/O. The effect runner
/// gathers the inputs; this only decides.
struct VisitScreen {
    /// What the screen needs besides the visit.
    struct Inputs {
        var now: MonotonicInstant
        /// The configured clip length and how long clips are kept (the consent screen says both), and how long a
        /// look saved to the profile is kept (the goodbye says it).
        var clipSeconds: Int
        var keepHours: Int
        var savedDays = 90
        /// Where the look under review is playing, 0…1.
        var position: Double = 0
        /// What the vision core recognised, in words, and the suggestion cards (both from the catalog side).
        var recognised: [String] = []
        /// Where the cards shown stand among all the suggestions (the first's index, how many).
        var cardsAt: (first: Int, total: Int?) = (0, nil)
        var cards: [Screen.Garment] = []
        /// The shopper gave a loyalty code that found their profile.
        var identified = false
    }

    /// The screen for `visit`.
    static func screen(for visit: Visit, _ inputs: Inputs) -> Screen {
        if let question = visit.confirming { return .confirm(confirm(question, inputs)) }
        let session = visit.session
        let looks = visit.looks
        switch session.state {
        case .idle:
            return visit.farewell.map { .goodbye(lines: farewell($0, inputs)) } ?? .attract
        case .live:
            return .live(
                hint: visit.notice ?? "Tap the mirror to record your look", looks: session.clips.count,
                request: visit.requests.onItsWay.map { .init(id: $0.id, words: $0.words) })
        case .consent:
            return .consent(clipSeconds: inputs.clipSeconds, keepHours: inputs.keepHours)
        case .countdown(let left):
            return .countdown(left)
        case .recording:
            let total = Double(visit.recordingSeconds ?? inputs.clipSeconds)
            let elapsed = visit.recordingStarted.map { inputs.now.since($0).seconds } ?? 0
            return .recording(
                progress: min(elapsed / total, 1), secondsLeft: max(0, Int((total - elapsed).rounded(.up))))
        case .review(let clip):
            if let entry = visit.keyboard.entry { return .codeEntry(.init(entry)) }
            return .review(
                .init(
                    look: lookNumber(clip, of: session), looks: session.clips.count, position: inputs.position,
                    slowMotion: visit.slowMotion, shared: looks.shared,
                    link: visit.shownShareLink.flatMap(Screen.ShareCard.init), saveable: inputs.identified,
                    saved: looks.saved[clip] != nil, code: looks.saved[clip], earlierLooks: looks.earlierCount,
                    canCompare: session.clips.count >= 2 || looks.earlier != nil))
        case .compare(let clips):
            var shown = clips.map { clip in
                Screen.Compare.Look(
                    title: "Look \(lookNumber(clip, of: session))", garments: looks.garments[clip] ?? [])
            }
            if let earlier = looks.earlier {
                shown.append(.init(title: "Saved \(earlier.day)", garments: earlier.garments))
            }
            // The earlier visit's look, when picked, is the last one shown.
            let favourite = looks.favourite.flatMap {
                $0 == KeptLooks.earlierLook ? clips.count : clips.firstIndex(of: $0)
            }
            return .compare(.init(looks: differences(shown), favourite: favourite))
        case .suggestions:
            if let entry = visit.keyboard.entry { return .codeEntry(.init(entry)) }
            return .suggestions(
                .init(
                    recognised: inputs.recognised, cards: inputs.cards, identified: inputs.identified,
                    first: inputs.cardsAt.first, total: inputs.cardsAt.total ?? inputs.cards.count))
        case .staffOnTheWay:
            return .staffOnTheWay(
                request: visit.staffMessage ?? "A colleague is coming to help", undo: visit.requests.onItsWay?.id)
        case .rating:
            return .rating
        }
    }

    /// What the goodbye says is kept, sentence by sentence.
    static func farewell(_ farewell: Visit.Farewell, _ inputs: Inputs) -> [String] {
        // A number and its unit stay on one line (no-break spaces).
        var lines: [String] = []
        if farewell.erased {
            guard farewell.saved > 0 else { return ["Everything from your visit was deleted, as you asked."] }
            lines.append("Your looks from this visit were deleted, as you asked.")
        }
        if farewell.looks > 0 {
            let looks = farewell.looks == 1 ? "Your look is" : "Your \(farewell.looks) looks are"
            lines.append("\(looks) deleted from this mirror in \(inputs.keepHours)\u{A0}hours.")
        }
        if farewell.saved > 0 {
            let saved = farewell.saved == 1 ? "The look you saved stays" : "The \(farewell.saved) looks you saved stay"
            lines.append("\(saved) in your profile for \(inputs.savedDays)\u{A0}days.")
        }
        if lines.isEmpty { lines.append("Nothing from your visit is kept.") }
        return lines
    }

    /// The question on screen, in words.
    static func confirm(_ question: Visit.Confirmation, _ inputs: Inputs) -> Screen.Confirm {
        switch question {
        case .deleteLooks(let count, let saved):
            let looks = count == 1 ? "this visit's look" : "this visit's \(count) looks"
            return .init(
                title: "Delete \(looks)?",
                detail: "They are deleted from this mirror now."
                    + (saved > 0 ? " Looks you saved to your profile stay there." : ""),
                yes: "Delete", no: "Keep them", withdraw: "Delete everything and end my visit")
        case .withdraw(let saved):
            let look = saved == 1 ? "the look" : "the \(saved) looks"
            return .init(
                title: saved == 1 ? "Delete your saved look too?" : "Delete your \(saved) saved looks too?",
                detail: "Everything else from this visit is deleted now and your visit ends. You saved \(look) to "
                    + "your profile: \(saved == 1 ? "it stays" : "they stay") for \(inputs.savedDays)\u{A0}days "
                    + "unless you delete \(saved == 1 ? "it" : "them") now.",
                yes: "Delete \(saved == 1 ? "it" : "them") too", no: "Keep \(saved == 1 ? "it" : "them")")
        case .chooseSize(_, let item, let sizes):
            return .init(
                title: "Which size?", detail: "\(item): a colleague brings the size you choose.", yes: "",
                no: "Cancel", choices: sizes)
        }
    }

    /// Captions that differ by what differs: a garment worn in every look compared is left out of each caption (the
    /// first says it is in all of them); a look with nothing of its own says so.
    static func differences(_ looks: [Screen.Compare.Look]) -> [Screen.Compare.Look] {
        guard looks.count >= 2, looks.allSatisfy({ !$0.garments.isEmpty }) else { return looks }
        let common = looks.dropFirst().reduce(Set(looks[0].garments)) { $0.intersection($1.garments) }
        guard !common.isEmpty else { return looks }
        let shared = looks[0].garments.filter(common.contains)
        return looks.enumerated().map { index, look in
            var own = look.garments.filter { !common.contains($0) }
            if own.isEmpty { own = ["same garments"] }
            if index == 0 { own.append("all in \(shared.joined(separator: " · "))") }
            return .init(title: look.title, garments: own)
        }
    }

    /// A clip's number as the shopper counts looks: 1 for the visit's first.
    static func lookNumber(_ clip: Int, of session: Session) -> Int {
        (session.clips.firstIndex(of: clip) ?? 0) + 1
    }
}

extension Screen.ShareCard {
    /// The card the panel draws for a look's share link.
    init?(_ link: Visit.ShareLink) {
        self.init(url: link.url, pin: link.pin, minutes: link.minutes)
    }
}

extension Screen.CodeEntry {
    /// The keyboard as the panel draws it.
    init(_ entry: CodeKeyboard.Entry) {
        self.init(
            purpose: entry.purpose == .loyalty ? .loyalty : .savedLook, typed: entry.typed, message: entry.message)
    }
}
