import MirrorCore

/// The shopper's privacy on the glass (``Visit``'s reducer, continued): deleting the visit's looks, and withdrawing
/// consent, which ends the visit and deletes what it kept; a look saved to the profile goes only when the shopper,
/// asked, chooses to delete it too; "Not you?" forgets a profile used by mistake.
extension Visit.Step {
    mutating func privacy(_ event: Visit.Event, on visit: inout Visit) -> Bool {
        let clips = visit.session.clips
        let saved = clips.filter { visit.looks.saved[$0] != nil }.count
        switch event {
        case .deleteLooksTapped:
            guard visit.id != nil, !clips.isEmpty, visit.offersPrivacy else { return false }
            guard saved < clips.count else {
                visit.say("Your looks are saved to your profile: nothing else is kept", at: now)
                return false
            }
            visit.confirming = .deleteLooks(count: clips.count - saved, saved: saved)
            return true
        case .withdrawTapped:
            guard visit.id != nil, visit.state != .idle else { return false }
            guard saved == 0 else {
                visit.confirming = .withdraw(saved: saved)
                return true
            }
            visit.confirming = nil
            return apply(.consentWithdrawn, to: &visit)
        case .confirmed(let yes):
            guard let id = visit.id, let question = visit.confirming else { return false }
            visit.confirming = nil
            switch question {
            case .deleteLooks:
                if yes { effects.append(.deleteLooks(visit: id, numbers: clips)) }
                return true
            case .withdraw:
                deleteSaved = yes
                return apply(.consentWithdrawn, to: &visit)
            case .chooseSize:
                return true  // No: nothing is asked for.
            }
        case .looksDeleted(let count):
            let kept = visit.looks.saved.count
            // The looks go; the share agreement and an earlier visit's look opened with its code stay.
            let (shared, earlier) = (visit.looks.shared, visit.looks.earlier)
            visit.looks = KeptLooks()
            if shared { _ = visit.looks.handle(.shareAnswered(stored: true)) }
            if let earlier { _ = visit.looks.handle(.earlierOpened(earlier)) }
            visit.shareLink = nil
            visit.say(
                (count == 1 ? "1 look deleted" : "\(count) looks deleted")
                    + (kept > 0 ? " · saved looks stay in your profile" : ""), at: now)
            return apply(.looksDeleted, to: &visit)
        case .notYouTapped:
            guard let id = visit.id, let profile = visit.sheet.profile else { return false }
            _ = visit.sheet.handle(.notMe)
            effects.append(.unidentify(visit: id, loyaltyID: profile.loyaltyID))
            return true
        case .looksNotDeleted:
            visit.say("Your looks could not be deleted: please ask a colleague", at: now)
            return false
        default:
            return false
        }
    }
}

extension Visit {
    /// The screens that offer "Delete my looks" (and, in its question, withdrawing).
    var offersPrivacy: Bool {
        switch state {
        case .live, .review, .compare: true
        default: false
        }
    }
}
