import MirrorCore
import MirrorProtocol
import MirrorSession
import Testing

/// The suggestion sheet's side of the visit as a value: each case is a run of events, then whether the last one
/// changed anything and the notes (session events for the hub) the run made. Each funnel step is noted once per
/// visit and carries the kind its SKU was shown as.
@Suite struct SuggestionSheetTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var events: [SuggestionSheet.Event]
        var handled = true
        var notes: [SuggestionSheet.Note]
        var testDescription: String { name }
    }

    static let tag = SuggestionSheet.Tag(sku: "KN-1", size: "M")
    static let shownJeans = SuggestionSheet.Event.seen(tried: [], shown: [.init(sku: "JE-1", kind: "pairing")])

    static let cases: [Case] = [
        Case(
            name: "a tag read is a try-on of its size, once", events: [.tagScanned(tag), .tagScanned(tag)],
            handled: false, notes: [.init(.triedOn, sku: "KN-1", size: "M", via: .scan)]),
        Case(
            name: "the camera's match of a scanned garment is no second try-on",
            events: [.tagScanned(tag), .seen(tried: [.init(sku: "KN-1", score: 0.8)], shown: [])], handled: false,
            notes: [.init(.triedOn, sku: "KN-1", size: "M", via: .scan)]),
        Case(
            name: "what the camera matched is tried on with its score, once",
            events: [
                .seen(tried: [.init(sku: "KN-1", score: 0.8)], shown: []),
                .seen(tried: [.init(sku: "KN-1", score: 0.9)], shown: []),
            ],
            handled: false, notes: [.init(.triedOn, sku: "KN-1", via: .vision, score: 0.8)]),
        Case(
            name: "a suggestion is noted shown once, with its kind", events: [shownJeans, shownJeans],
            handled: false, notes: [.init(.suggestionShown, sku: "JE-1", suggestionKind: "pairing")]),
        Case(
            name: "two hearts on a shown card: favourite, tapped once, unfavourite",
            events: [shownJeans, .favouriteToggled(sku: "JE-1"), .favouriteToggled(sku: "JE-1")],
            notes: [
                .init(.suggestionShown, sku: "JE-1", suggestionKind: "pairing"),
                .init(.favourite, sku: "JE-1", suggestionKind: "pairing"),
                .init(.suggestionTapped, sku: "JE-1", suggestionKind: "pairing"),
                .init(.unfavourite, sku: "JE-1", suggestionKind: "pairing"),
            ]),
        Case(
            name: "a size on a card that was never suggested is no funnel tap",
            events: [.sizeSelected(size: "L", style: "JE", card: "JE-9")], notes: []),
        Case(
            name: "another colour: noted as its own SKU, the card tapped",
            events: [shownJeans, .colourChosen(variant: "JE-2", style: "JE", card: "JE-1")],
            notes: [
                .init(.suggestionShown, sku: "JE-1", suggestionKind: "pairing"),
                .init(.colourChosen, sku: "JE-2"),
                .init(.suggestionTapped, sku: "JE-1", suggestionKind: "pairing"),
            ]),
        Case(
            name: "✕ on a card", events: [shownJeans, .dismissed(sku: "JE-1", style: "JE")],
            notes: [
                .init(.suggestionShown, sku: "JE-1", suggestionKind: "pairing"),
                .init(.dismissed, sku: "JE-1", suggestionKind: "pairing"),
            ]),
        Case(
            name: "an erasure of nobody identified changes nothing", events: [.erased(subjects: ["x"])], handled: false,
            notes: []),
    ]

    @Test(arguments: cases)
    func sheet(_ c: Case) {
        var sheet = SuggestionSheet()
        var handled = true
        var notes: [SuggestionSheet.Note] = []
        for event in c.events {
            let outcome = sheet.handle(event)
            handled = outcome.handled
            notes += outcome.notes
        }
        #expect(handled == c.handled)
        #expect(notes == c.notes)
    }

    @Test func anErasedShopperIsForgottenWithTheirSizes() {
        var sheet = SuggestionSheet()
        let profile = ShopperProfile(loyaltyID: "LOY-1", sizes: ["knitwear": "M"])
        _ = sheet.handle(.identified(profile))
        _ = sheet.handle(.sizeSelected(size: "L", style: "JE", card: "JE-1"))
        #expect(sheet.profile == profile && sheet.requestedSizes == ["JE": "L"])
        #expect(!sheet.handle(.erased(subjects: [SubjectHash.of(loyaltyId: "LOY-2")])).handled)
        #expect(sheet.handle(.erased(subjects: [SubjectHash.of(loyaltyId: "LOY-1")])).handled)
        #expect(sheet.profile == nil && sheet.requestedSizes.isEmpty)
    }

    @Test func nextStyleTurnsThePageAndNotesNothing() {
        var sheet = SuggestionSheet()
        #expect(sheet.page == 0)
        for page in 1...3 {
            let (handled, notes) = sheet.handle(.nextStyle)
            #expect(handled && notes.isEmpty && sheet.page == page)
        }
    }

    @Test func notMeForgetsTheProfileAndItsSizes() {
        var sheet = SuggestionSheet()
        #expect(!sheet.handle(.notMe).handled, "nobody identified")
        _ = sheet.handle(.identified(ShopperProfile(loyaltyID: "LOY-1", sizes: ["knitwear": "M"])))
        _ = sheet.handle(.sizeSelected(size: "L", style: "JE", card: "JE-1"))
        _ = sheet.handle(.favouriteToggled(sku: "JE-1"))
        #expect(sheet.handle(.notMe) == (true, []))
        #expect(sheet.profile == nil && sheet.requestedSizes.isEmpty && sheet.favourites == ["JE-1"])
    }

    @Test func theSizeOnAStyleIsTheLastTagReadOfIt() {
        var sheet = SuggestionSheet()
        _ = sheet.handle(.tagScanned(.init(sku: "KN-1", size: "M")))
        _ = sheet.handle(.tagScanned(.init(sku: "KN-2", size: "L")))
        #expect(sheet.scannedSize(of: "KN") { String($0.prefix(2)) } == "L")
        #expect(sheet.scannedSize(of: "JE") { String($0.prefix(2)) } == nil)
    }
}
