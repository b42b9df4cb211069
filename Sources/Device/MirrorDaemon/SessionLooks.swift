import MirrorDisplay
import MirrorSession

/// What the shopper keeps of their looks (``KeptLooks`` decides): a favourite picked on the compare screen, the
/// agreement to share, looks saved to their profile. This carries out what it asks and feeds the answers back.
extension SessionController {
    /// A look on the compare screen: picks it as the favourite (again: takes the pick back); stored as a session
    /// event.
    func pickLook(_ id: String) -> Bool {
        guard case .compare(let shown) = state, let index = Int(id.dropFirst("look:".count)), let session = sessionID
        else { return false }
        // The earlier look, when there is one, comes after this visit's.
        let earlier = current.withLock { $0.looks.earlier }
        guard shown.indices.contains(index) || (index == shown.count && earlier != nil) else { return false }
        let number = shown.indices.contains(index) ? shown[index] : KeptLooks.earlierLook
        keep(.pick(look: number), session: session)
        refresh()
        return true
    }

    /// The shopper agrees to share this session's clips (the review screen's Share button, or the API):
    /// stores the consent; false when there is no session or it cannot be stored.
    @discardableResult
    public func share() -> Bool {
        guard let id = sessionID, keep(.share, session: id) else { return false }
        // With share links, the look under review gets one for the shopper's phone (a fresh link each time).
        var card: (Int, Screen.ShareCard)?
        if let shareLinks, case .review(let clip) = state, let made = shareLinks.create(session: id, number: clip) {
            card = (clip, made)
            recorder.note(.lookShared, session: id)
        }
        current.withLock {
            $0.lastInteraction = .now()
            if let card, $0.id == id { $0.shareCard = card }
        }
        refresh()
        return true
    }

    /// The identified shopper saves the look under review to their profile (the tap is their consent); the
    /// review screen then shows the code that opens it at a later visit. Saved already: nothing more happens.
    @discardableResult
    public func saveLook() -> Bool {
        guard let id = sessionID, case .review(let clip) = state else { return false }
        let identified = shop?.identifiedLoyaltyID(session: id) != nil
        guard keep(.save(look: clip, identified: identified), session: id) else { return false }
        current.withLock { $0.lastInteraction = .now() }
        refresh()
        return true
    }

    /// Applies an event to what the shopper keeps of their looks and carries out what it asks (storing a pick,
    /// the share agreement, a saved look), feeding each answer back for the same visit only. False when the event
    /// or one of its answers did not take (nothing to do, or the store failed).
    @discardableResult
    func keep(_ event: KeptLooks.Event, session: String) -> Bool {
        var (handled, effects) = current.withLock { c -> (Bool, [KeptLooks.Effect]) in
            guard c.id == session else { return (false, []) }
            c.lastInteraction = .now()
            return c.looks.handle(event)
        }
        while handled, !effects.isEmpty {
            let answer: KeptLooks.Event?
            switch effects.removeFirst() {
            case .storePick(let look, let picked):
                let earlier = current.withLock { $0.looks.earlier }
                let words =
                    if look == KeptLooks.earlierLook, let earlier {
                        "saved look of \(earlier.day)"
                    } else { "look \(look + 1)" }
                do { try recorder.pickLook(session: session, look: words, picked: picked) } catch {
                    logger.error("favourite look not stored", metadata: ["error": "\(error)"])
                }
                answer = nil
            case .storeShare:
                var stored = true
                do { try recorder.recordShare(session: session) } catch {
                    logger.error("share consent could not be stored", metadata: ["error": "\(error)"])
                    stored = false
                }
                answer = .shareAnswered(stored: stored)
            case .save(let look, let garments):
                var code: String?
                if let loyaltyId = shop?.identifiedLoyaltyID(session: session) {
                    do {
                        code = try recorder.saveLook(
                            session: session, number: look, loyaltyId: loyaltyId, garments: garments)
                    } catch {
                        logger.error("look not saved to the profile", metadata: ["error": "\(error)"])
                    }
                }
                answer = .saveAnswered(look: look, code: code)
            }
            guard let answer else { continue }
            let outcome = current.withLock { c -> (Bool, [KeptLooks.Effect]) in
                guard c.id == session else { return (false, []) }
                return c.looks.handle(answer)
            }
            handled = outcome.0
            effects += outcome.1
        }
        return handled
    }
}
