import MirrorCore
import MirrorProtocol
import MirrorSession
import Testing

/// The whole visit as a value: each case is a run of steps (an event, who caused it, and how many seconds after
/// the last), then the screen, whether the last step meant anything, and the effects the run asked for. The
/// interleavings a daemon meets are here: the recorder's "saved" after Back, an answer after its visit ended, a
/// tap during the countdown, a withdrawal during a share, timers that fall due.
@Suite struct VisitTests {
    struct Step: Sendable {
        var event: Visit.Event
        var person = true
        var after = 0.0

        static func tap(_ event: Session.Event) -> Step { Step(event: .session(event)) }
        static func camera(_ present: Bool) -> Step { Step(event: .presence(present), person: false) }
        static func clock(after seconds: Double) -> Step { Step(event: .clock, person: false, after: seconds) }
        /// An answer for visit `visit` (the first visit is "v1").
        static func answer(_ event: Visit.Event, visit: String = "v1") -> Step {
            Step(event: .answer(visit: visit, event), person: false)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [Step]
        var state: Session.State
        var handled = true
        /// Every effect of the run, in order (`.show` left out: the screen is checked as `state`).
        var effects: [Visit.Effect]
        var testDescription: String { name }
    }

    static let settings = Visit.Settings(clipSeconds: 10, idleTimeoutSeconds: 60)
    /// From the live mirror to a clip recording (countdown of 3 s, consent accepted).
    static let toRecording: [Step] = [
        .tap(.presenceDetected), .tap(.recordRequested), .tap(.consentAccepted), .clock(after: 1.1),
        .clock(after: 1.1), .clock(after: 1.1),
    ]
    static let jeans = OpenRequests.Request(id: 7, sku: "JE-1", words: "Slim jeans, indigo, size 32")
    static let recordingEffects: [Visit.Effect] = [
        .began(visit: "v1"), .recordConsent(visit: "v1", accepted: true),
        .startRecording(visit: "v1", number: 0, seconds: 10),
    ]

    static let cases: [Case] = [
        Case(
            name: "the camera starts a visit, an empty view ends it",
            steps: [.camera(true), .camera(true), .camera(false)], state: .idle,
            effects: [.began(visit: "v1"), .end(visit: "v1", erase: .keep)]),
        Case(
            name: "consent, a countdown of three seconds, then the recorder starts", steps: toRecording,
            state: .recording, effects: recordingEffects),
        Case(
            name: "a tap during the countdown changes nothing",
            steps: [.tap(.presenceDetected), .tap(.recordRequested), .tap(.consentAccepted), .tap(.recordRequested)],
            state: .countdown(3), handled: false,
            effects: [.began(visit: "v1"), .recordConsent(visit: "v1", accepted: true)]),
        Case(
            name: "staff ask for a clip of 7 s: the visit starts and the clip is as long as asked",
            steps: [
                Step(event: .recordAsked(seconds: 7)), .tap(.consentAccepted), .clock(after: 1.1), .clock(after: 1.1),
                .clock(after: 1.1),
            ],
            state: .recording,
            effects: [
                .began(visit: "v1"), .recordConsent(visit: "v1", accepted: true),
                .startRecording(visit: "v1", number: 0, seconds: 7),
            ]),
        Case(
            name: "the recorder's \"saved\" after Back opens the look",
            steps: toRecording + [
                .tap(.back), .answer(.clipFinished(number: 0, saved: true)),
            ],
            state: .review(clip: 0),
            effects: recordingEffects + [
                .stopRecording, .recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1"),
            ]),
        Case(
            name: "a clip that fails goes back to the live mirror",
            steps: toRecording + [.answer(.clipFinished(number: 0, saved: false))], state: .live,
            effects: recordingEffects),
        Case(
            name: "a clip answered after its visit ended belongs to no look",
            steps: toRecording + [
                .tap(.endSession), .tap(.presenceDetected),
                .answer(.clipFinished(number: 0, saved: true)),
            ],
            state: .live, handled: false,
            effects: recordingEffects + [.stopRecording, .end(visit: "v1", erase: .keep), .began(visit: "v2")]),
        Case(
            name: "consent that cannot be stored records nothing",
            steps: [
                .tap(.presenceDetected), .tap(.recordRequested), .tap(.consentAccepted), .answer(.consentNotStored),
                .clock(after: 1.1),
            ],
            state: .live, handled: false,
            effects: [.began(visit: "v1"), .recordConsent(visit: "v1", accepted: true)]),
        Case(
            name: "a withdrawal during a share: the late answer makes no link",
            steps: toRecording + [
                .answer(.clipFinished(number: 0, saved: true)), Step(event: .looks(.share)),
                .tap(.consentWithdrawn), .answer(.looks(.shareAnswered(stored: true))),
            ],
            state: .idle, handled: false,
            effects: recordingEffects + [
                .recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1"), .looks(visit: "v1", .storeShare),
                .end(visit: "v1", erase: .unsaved),
            ]),
        Case(
            name: "a share stored while a look is reviewed asks for its link",
            steps: toRecording + [
                .answer(.clipFinished(number: 0, saved: true)), Step(event: .looks(.share)),
                .answer(.looks(.shareAnswered(stored: true))),
            ],
            state: .review(clip: 0),
            effects: recordingEffects + [
                .recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1"), .looks(visit: "v1", .storeShare),
                .makeShareLink(visit: "v1", clip: 0),
            ]),
        Case(
            name: "the staff button asks for help; the confirmation goes after 8 s",
            steps: [.tap(.presenceDetected), .tap(.staffRequested), .clock(after: 5), .clock(after: 3.5)],
            state: .live, effects: [.began(visit: "v1"), .requestHelp(visit: "v1")]),
        Case(
            name: "Bring on a card asks to store its request, then confirms it in its words: no help request",
            steps: [
                .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: nil)),
                .answer(.requestStored(jeans, confirm: true)),
            ],
            state: .staffOnTheWay, effects: [.began(visit: "v1"), .storeRequest(visit: "v1", sku: "JE-1", size: nil)]),
        Case(
            name: "a request that could not be stored shows no confirmation",
            steps: [
                .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: "32")),
                .answer(.requestNotStored),
            ],
            state: .suggestions, handled: false,
            effects: [.began(visit: "v1"), .storeRequest(visit: "v1", sku: "JE-1", size: "32")]),
        Case(
            name: "Bring only from the suggestions",
            steps: [.tap(.presenceDetected), Step(event: .bring(sku: "JE-1", size: nil))], state: .live,
            handled: false, effects: [.began(visit: "v1")]),
        Case(
            name: "a request stored after its visit ended confirms nothing",
            steps: [
                .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: nil)),
                .tap(.endSession), .tap(.presenceDetected), .answer(.requestStored(jeans, confirm: true)),
            ],
            state: .live, handled: false,
            effects: [
                .began(visit: "v1"), .storeRequest(visit: "v1", sku: "JE-1", size: nil),
                .end(visit: "v1", erase: .keep), .began(visit: "v2"),
            ]),
        Case(
            name: "an unrated visit ends after 20 s",
            steps: [.tap(.presenceDetected), .tap(.finishRequested), .clock(after: 19), .clock(after: 1.5)],
            state: .idle, effects: [.began(visit: "v1"), .end(visit: "v1", erase: .keep)]),
        Case(
            name: "nobody at the mirror for the idle timeout ends the visit",
            steps: [.tap(.presenceDetected), .clock(after: 59), .clock(after: 1.5)], state: .idle,
            effects: [.began(visit: "v1"), .idleTimedOut, .end(visit: "v1", erase: .keep)]),
        Case(
            name: "a touch keeps the visit going",
            steps: [.tap(.presenceDetected), .clock(after: 50), Step(event: .touched), .clock(after: 50)],
            state: .live, handled: false, effects: [.began(visit: "v1")]),
        Case(
            name: "no idle timeout while a clip records",
            steps: toRecording + [.clock(after: 61)], state: .recording, handled: false,
            effects: recordingEffects),
        Case(
            name: "after an idle timeout the camera starts no visit until the view was empty",
            steps: [
                .camera(true), .clock(after: 61), .camera(true), .camera(false), .camera(true),
            ],
            state: .live,
            effects: [
                .began(visit: "v1"), .idleTimedOut, .end(visit: "v1", erase: .keep), .began(visit: "v2"),
            ]),
        Case(
            name: "Compare needs two looks",
            steps: toRecording + [
                .answer(.clipFinished(number: 0, saved: true)), Step(event: .compareTapped),
            ],
            state: .review(clip: 0), handled: false,
            effects: recordingEffects + [.recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1")]),
        Case(
            name: "a saved look's code opens it beside this visit's look",
            steps: toRecording + [
                .answer(.clipFinished(number: 0, saved: true)),
                .answer(.looks(.earlierCounted(1))), Step(event: .openKeyboard(.savedLook)),
                Step(event: .keyboard(.key("K"))), Step(event: .keyboard(.ok)),
                .answer(.earlierLookChecked(code: "K", .opened, look: .init(clipID: "c", day: "1 Dec", garments: []))),
            ],
            state: .compare(clips: [0]),
            effects: recordingEffects + [
                .recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1"),
                .keyboard(visit: "v1", .openSavedLook("K")),
            ]),
        Case(
            name: "no saved look's keyboard without earlier looks",
            steps: toRecording + [
                .answer(.clipFinished(number: 0, saved: true)), Step(event: .openKeyboard(.savedLook)),
            ],
            state: .review(clip: 0), handled: false,
            effects: recordingEffects + [.recordedLook(visit: "v1"), .countEarlierLooks(visit: "v1")]),
        Case(
            name: "no suggestion sheet without a visit",
            steps: [Step(event: .sheet(.dismissed(sku: "JE-1", style: "JE")))],
            state: .idle, handled: false, effects: []),
        Case(
            name: "the sheet's notes name the visit",
            steps: [.tap(.presenceDetected), Step(event: .sheet(.dismissed(sku: "JE-1", style: "JE")))], state: .live,
            effects: [.began(visit: "v1"), .note(visit: "v1", .init(.dismissed, sku: "JE-1"))]),
        Case(
            name: "a loyalty code scanned off the suggestions is not taken",
            steps: [.tap(.presenceDetected), Step(event: .keyboard(.scanned("DEMO-1")), person: false)],
            state: .live, handled: false, effects: [.began(visit: "v1")]),
    ]

    /// Runs `steps` on a fresh visit: the last step's outcome and every effect but `.show`.
    static func run(_ steps: [Step]) -> (visit: Visit, handled: Bool, effects: [Visit.Effect]) {
        var visit = Visit(countdownSeconds: 3, at: MonotonicInstant(nanoseconds: 1_000_000_000))
        var now = MonotonicInstant(nanoseconds: 1_000_000_000)
        var visits = 0
        var handled = true
        var effects: [Visit.Effect] = []
        for step in steps {
            now = now.advanced(by: .milliseconds(Int64(step.after * 1000)))
            let outcome = visit.handle(step.event, at: now, interaction: step.person, settings: settings) {
                visits += 1
                return "v\(visits)"
            }
            handled = outcome.handled
            effects += outcome.effects.filter { if case .show = $0 { false } else { true } }
        }
        return (visit, handled, effects)
    }

    @Test(arguments: cases)
    func visit(_ c: Case) {
        let (visit, handled, effects) = Self.run(c.steps)
        #expect(visit.state == c.state)
        #expect(handled == c.handled)
        #expect(effects == c.effects)
    }

    @Test func aLookKeepsItsGarmentsAndTheStaffMessageGoesWithItsScreen() {
        let steps: [Step] =
            Self.toRecording + [
                Step(
                    event: .recognised(words: ["navy jumper"], lookWords: ["navy knitwear"], observations: []),
                    person: false),
                .answer(.clipFinished(number: 0, saved: true)),
                .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: nil)),
                .answer(.requestStored(Self.jeans, confirm: true)),
            ]
        var (visit, _, _) = Self.run(steps)
        #expect(visit.looks.garments[0] == ["navy knitwear"] && visit.recognised == ["navy jumper"])
        #expect(visit.staffMessage == "Slim jeans, indigo, size 32" && visit.requests.requests == [Self.jeans])
        _ = visit.handle(.session(.back), at: .now(), settings: Self.settings) { "v9" }
        #expect(visit.staffMessage == nil)
    }

    @Test func deleteMyLooksAsksFirstThenSaysHowManyWent() {
        let reviewing: [Step] = Self.toRecording + [.answer(.clipFinished(number: 0, saved: true))]
        // No keeps them.
        var (visit, handled, effects) = Self.run(reviewing + [Step(event: .deleteLooksTapped)])
        #expect(handled && visit.confirming == .deleteLooks(count: 1, saved: 0))
        (visit, _, effects) = Self.run(reviewing + [Step(event: .deleteLooksTapped), Step(event: .confirmed(false))])
        #expect(visit.confirming == nil && visit.state == .review(clip: 0))
        #expect(!effects.contains { if case .deleteLooks = $0 { true } else { false } })
        // Yes deletes them: the live mirror says how many, for a few seconds.
        let deleting = reviewing + [Step(event: .deleteLooksTapped), Step(event: .confirmed(true))]
        (visit, _, effects) = Self.run(deleting)
        #expect(effects.last == .deleteLooks(visit: "v1", numbers: [0]))
        (visit, _, _) = Self.run(deleting + [.answer(.looksDeleted(count: 1))])
        #expect(visit.state == .live && visit.session.clips.isEmpty && visit.notice == "1 look deleted")
        (visit, _, _) = Self.run(deleting + [.answer(.looksDeleted(count: 1)), .clock(after: 6.5)])
        #expect(visit.notice == nil)
        // The agreement to share stays for the looks still to come; the deleted look's link goes.
        let shared: [Step] = [Step(event: .looks(.share)), .answer(.looks(.shareAnswered(stored: true)))]
        (visit, _, _) = Self.run(
            reviewing + shared + Array(deleting.dropFirst(reviewing.count)) + [.answer(.looksDeleted(count: 1))])
        #expect(visit.looks.shared && visit.looks.saved.isEmpty && visit.shareLink == nil)
        // Nothing to delete: not asked.
        (visit, handled, _) = Self.run([.tap(.presenceDetected), Step(event: .deleteLooksTapped)])
        #expect(!handled && visit.confirming == nil)
    }

    @Test func withdrawingKeepsASavedLookUnlessTheShopperDeletesItToo() {
        let reviewing: [Step] = Self.toRecording + [.answer(.clipFinished(number: 0, saved: true))]
        func ended(_ effects: [Visit.Effect]) -> Visit.Erase? {
            effects.lazy.compactMap { if case .end(_, let erase) = $0 { erase } else { nil } }.first
        }
        // Nothing saved: the visit ends at once and its looks go.
        var (visit, handled, effects) = Self.run(reviewing + [Step(event: .withdrawTapped)])
        #expect(handled && visit.state == .idle && ended(effects) == .unsaved)
        #expect(visit.farewell == .init(looks: 0, saved: 0, erased: true))
        // A look saved to the profile: asked first; "Keep it" keeps it, "Delete it too" deletes it.
        let saving =
            reviewing + [
                Step(event: .looks(.save(look: 0, identified: true))),
                .answer(.looks(.saveAnswered(look: 0, code: "K7"))), Step(event: .withdrawTapped),
            ]
        (visit, _, effects) = Self.run(saving)
        #expect(visit.confirming == .withdraw(saved: 1) && visit.state == .review(clip: 0) && ended(effects) == nil)
        (visit, _, effects) = Self.run(saving + [Step(event: .confirmed(false))])
        #expect(visit.state == .idle && ended(effects) == .unsaved)
        #expect(visit.farewell == .init(looks: 0, saved: 1, erased: true))
        (visit, _, effects) = Self.run(saving + [Step(event: .confirmed(true))])
        #expect(
            visit.state == .idle && ended(effects) == .all && visit.farewell == .init(looks: 0, saved: 0, erased: true))
        // The API's withdrawal keeps a saved look; with no visit there is nothing to withdraw.
        (visit, _, effects) = Self.run(Array(saving.dropLast()) + [.tap(.consentWithdrawn)])
        #expect(ended(effects) == .unsaved && visit.farewell?.saved == 1)
        (visit, handled, _) = Self.run([Step(event: .withdrawTapped)])
        #expect(!handled && visit.farewell == nil)
    }

    @Test func notYouForgetsTheProfileAndTellsTheStore() {
        let profile = ShopperProfile(loyaltyID: "LOY-1", sizes: [:])
        let identified: [Step] = [
            .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .sheet(.identified(profile))),
        ]
        var (visit, handled, effects) = Self.run(identified + [Step(event: .notYouTapped)])
        #expect(handled && visit.sheet.profile == nil && visit.state == .suggestions)
        #expect(effects.last == .unidentify(visit: "v1", loyaltyID: "LOY-1"))
        (visit, handled, effects) = Self.run(identified + [Step(event: .notYouTapped), Step(event: .notYouTapped)])
        #expect(!handled && effects.filter { $0 == .unidentify(visit: "v1", loyaltyID: "LOY-1") }.count == 1)
    }

    @Test func bringAsksForASizeWhenNoneIsKnown() {
        let asking: [Step] = [
            .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: nil)),
            .answer(.sizeAsked(sku: "JE-1", item: "Slim jeans, indigo", sizes: ["30", "32"])),
        ]
        var (visit, handled, effects) = Self.run(asking)
        #expect(
            handled && visit.confirming == .chooseSize(sku: "JE-1", item: "Slim jeans, indigo", sizes: ["30", "32"]))
        (visit, handled, effects) = Self.run(asking + [Step(event: .sizeChosen("32"))])
        #expect(
            handled && visit.confirming == nil && effects.last == .storeRequest(visit: "v1", sku: "JE-1", size: "32"))
        // A size not offered, or Cancel: nothing is asked for.
        (visit, handled, _) = Self.run(asking + [Step(event: .sizeChosen("40"))])
        #expect(!handled && visit.confirming != nil)
        (visit, _, effects) = Self.run(asking + [Step(event: .confirmed(false))])
        #expect(visit.confirming == nil && visit.state == .suggestions)
        #expect(effects.filter { if case .storeRequest = $0 { true } else { false } }.count == 1)
    }

    @Test func aRequestClosesByUndoCancelOrStaff() {
        let asked: [Step] = [
            .tap(.presenceDetected), .tap(.suggestionsRequested), Step(event: .bring(sku: "JE-1", size: "32")),
            .answer(.requestStored(Self.jeans, confirm: true)),
        ]
        // Undo on the confirmation: asked of the store at once, back to the live mirror, which says so.
        var (visit, handled, effects) = Self.run(asked + [Step(event: .cancelRequestTapped(id: Self.jeans.id))])
        #expect(
            handled && visit.state == .live && effects.last == .cancelRequest(visit: "v1", id: Self.jeans.id))
        #expect(visit.requests.onItsWay == Self.jeans, "on its way until the store says it is cancelled")
        (visit, _, _) = Self.run(
            asked + [
                Step(event: .cancelRequestTapped(id: Self.jeans.id)),
                .answer(.requestClosed(id: Self.jeans.id, brought: false)),
            ])
        #expect(visit.requests.onItsWay == nil && visit.requests.requests.map(\.state) == [.cancelled])
        // Staff brought it first: the cancel that crossed it changes nothing.
        (visit, handled, _) = Self.run(
            asked + [
                .tap(.back), .answer(.requestClosed(id: Self.jeans.id, brought: true)),
                Step(event: .cancelRequestTapped(id: Self.jeans.id)),
            ])
        #expect(
            !handled && visit.requests.requests.map(\.state) == [.brought]
                && visit.notice == "Brought: \(Self.jeans.words)")
        // A staff "done" after the visit ended reaches no one.
        (visit, handled, _) = Self.run(
            asked + [.tap(.endSession), .answer(.requestClosed(id: Self.jeans.id, brought: true))])
        #expect(!handled && visit.notice == nil)
    }

    @Test func theGoodbyeSaysWhatIsKept() {
        let reviewing: [Step] = Self.toRecording + [.answer(.clipFinished(number: 0, saved: true))]
        // Rated: the look is kept for its retention period; the goodbye says so, for 10 s.
        var (visit, _, _) = Self.run(reviewing + [.tap(.finishRequested), .tap(.rated(4))])
        #expect(visit.state == .idle && visit.farewell == .init(looks: 1, saved: 0, erased: false))
        (visit, _, _) = Self.run(reviewing + [.tap(.finishRequested), .tap(.rated(4)), .clock(after: 10.5)])
        #expect(visit.farewell == nil)
        // Saved to the profile: counted apart.
        (visit, _, _) = Self.run(
            reviewing + [
                Step(event: .looks(.save(look: 0, identified: true))),
                .answer(.looks(.saveAnswered(look: 0, code: "K7"))), .tap(.finishRequested), .tap(.skipRating),
            ])
        #expect(visit.farewell == .init(looks: 0, saved: 1, erased: false))
        // Withdrawn: everything went at once.
        (visit, _, _) = Self.run(reviewing + [.tap(.consentWithdrawn)])
        #expect(visit.farewell == .init(looks: 0, saved: 0, erased: true))
        // Nobody there to read it: an idle timeout or walking away says nothing.
        (visit, _, _) = Self.run(reviewing + [.tap(.back), .clock(after: 61)])
        #expect(visit.state == .idle && visit.farewell == nil)
        // The shopper still in view reads it: the camera starts no visit until the view has been empty; the next
        // shopper starts without it.
        (visit, _, _) = Self.run(reviewing + [.tap(.consentWithdrawn), .camera(true)])
        #expect(visit.state == .idle && visit.farewell != nil)
        (visit, _, _) = Self.run(reviewing + [.tap(.consentWithdrawn), .camera(true), .camera(false), .camera(true)])
        #expect(visit.state == .live && visit.farewell == nil)
    }

    @Test func aRecordingThatFailedIsSaidSo() {
        let (visit, _, _) = Self.run(Self.toRecording + [.answer(.clipFinished(number: 0, saved: false))])
        #expect(visit.state == .live && visit.session.clips.isEmpty)
        #expect(visit.notice == "That recording did not work: tap the mirror to try again")
    }

    @Test func slowMotionIsForTheLookOnScreen() {
        let first: [Step] =
            Self.toRecording + [.answer(.clipFinished(number: 0, saved: true)), Step(event: .slowMotionToggled)]
        let (slow, _, effects) = Self.run(first)
        #expect(slow.slowMotion && effects.last == .slowMotion(true))
        // The next look plays at speed.
        let (next, _, _) = Self.run(
            first + [
                .tap(.recordRequested), .clock(after: 1.1), .clock(after: 1.1), .clock(after: 1.1),
                .answer(.clipFinished(number: 1, saved: true)),
            ])
        #expect(next.state == .review(clip: 1) && !next.slowMotion)
    }

    @Test func aNewVisitStartsFromNothing() {
        let steps: [Step] =
            Self.toRecording + [
                .answer(.clipFinished(number: 0, saved: true)), Step(event: .slowMotionToggled),
                Step(event: .sheet(.favouriteToggled(sku: "JE-1"))), Step(event: .languageChosen("de")),
                .answer(.shareLinkMade(.init(clip: 0, url: "https://m/s/x", pin: "123456", minutes: 30))),
            ]
        var (visit, _, _) = Self.run(steps)
        #expect(visit.slowMotion && visit.shownShareLink?.pin == "123456" && visit.sheet.favourites == ["JE-1"])
        #expect(visit.language == "de")
        let now = MonotonicInstant.now()
        _ = visit.handle(.session(.endSession), at: now, settings: Self.settings) { "v2" }
        _ = visit.handle(.session(.presenceDetected), at: now, settings: Self.settings) { "v2" }
        #expect(visit.id == "v2" && !visit.slowMotion && visit.shareLink == nil && visit.looks == KeptLooks())
        #expect(visit.sheet == SuggestionSheet() && visit.lookWords.isEmpty && visit.language == "en")
    }
}
