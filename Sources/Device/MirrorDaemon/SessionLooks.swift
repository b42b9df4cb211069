import MirrorDisplay
import MirrorSession

/// What the shopper keeps of their looks (``KeptLooks`` decides): a favourite picked on the compare screen, the
/// agreement to share, looks saved to their profile. This turns the taps into events and carries out what the
/// value asks to store; the answers go back through the effect runner.
extension SessionController {
    /// A look on the compare screen: picks it as the favourite (again: takes the pick back); stored as a session
    /// event.
    func pickLook(_ id: String) -> Bool {
        let visit = self.visit
        guard case .compare(let shown) = visit.state, let index = Int(id.dropFirst("look:".count)) else {
            return false
        }
        // The earlier look, when there is one, comes after this visit's.
        guard shown.indices.contains(index) || (index == shown.count && visit.looks.earlier != nil) else {
            return false
        }
        let number = shown.indices.contains(index) ? shown[index] : KeptLooks.earlierLook
        return handle(.looks(.pick(look: number)), interaction: true)
    }

    /// The shopper agrees to share this session's clips (the review screen's Share button, or the API):
    /// stores the consent, and the look under review gets a link for the shopper's phone when the mirror makes
    /// share links; false when there is no session or the agreement cannot be stored.
    @discardableResult
    public func share() -> Bool {
        handle(.looks(.share), interaction: true)
    }

    /// The identified shopper saves the look under review to their profile (the tap is their consent); the
    /// review screen then shows the code that opens it at a later visit. Saved already: nothing more happens.
    @discardableResult
    public func saveLook() -> Bool {
        guard let id = sessionID, case .review(let clip) = state else { return false }
        let identified = loyaltyID(of: id) != nil
        return handle(.looks(.save(look: clip, identified: identified)), interaction: true)
    }

    /// Stores what ``KeptLooks`` asks (a pick, the share agreement, a saved look); returns its answer, if any.
    func perform(_ effect: KeptLooks.Effect, session: String) -> [KeptLooks.Event] {
        switch effect {
        case .storePick(let look, let picked):
            let earlier = visit.looks.earlier
            let words =
                if look == KeptLooks.earlierLook, let earlier {
                    "saved look of \(earlier.day)"
                } else { "look \(look + 1)" }
            do { try recorder.pickLook(session: session, look: words, picked: picked) } catch {
                logger.error("favourite look not stored", metadata: ["error": "\(error)"])
            }
            return []
        case .storeShare:
            var stored = true
            do { try recorder.recordShare(session: session) } catch {
                logger.error("share consent could not be stored", metadata: ["error": "\(error)"])
                stored = false
            }
            return [.shareAnswered(stored: stored)]
        case .save(let look, let garments):
            var code: String?
            if let loyaltyId = loyaltyID(of: session) {
                do {
                    code = try recorder.saveLook(
                        session: session, number: look, loyaltyId: loyaltyId, garments: garments)
                } catch {
                    logger.error("look not saved to the profile", metadata: ["error": "\(error)"])
                }
            }
            return [.saveAnswered(look: look, code: code)]
        }
    }
}
