import MirrorSession
import Testing

@Suite struct SessionTests {
    @Test func firstRecordingAsksForConsentThenCountsDown() {
        var session = Session(countdownSeconds: 2)
        #expect(session.handle(.presenceDetected) == [.show(.live)])
        #expect(session.handle(.recordRequested) == [.show(.consent)])
        #expect(session.handle(.consentAccepted) == [.recordConsent(accepted: true), .show(.countdown(2))])
        #expect(session.handle(.tick) == [.show(.countdown(1))])
        #expect(session.handle(.tick) == [.show(.recording), .startRecording])
        #expect(session.handle(.clipSaved(index: 0)) == [.show(.review(clip: 0))])
        // Consent holds for the session: the second recording goes straight to the countdown.
        #expect(session.handle(.recordRequested) == [.show(.countdown(2))])
    }

    /// Finish asks for a one-tap rating, then ends the visit; Skip ends it unrated, Back returns to the mirror,
    /// and a shopper who walks away ends it with no rating.
    @Test func finishAsksForARatingThenEndsTheVisit() {
        var session = Session()
        _ = session.handle(.presenceDetected)
        #expect(session.handle(.rated(4)) == [], "no rating outside the rating screen")
        #expect(session.handle(.finishRequested) == [.show(.rating)])
        #expect(session.handle(.rated(0)) == [] && session.handle(.rated(6)) == [])
        #expect(session.handle(.back) == [.show(.live)])
        _ = session.handle(.finishRequested)
        #expect(session.handle(.rated(4)) == [.recordRating(4), .purgeSession, .show(.idle)])
        _ = session.handle(.presenceDetected)
        _ = session.handle(.finishRequested)
        #expect(session.handle(.skipRating) == [.purgeSession, .show(.idle)])
        _ = session.handle(.presenceDetected)
        _ = session.handle(.finishRequested)
        #expect(session.handle(.presenceLost) == [.purgeSession, .show(.idle)])
        // Not while recording: Finish there does nothing (Stop comes first).
        _ = session.handle(.presenceDetected)
        _ = session.handle(.recordRequested)
        _ = session.handle(.consentAccepted)
        for _ in 0..<3 { _ = session.handle(.tick) }
        #expect(session.state == .recording && session.handle(.finishRequested) == [])
    }

    @Test func declinedConsentNeverRecords() {
        var session = Session()
        _ = session.handle(.presenceDetected)
        _ = session.handle(.recordRequested)
        let actions = session.handle(.consentDeclined)
        #expect(actions == [.recordConsent(accepted: false), .show(.live)])
        #expect(!session.consented)
        // Asking again asks for consent again; ticks outside a countdown do nothing.
        #expect(session.handle(.tick) == [])
        #expect(session.handle(.recordRequested) == [.show(.consent)])
    }

    /// Whatever the order of events, recording starts only after consent in the same session.
    @Test func noRecordingWithoutConsentUnderAnyEventSequence() {
        let events: [Session.Event] = [
            .presenceDetected, .presenceLost, .recordRequested, .consentAccepted, .consentDeclined, .tick,
            .clipSaved(index: 0), .clipFailed, .reviewRequested(clip: 0), .compareRequested(clips: [0, 1]),
            .staffRequested, .back, .endSession, .consentWithdrawn, .finishRequested, .rated(3), .skipRating,
        ]
        var generator = SystemRandomNumberGenerator()
        var violations = 0
        for _ in 0..<2000 {
            var session = Session(countdownSeconds: 1)
            var consentedHere = false
            for _ in 0..<30 {
                let event = events.randomElement(using: &generator)!
                let actions = session.handle(event)
                if actions.contains(.recordConsent(accepted: true)) { consentedHere = true }
                if actions.contains(.purgeSession) { consentedHere = false }
                if actions.contains(.startRecording) && !consentedHere { violations += 1 }
            }
        }
        #expect(violations == 0)
    }

    @Test func aFullTurnStopsTheRecordingOnlyWhileRecording() {
        var session = Session(countdownSeconds: 0)
        _ = session.handle(.presenceDetected)
        #expect(session.handle(.turnCompleted).isEmpty)
        _ = session.handle(.recordRequested)
        _ = session.handle(.consentAccepted)
        #expect(session.handle(.turnCompleted) == [.stopRecording])
        #expect(session.handle(.clipSaved(index: 0)) == [.show(.review(clip: 0))])
        #expect(session.handle(.turnCompleted).isEmpty)
    }

    @Test func leavingOrWithdrawingPurgesTheSession() {
        var session = Session(countdownSeconds: 0)
        _ = session.handle(.presenceDetected)
        _ = session.handle(.recordRequested)
        #expect(
            session.handle(.consentAccepted) == [.recordConsent(accepted: true), .show(.recording), .startRecording])
        #expect(session.handle(.consentWithdrawn) == [.stopRecording, .purgeSession, .show(.idle)])
        #expect(session.clips.isEmpty && !session.consented)

        _ = session.handle(.presenceDetected)
        #expect(session.handle(.presenceLost) == [.purgeSession, .show(.idle)])
    }

    @Test func compareNeedsTwoOfThisSessionsClipsAndShowsAtMostFour() {
        var session = Session(countdownSeconds: 0)
        _ = session.handle(.presenceDetected)
        _ = session.handle(.recordRequested)
        _ = session.handle(.consentAccepted)
        _ = session.handle(.clipSaved(index: 0))
        #expect(session.handle(.compareRequested(clips: [0, 7])) == [], "clip 7 is not this session's")
        #expect(session.handle(.compareRequested(clips: [0], earlier: true)) == [.show(.compare(clips: [0]))])
        _ = session.handle(.back)
        for index in 1...4 {
            _ = session.handle(.recordRequested)
            _ = session.handle(.clipSaved(index: index))
        }
        #expect(session.handle(.compareRequested(clips: [0, 1, 2, 3, 4])) == [.show(.compare(clips: [0, 1, 2, 3]))])
        _ = session.handle(.back)
        // Beside a look saved at an earlier visit: three of this session's at most.
        #expect(
            session.handle(.compareRequested(clips: [1, 2, 3, 4], earlier: true)) == [
                .show(.compare(clips: [1, 2, 3]))
            ])
        #expect(session.handle(.staffRequested) == [.sendStaffRequest, .show(.staffOnTheWay)])
        #expect(session.handle(.back) == [.show(.live)])
    }
}

@Suite struct SuggestionsStateTests {
    @Test func suggestionsOpenFromLiveAndLeadToStaff() {
        var session = Session(countdownSeconds: 0)
        _ = session.handle(.presenceDetected)
        #expect(session.handle(.suggestionsRequested) == [.show(.suggestions)])
        #expect(session.handle(.staffRequested) == [.sendStaffRequest, .show(.staffOnTheWay)])
        _ = session.handle(.back)
        _ = session.handle(.suggestionsRequested)
        #expect(session.handle(.back) == [.show(.live)])
        #expect(session.handle(.suggestionsRequested) == [.show(.suggestions)])
        #expect(session.handle(.recordRequested) == [.show(.consent)])
    }

    @Test func suggestionsNeedSomeoneThere() {
        var session = Session()
        #expect(session.handle(.suggestionsRequested).isEmpty)
        #expect(session.state == .idle)
    }

    /// Issue: with nobody touching the mirror, every visit the camera started ended within a second. Idle ends a
    /// visit once; whoever stays in view starts no other until the view has been empty; a touch always does.
    @Test func idleEndsAVisitOnceWhileTheShopperStaysInView() {
        var session = Session()
        #expect(session.handle(.shopperSeen) == [.show(.live)])
        #expect(session.handle(.shopperSeen) == [])
        #expect(session.handle(.idleTimedOut) == [.purgeSession, .show(.idle)])
        for _ in 0..<5 { #expect(session.handle(.shopperSeen) == []) }
        #expect(session.state == .idle && session.waitingForEmptyView)
        #expect(session.handle(.presenceLost) == [])
        #expect(session.handle(.shopperSeen) == [.show(.live)])

        // A touch starts a visit even while the view has not emptied.
        _ = session.handle(.idleTimedOut)
        #expect(session.handle(.presenceDetected) == [.show(.live)])
        #expect(!session.waitingForEmptyView)

        // An idle timeout while recording stops the recorder first.
        _ = session.handle(.recordRequested)
        _ = session.handle(.consentAccepted)
        for _ in 0..<3 { _ = session.handle(.tick) }
        #expect(session.state == .recording)
        #expect(session.handle(.idleTimedOut) == [.stopRecording, .purgeSession, .show(.idle)])
    }
}
