import Foundation
import MirrorCore
public import MirrorDisplay
import MirrorSession
import MirrorStore

/// What the shopper and staff ask of the session: buttons, the loyalty keyboard and QR code, cards, taps and
/// swipes (looks picked, shared and saved: SessionLooks.swift).
extension SessionController {
    /// A tap on the button `id` (touch or API); false when no such button is on the screen.
    @discardableResult
    public func press(_ id: String) -> Bool {
        let state = self.state
        let event: Session.Event?
        switch id {
        case ButtonID.start: event = state == .idle ? .presenceDetected : nil
        case ButtonID.accept: event = .consentAccepted
        case ButtonID.decline: event = .consentDeclined
        case ButtonID.cancel, ButtonID.done, ButtonID.stop: event = .back
        case ButtonID.recordAgain: event = .recordRequested
        case ButtonID.staff: event = .staffRequested
        case ButtonID.suggestions: event = .suggestionsRequested
        case ButtonID.myLooks: event = clips.last.map { .reviewRequested(clip: $0) }
        case ButtonID.deleteLooks: return handle(.deleteLooksTapped, interaction: true)
        case ButtonID.withdraw: return handle(.withdrawTapped, interaction: true)
        case ButtonID.notYou: return handle(.notYouTapped, interaction: true)
        case ButtonID.nextStyle: return handle(.sheet(.nextStyle), interaction: true)
        case _ where id.hasPrefix("choose:"):
            return handle(.sizeChosen(String(id.dropFirst("choose:".count))), interaction: true)
        case _ where id.hasPrefix("cancel-request:"):
            guard let request = Int64(id.dropFirst("cancel-request:".count)) else { return false }
            return handle(.cancelRequestTapped(id: request), interaction: true)
        case ButtonID.confirmYes, ButtonID.confirmNo:
            return handle(.confirmed(id == ButtonID.confirmYes), interaction: true)
        case ButtonID.finish: event = .finishRequested
        case ButtonID.skip: event = .skipRating
        case _ where id.hasPrefix("rate:"): event = Int(id.dropFirst(5)).map { .rated($0) }
        case ButtonID.compare: return handle(.compareTapped, interaction: true)
        case ButtonID.share: return share()
        case ButtonID.save: return saveLook()
        case _ where id.hasPrefix("look:"): return pickLook(id)
        case ButtonID.loyalty, ButtonID.earlier, ButtonID.codeOK, ButtonID.codeCancel: return typeCode(id)
        case _ where id.hasPrefix("key:"): return typeCode(id)
        case _ where id.contains(":"): return pressCard(id)
        case ButtonID.slowMotion: return handle(.slowMotionToggled, interaction: true)
        default: event = nil
        }
        guard let event else { return false }
        apply(event, interaction: true)
        return true
    }

    /// The code keyboard: the loyalty code over the suggestions, or a saved look's code over the review screen
    /// (``CodeKeyboard`` decides; the effect runner carries out its checks). Codes are never logged.
    func typeCode(_ id: String) -> Bool {
        guard shop != nil, sessionID != nil else { return false }
        let event: Visit.Event
        switch id {
        case ButtonID.loyalty: event = .openKeyboard(.loyalty)
        case ButtonID.earlier: event = .openKeyboard(.savedLook)
        case ButtonID.codeCancel: event = .keyboard(.cancel)
        case ButtonID.codeDelete: event = .keyboard(.delete)
        case ButtonID.codeOK: event = .keyboard(.ok)
        default:
            let key = id.dropFirst("key:".count)
            guard key.count == 1, let character = key.first else { return false }
            event = .keyboard(.key(character))
        }
        return handle(event, interaction: true)
    }

    /// Checks a loyalty code (against the hub when there is one, so off the caller's thread): the keyboard closes
    /// on a profile, or says there is none.
    func checkLoyalty(_ code: String, session: String) {
        guard let shop else { return }
        Task {
            let profile = await shop.identify(code, session: session)
            if let profile { post(.answer(visit: session, .sheet(.identified(profile)))) }
            post(.answer(visit: session, .keyboard(.loyaltyChecked(code: code, found: profile != nil))))
        }
    }

    /// Whether the loyalty keyboard is open: meanwhile the camera looks for a loyalty QR code.
    public var scanningForLoyaltyCode: Bool {
        let visit = self.visit
        return visit.state == .suggestions && visit.keyboard.entry?.purpose == .loyalty
    }

    /// Whether the camera should look for price tags: while a shopper stands at the live mirror or its
    /// suggestions (not while a clip records or plays), when the catalog has tag barcodes.
    public var scanningForTags: Bool {
        guard shop?.readsTags == true else { return false }
        return state == .live || state == .suggestions
    }

    /// A price tag's barcode the camera read: the garment and size are tried on (the suggestions follow it).
    /// False when it is no tag of the catalog, or was read already in this visit.
    @discardableResult
    public func scannedTag(_ code: String) -> Bool {
        guard let shop, scanningForTags, let found = shop.tag(code),
            handle(.sheet(.tagScanned(found.tag)), interaction: true)
        else { return false }
        logger.debug("tag", metadata: ["sku": "\(found.item.sku)", "size": "\(found.tag.size)"])
        return true
    }

    /// A QR code the camera read while the loyalty keyboard was open: checked as if typed, once per code (a
    /// wrong one held up stays refused without asking the hub again and again). False when it is not a
    /// loyalty code (a link, say) or not new.
    @discardableResult
    public func scanned(_ text: String) -> Bool {
        guard shop != nil, sessionID != nil else { return false }
        return handle(.keyboard(.scanned(text)))
    }

    /// Checks a saved look's code: the answer opens the look beside this visit's (on the compare screen), or
    /// the keyboard says what went wrong.
    func openEarlierLook(_ code: String, session: String) -> Visit.Event? {
        guard let loyaltyId = loyaltyID(of: session) else { return nil }
        var opened: KeptLooks.Earlier?
        let answer: CodeKeyboard.LookAnswer
        do {
            switch try recorder.openEarlierLook(session: session, loyaltyId: loyaltyId, code: code) {
            case .opened(let look):
                opened = .init(clipID: look.clipID, day: Self.day(look.savedAt), garments: look.garments)
                answer = .opened
            case .wrong(let left): answer = .wrong(triesLeft: left)
            case .locked: answer = .locked
            }
        } catch {
            logger.error("saved look not opened", metadata: ["error": "\(error)"])
            answer = .unavailable
        }
        return .earlierLookChecked(code: code, answer, look: opened)
    }

    /// A button on a suggestion card: favourite, dismiss, choose a size, or bring it (a staff request).
    func pressCard(_ id: String) -> Bool {
        let visit = self.visit
        guard let shop, visit.state == .suggestions else { return false }
        let parts = id.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count >= 2 else { return false }
        // "Bring M" brings the size the card names; "Bring it" asks for one when none is known.
        if parts[0] == "bring" {
            return handle(.bring(sku: parts[1], size: parts.count == 3 ? parts[2] : nil), interaction: true)
        }
        guard let event = shop.cardEvent(parts[0], sku: parts[1], value: parts.count == 3 ? parts[2] : nil) else {
            return false
        }
        return handle(.sheet(event), interaction: true)
    }

    /// The share link on the panel now, if any.
    public var shownShareCard: Screen.ShareCard? {
        visit.shownShareLink.flatMap(Screen.ShareCard.init)
    }

    /// A tap at (x, y) in 0…1 of the panel: the button there, or the screen's own meaning of a tap.
    public func tap(x: Double, y: Double) {
        if let id = scene.button(atX: x * Double(panel.width), y: y * Double(panel.height)) {
            press(id)
            return
        }
        switch state {
        case .idle: apply(.presenceDetected, interaction: true)
        case .live: apply(.recordRequested, interaction: true)
        default: touched()
        }
    }

    /// A horizontal swipe: scrubs the clip under review.
    public func swipe(forward: Bool) {
        let now = MonotonicInstant.now()
        current.withLock { c in
            for clip in c.playing { clip.scrub(by: forward ? 0.1 : -0.1, at: now) }
        }
        handle(.touched, at: now, interaction: true)
    }
}
