import MirrorCore
import MirrorDisplay
import MirrorSession
import Testing

@testable import MirrorDaemon

/// The screen is a pure function of the visit and the display's inputs: each case walks a visit value to a
/// screen and checks what the panel would draw, no daemon, lock or file involved.
@Suite struct VisitScreenTests {
    static let start = MonotonicInstant(nanoseconds: 5_000_000_000)
    static let settings = Visit.Settings(clipSeconds: 10, idleTimeoutSeconds: 60)

    /// A visit after `events` (each a second after the last), and the time of the last.
    static func visit(_ events: [Visit.Event]) -> (Visit, MonotonicInstant) {
        var visit = Visit(countdownSeconds: 0, at: start)
        var now = start
        for event in events {
            now = now.advanced(by: .seconds(1))
            _ = visit.handle(event, at: now, interaction: true, settings: settings) { "v1" }
        }
        return (visit, now)
    }

    /// Look `number` recorded in "look `number` words".
    static func saved(_ number: Int) -> [Visit.Event] {
        [
            .recognised(words: [], lookWords: ["look \(number) words"], observations: []),
            .answer(visit: "v1", .clipFinished(number: number, saved: true)),
        ]
    }

    static let twoLooks: [Visit.Event] =
        [.session(.presenceDetected), .session(.recordRequested), .session(.consentAccepted)] + saved(0)
        + [.session(.recordRequested)] + saved(1)

    static func inputs(_ now: MonotonicInstant) -> VisitScreen.Inputs {
        .init(now: now, clipSeconds: 10, keepHours: 24, position: 0.25)
    }

    @Test func aRecordingShowsItsProgress() {
        var (visit, now) = Self.visit([.session(.presenceDetected), .session(.recordRequested)])
        #expect(VisitScreen.screen(for: visit, Self.inputs(now)) == .consent(clipSeconds: 10, keepHours: 24))
        (visit, now) = Self.visit([
            .session(.presenceDetected), .recordAsked(seconds: 8), .session(.consentAccepted),
        ])
        let later = now.advanced(by: .seconds(2))
        #expect(VisitScreen.screen(for: visit, Self.inputs(later)) == .recording(progress: 0.25, secondsLeft: 6))
    }

    @Test func reviewShowsTheLookItsLinkAndItsCode() {
        let link = Visit.ShareLink(clip: 1, url: "https://mirror.example/s/abc", pin: "123456", minutes: 30)
        let (visit, now) = Self.visit(
            Self.twoLooks + [
                .looks(.share), .answer(visit: "v1", .looks(.shareAnswered(stored: true))),
                .answer(visit: "v1", .shareLinkMade(link)),
            ])
        guard case .review(let review) = VisitScreen.screen(for: visit, Self.inputs(now)) else {
            Issue.record("not the review screen")
            return
        }
        #expect(review.look == 2 && review.looks == 2 && review.position == 0.25 && review.shared)
        #expect(review.link?.pin == "123456")
        // Another look under review does not show this look's link.
        let (other, _) = Self.visit(
            Self.twoLooks + [.answer(visit: "v1", .shareLinkMade(link)), .session(.reviewRequested(clip: 0))])
        guard case .review(let first) = VisitScreen.screen(for: other, Self.inputs(now)) else {
            Issue.record("not the review screen")
            return
        }
        #expect(first.look == 1 && first.link == nil)
    }

    @Test func theLiveMirrorOffersTheLooksAndReviewOffersCompareOnlyWhenItOpensSomething() {
        var (visit, now) = Self.visit(Self.twoLooks + [.session(.back)])
        #expect(
            VisitScreen.screen(for: visit, Self.inputs(now))
                == .live(hint: "Tap the mirror to record your look", looks: 2))
        (visit, now) = Self.visit(
            [.session(.presenceDetected), .session(.recordRequested), .session(.consentAccepted)] + Self.saved(0))
        guard case .review(let one) = VisitScreen.screen(for: visit, Self.inputs(now)) else {
            Issue.record("not the review screen")
            return
        }
        #expect(!one.canCompare)
        (visit, now) = Self.visit(Self.twoLooks)
        guard case .review(let two) = VisitScreen.screen(for: visit, Self.inputs(now)) else {
            Issue.record("not the review screen")
            return
        }
        #expect(two.canCompare)
    }

    @Test func theGoodbyeSaysWhatIsKeptAndForHowLong() {
        var inputs = Self.inputs(Self.start)
        inputs.savedDays = 90
        #expect(
            VisitScreen.farewell(.init(looks: 2, saved: 1, erased: false), inputs) == [
                "Your 2 looks are deleted from this mirror in 24\u{A0}hours.",
                "The look you saved stays in your profile for 90\u{A0}days.",
            ])
        #expect(
            VisitScreen.farewell(.init(looks: 0, saved: 0, erased: false), inputs) == [
                "Nothing from your visit is kept."
            ])
        #expect(
            VisitScreen.farewell(.init(looks: 0, saved: 0, erased: true), inputs) == [
                "Everything from your visit was deleted, as you asked."
            ])
        let (visit, now) = Self.visit(Self.twoLooks + [.session(.finishRequested), .session(.rated(5))])
        #expect(
            VisitScreen.screen(for: visit, Self.inputs(now))
                == .goodbye(lines: ["Your 2 looks are deleted from this mirror in 24\u{A0}hours."]))
    }

    /// Two looks in the same trousers: the captions name what differs, and the trousers once.
    @Test func compareCaptionsSayWhatDiffers() {
        let looks: [Screen.Compare.Look] = [
            .init(title: "Look 1", garments: ["rust knitwear", "navy trousers"]),
            .init(title: "Look 2", garments: ["coral knitwear", "navy trousers"]),
            .init(title: "Look 3", garments: ["navy trousers"]),
        ]
        #expect(
            VisitScreen.differences(looks) == [
                .init(title: "Look 1", garments: ["rust knitwear", "all in navy trousers"]),
                .init(title: "Look 2", garments: ["coral knitwear"]),
                .init(title: "Look 3", garments: ["same garments"]),
            ])
        // Nothing in common, or a look with nothing recognised: as they are.
        let apart: [Screen.Compare.Look] = [
            .init(title: "Look 1", garments: ["rust knitwear"]), .init(title: "Look 2", garments: ["coral dress"]),
        ]
        #expect(VisitScreen.differences(apart) == apart)
        let unknown: [Screen.Compare.Look] = [
            .init(title: "Look 1", garments: ["rust knitwear"]), .init(title: "Look 2", garments: []),
        ]
        #expect(VisitScreen.differences(unknown) == unknown)
    }

    @Test func compareNamesEachLookAndTheFavourite() {
        let earlier = KeptLooks.Earlier(clipID: "c", day: "1 Dec", garments: ["red dress"])
        let (visit, now) = Self.visit(
            Self.twoLooks + [
                .answer(visit: "v1", .looks(.earlierOpened(earlier))), .compareTapped,
                .looks(.pick(look: KeptLooks.earlierLook)),
            ])
        let compare = Screen.Compare(
            looks: [
                .init(title: "Look 1", garments: ["look 0 words"]), .init(title: "Look 2", garments: ["look 1 words"]),
                .init(title: "Saved 1 Dec", garments: ["red dress"]),
            ], favourite: 2)
        #expect(VisitScreen.screen(for: visit, Self.inputs(now)) == .compare(compare))
    }

    @Test func theKeyboardCoversItsScreenAndStaffSayWhatIsComing() {
        var (visit, now) = Self.visit([
            .session(.presenceDetected), .session(.suggestionsRequested), .openKeyboard(.loyalty),
            .keyboard(.key("7")),
        ])
        #expect(
            VisitScreen.screen(for: visit, Self.inputs(now))
                == .codeEntry(.init(purpose: .loyalty, typed: "7", message: nil)))
        (visit, now) = Self.visit([
            .session(.presenceDetected), .session(.suggestionsRequested),
            .answer(
                visit: "v1", .requestStored(.init(id: 1, sku: "JE-1", words: "Jeans 32"), confirm: true)),
        ])
        #expect(VisitScreen.screen(for: visit, Self.inputs(now)) == .staffOnTheWay(request: "Jeans 32", undo: 1))
        (visit, now) = Self.visit([.session(.presenceDetected), .session(.staffRequested)])
        #expect(
            VisitScreen.screen(for: visit, Self.inputs(now)) == .staffOnTheWay(request: "A colleague is coming to help")
        )
    }

    @Test func aRequestOnItsWayStaysAsAChipUntilItCloses() {
        let asked: [Visit.Event] = [
            .session(.presenceDetected), .session(.suggestionsRequested),
            .answer(visit: "v1", .requestStored(.init(id: 4, sku: "JE-1", words: "Jeans 32"), confirm: true)),
            .session(.back),
        ]
        var (visit, now) = Self.visit(asked)
        let chip = Screen.OpenRequest(id: 4, words: "Jeans 32")
        #expect(
            VisitScreen.screen(for: visit, Self.inputs(now))
                == .live(hint: "Tap the mirror to record your look", request: chip))
        (visit, now) = Self.visit(asked + [.answer(visit: "v1", .requestClosed(id: 4, brought: true))])
        #expect(VisitScreen.screen(for: visit, Self.inputs(now)) == .live(hint: "Brought: Jeans 32"))
        (visit, now) = Self.visit(asked + [.answer(visit: "v1", .requestClosed(id: 4, brought: false))])
        #expect(VisitScreen.screen(for: visit, Self.inputs(now)) == .live(hint: "Cancelled: Jeans 32"))
    }
}
