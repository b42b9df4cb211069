import MirrorCore

/// The parts of handling an event that follow a screen change, the code keyboard, the kept looks and the clock
/// (``Visit``'s reducer, continued).
extension Visit.Step {
    /// A new screen: its timers start, what belonged to the last one goes.
    mutating func enter(_ state: Session.State, on visit: inout Visit) {
        visit.nextTick = if case .countdown = state { now.advanced(by: .seconds(1)) } else { nil }
        visit.staffShownAt = state == .staffOnTheWay ? now : nil
        visit.ratingShownAt = state == .rating ? now : nil
        if state != .staffOnTheWay { visit.staffMessage = nil }
        visit.confirming = nil
        // Slow motion is a choice for the look on screen: the next look, or the looks compared, play at speed.
        switch state {
        case .review, .compare: visit.slowMotion = false
        default: break
        }
        if state != .recording {
            visit.recordingStarted = nil
            visit.recordingSeconds = nil
        }
        _ = visit.keyboard.handle(.screenChanged(toSuggestions: state == .suggestions))
        // Reviewing, an identified shopper is offered the looks they saved here before.
        _ = visit.looks.handle(.earlierCounted(0))
        effects.append(.show(state))
        if case .review = state, let id = visit.id { effects.append(.countEarlierLooks(visit: id)) }
    }

    mutating func keyboard(_ event: CodeKeyboard.Event, on visit: inout Visit) -> Bool {
        let (handled, asked) = visit.keyboard.handle(event)
        if handled, let id = visit.id { effects += asked.map { .keyboard(visit: id, $0) } }
        return handled
    }

    mutating func looks(_ event: KeptLooks.Event, on visit: inout Visit) -> Bool {
        guard let id = visit.id else { return false }
        let (handled, asked) = visit.looks.handle(event)
        guard handled else { return false }
        effects += asked.map { .looks(visit: id, $0) }
        // The agreement stored while a look is reviewed: that look gets a link for the shopper's phone.
        if case .shareAnswered = event, case .review(let clip) = visit.state {
            effects.append(.makeShareLink(visit: id, clip: clip))
        }
        return true
    }

    /// The timers, at most one per call (the daemon's clock calls often).
    mutating func clock(_ visit: inout Visit) -> Bool {
        if let until = visit.noticeUntil, now >= until {
            visit.notice = nil
            visit.noticeUntil = nil
        }
        if let until = visit.farewellUntil, now >= until {
            visit.farewell = nil
            visit.farewellUntil = nil
        }
        if let next = visit.nextTick, now >= next {
            visit.nextTick = next.advanced(by: .seconds(1))
            return apply(.tick, to: &visit)
        }
        if let shown = visit.staffShownAt, now.since(shown) > .seconds(Visit.staffSeconds) {
            visit.staffShownAt = nil
            return apply(.back, to: &visit)
        }
        if let shown = visit.ratingShownAt, now.since(shown) > .seconds(Visit.ratingSeconds) {
            visit.ratingShownAt = nil
            return apply(.skipRating, to: &visit)
        }
        let busy = visit.state == .idle || visit.state == .recording
        if !busy, now.since(visit.lastInteraction) > .seconds(settings.idleTimeoutSeconds) {
            effects.append(.idleTimedOut)
            return apply(.idleTimedOut, to: &visit)
        }
        return false
    }
}
