import Foundation
import MirrorCore
import MirrorDisplay
import MirrorRecorder
import MirrorSession
import MirrorStore
import Synchronization

/// The visit's effect runner, one serial queue: applies an event to the ``Visit`` value, then carries out the
/// effects it returns outside the value's lock (the store, the recorder, players, the hub), in order, and feeds
/// their answers back as events, after the effects of the event that asked for them; the next event waits until
/// all of that is done, so no effect runs for a state that is gone. Answers that come later (a clip finished, a
/// loyalty code checked by the hub) are posted with the visit they belong to, and change nothing once it is gone.
extension SessionController {
    /// Set on the runner's queue: a call from one of its own effects runs inline.
    static let onRunnerKey = DispatchSpecificKey<Bool>()

    /// Runs `body` on the runner, waiting for it; inline when already there (an effect's own call).
    func onRunner<T>(_ body: () -> T) -> T {
        if DispatchQueue.getSpecific(key: Self.onRunnerKey) == true { return body() }
        return runner.sync { body() }
    }

    /// Handles `event` on the runner without waiting: the recorder's and the hub's answers and the camera's
    /// presence, whose threads must not wait for a redraw.
    func post(_ event: Visit.Event) {
        runner.async { [self] in
            _ = run(event, at: .now(), interaction: false, redraw: true)
        }
    }

    /// Posts `event` unless one of its kind still waits on the runner, which then takes the newest: the clock
    /// and the vision core's words come often, and a slow redraw must not let them pile up.
    func coalesce(_ event: Visit.Event, as kind: Coalesced) {
        let waiting = pending.withLock { $0.updateValue(event, forKey: kind) != nil }
        guard !waiting else { return }
        runner.async { [self] in
            guard let newest = pending.withLock({ $0.removeValue(forKey: kind) }) else { return }
            _ = run(newest, at: .now(), interaction: false, redraw: true)
        }
    }

    /// Handles `event` and every answer it leads to, then redraws, on the runner. Returns whether the event and
    /// its answers meant something (a tap on nothing, or a store that failed, does not).
    @discardableResult
    func handle(
        _ event: Visit.Event, at now: MonotonicInstant = .now(), interaction: Bool = false, redraw: Bool = true
    ) -> Bool {
        onRunner { run(event, at: now, interaction: interaction, redraw: redraw) }
    }

    private func run(_ event: Visit.Event, at now: MonotonicInstant, interaction: Bool, redraw: Bool) -> Bool {
        let settings = Visit.Settings(
            clipSeconds: recording.clipSeconds, idleTimeoutSeconds: self.settings.idleTimeoutSeconds)
        var queue: [Visit.Event] = [event]
        var person = interaction
        var all = true
        var changed = false
        while !queue.isEmpty {
            let next = queue.removeFirst()
            let (handled, effects) = current.withLock { c in
                c.visit.handle(
                    next, at: now, interaction: person, settings: settings, newID: { UUID().uuidString.lowercased() })
            }
            person = false
            all = all && handled
            changed = changed || handled
            for effect in effects { queue += perform(effect, at: now) }
        }
        // The clock always redraws (progress bars and play heads move); an event that changed nothing does not.
        if redraw, changed || event == .clock || interaction { draw(at: now) }
        return all
    }

    /// Carries out one effect; returns the answers to handle next.
    func perform(_ effect: Visit.Effect, at now: MonotonicInstant) -> [Visit.Event] {
        switch effect {
        case .began(let id):
            metrics?.sessionStarted()
            recorder.note(.visitStarted, session: id)
        case .show(let state):
            play(state, at: now)
        case .recordConsent(let id, let accepted):
            (accepted ? metrics?.consentAccepted : metrics?.consentDeclined)?.increment()
            do {
                try recorder.recordConsent(session: id, accepted: accepted)
            } catch {
                logger.error("consent could not be stored; not recording", metadata: ["error": "\(error)"])
                return [.answer(visit: id, .consentNotStored)]
            }
        case .startRecording(let id, let number, let seconds):
            do {
                try recorder.start(session: id, number: number, seconds: seconds) { [weak self] saved in
                    self?.post(.answer(visit: id, .clipFinished(number: number, saved: saved)))
                }
            } catch {
                logger.error("recording did not start", metadata: ["error": "\(error)"])
                return [.answer(visit: id, .clipFinished(number: number, saved: false))]
            }
        case .stopRecording:
            recorder.stop()
        case .recordedLook(let id):
            recorder.note(.recordedLook, session: id)
        case .requestHelp(let id):
            guard let shop else {
                logger.notice("staff requested at the mirror", metadata: ["session": "\(id)"])
                break
            }
            do {
                let stored = try shop.requestHelp(session: id)
                return [.answer(visit: id, .requestStored(.init(stored), confirm: false))]
            } catch {
                logger.error("staff request not stored", metadata: ["error": "\(error)"])
            }
        case .storeRequest(let id, let sku, let size):
            do {
                guard let shop else { return [.answer(visit: id, .requestNotStored)] }
                if size == nil, let ask = shop.sizesToAsk(sku, sheet: visit.sheet) {
                    return [.answer(visit: id, .sizeAsked(sku: sku, item: ask.item, sizes: ask.sizes))]
                }
                let stored = try shop.request(sku, size: size, session: id, sheet: visit.sheet)
                return [.answer(visit: id, .requestStored(.init(stored), confirm: true))]
            } catch {
                logger.error("staff request not stored", metadata: ["error": "\(error)"])
                return [.answer(visit: id, .requestNotStored)]
            }
        case .cancelRequest(let id, let request):
            do {
                guard let closed = try shop?.cancelRequest(request) else { break }
                logger.notice("staff request cancelled by the shopper", metadata: ["id": "\(request)"])
                return [.answer(visit: id, .requestClosed(id: request, brought: closed.state == "done"))]
            } catch {
                logger.error("staff request not cancelled", metadata: ["error": "\(error)"])
                return [.answer(visit: id, .requestNotCancelled)]
            }
        case .recordRating(let id, let face):
            recorder.rate(face, session: id)
        case .end(let id, let erase):
            recorder.note(.visitEnded, session: id)
            recorder.endSession(id, erase: erase)
        case .idleTimedOut:
            logger.info(
                "session ended: nobody used the mirror", metadata: ["after": "\(settings.idleTimeoutSeconds) s"])
        case .countEarlierLooks(let id):
            guard let loyaltyId = loyaltyID(of: id) else { break }
            let count = recorder.earlierLooks(session: id, loyaltyId: loyaltyId)
            return [.answer(visit: id, .looks(.earlierCounted(count)))]
        case .looks(let id, let effect):
            return perform(effect, session: id).map { .answer(visit: id, .looks($0)) }
        case .keyboard(let id, .checkLoyalty(let code)):
            checkLoyalty(code, session: id)
        case .keyboard(let id, .openSavedLook(let code)):
            return openEarlierLook(code, session: id).map { [.answer(visit: id, $0)] } ?? []
        case .makeShareLink(let id, let clip):
            // With share links, the look under review gets one for the shopper's phone (a fresh link each time).
            guard let card = shareLinks?.create(session: id, number: clip) else { break }
            recorder.note(.lookShared, session: id)
            let link = Visit.ShareLink(clip: clip, url: card.url, pin: card.pin, minutes: card.minutes)
            return [.answer(visit: id, .shareLinkMade(link))]
        case .deleteLooks(let id, let numbers):
            do {
                let count = try recorder.deleteLooks(session: id, numbers: numbers)
                return [.answer(visit: id, .looksDeleted(count: count))]
            } catch {
                logger.error("looks not deleted", metadata: ["error": "\(error)"])
                return [.answer(visit: id, .looksNotDeleted)]
            }
        case .note(let id, let note):
            shop?.store(note, session: id)
        case .unidentify(let id, let code):
            shop?.unidentify(code, session: id)
        case .slowMotion(let slow):
            current.withLock { c in
                for clip in c.playing { clip.setSlowMotion(slow, at: now) }
            }
        }
        return []
    }

    /// The players the screen for `state` needs: the look under review, or the looks compared (the earlier
    /// visit's last), in step.
    func play(_ state: Session.State, at now: MonotonicInstant) {
        let visit = self.visit
        var playing: [any PlayableClip] = []
        if let id = visit.id {
            switch state {
            case .review(let clip): playing = recorder.playback(session: id, number: clip).map { [$0] } ?? []
            case .compare(let clips):
                playing = clips.compactMap { recorder.playback(session: id, number: $0) }
                if let earlier = visit.looks.earlier, let clip = recorder.playback(clipID: earlier.clipID) {
                    playing.append(clip)
                }
            default: break
            }
        }
        // Side by side, the looks play in step: by turn phase on one period (``TurnAlignment/commonPeriod``).
        if let period = TurnAlignment.commonPeriod(turns: playing.map(\.turnSeconds), lengths: playing.map(\.seconds)) {
            for clip in playing { clip.align(period: period, at: now) }
        }
        if visit.slowMotion { for clip in playing { clip.setSlowMotion(true, at: now) } }
        current.withLock { $0.playing = playing }
    }
}

extension OpenRequests.Request {
    /// A request as the device's store keeps it.
    init(_ record: StaffRequestRecord) {
        self.init(id: record.id ?? 0, sku: record.sku, words: record.description)
    }
}
