import Foundation
import Logging
import MirrorCore
import MirrorProtocol
import MirrorSession
import MirrorStore
import Testing

@testable import MirrorDaemon

/// What a mirror reports for head office's figures: how a try-on was known, the kind of each suggestion through
/// the funnel, the first tap once, and the visit's shopper (as a subject hash, in the op only).
struct InsightEventTests {
    /// Applies `event` to the visit's sheet and stores the notes it makes, as the daemon's effect runner does.
    @discardableResult
    static func apply(
        _ event: SuggestionSheet.Event, to sheet: inout SuggestionSheet, shop: Shop, session: String
    ) -> Bool {
        let (handled, notes) = sheet.handle(event)
        for note in notes { shop.store(note, session: session) }
        return handled
    }

    @Test func suggestionEventsCarryTheirKindAndTryOnsHowTheyWereKnown() async throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        let session = "s1"
        var sheet = SuggestionSheet()
        Self.apply(
            .observed([
                GarmentObservation(
                    region: .upperBody, box: NormalizedBox(x: 0.3, y: 0.2, width: 0.4, height: 0.3),
                    category: .knitwear, categoryConfidence: 0.9,
                    colours: [GarmentColour(name: "rust", hex: "#aa4b23", share: 0.8)],
                    candidates: [SKUCandidate(sku: "KN-101-RUS", score: 0.75)], frames: 12)
            ]), to: &sheet, shop: shop, session: session)
        let shownNow = shop.cards(sheet)
        Self.apply(shownNow.seen, to: &sheet, shop: shop, session: session)
        let cards = shownNow.cards
        let card = try #require(cards.first)
        let events = try store.events(session: session)
        let tried = try #require(events.first { $0.kind == .triedOn })
        #expect(tried.sku == "KN-101-RUS" && tried.via == TryOnSource.vision.rawValue && tried.score == 0.75)
        let shown = events.filter { $0.kind == .suggestionShown }
        #expect(shown.count == cards.count && shown.allSatisfy { $0.suggestionKind != nil })

        // Two taps on one card: one tapped event, of the kind it was shown as; Bring carries it too.
        let heart = try #require(shop.cardEvent("favourite", sku: card.sku))
        #expect(Self.apply(heart, to: &sheet, shop: shop, session: session))
        #expect(Self.apply(heart, to: &sheet, shop: shop, session: session))
        _ = try shop.request(card.sku, session: session, sheet: sheet)
        let after = try store.events(session: session)
        let kind = shown.first { $0.sku == card.sku }?.suggestionKind
        #expect(after.filter { $0.kind == .suggestionTapped }.map(\.sku) == [card.sku])
        #expect(after.first { $0.kind == .suggestionTapped }?.suggestionKind == kind)
        #expect(after.first { $0.kind == .suggestionAccepted }?.suggestionKind == kind)
        let ops = try store.pendingOps(limit: 500).filter {
            $0.patch["kind"] == .string(VisitEventKind.suggestionShown)
        }
        #expect(ops.count == shown.count && ops.allSatisfy { $0.patch["suggestionKind"]?.string != nil })
    }

    /// The visit's shopper reaches the hub as the hash of their loyalty code (once), never as the code: nothing on
    /// the mirror's disk holds it in plaintext.
    @Test func theVisitsShopperGoesToTheHubAsASubjectHashOnly() throws {
        let store = try DeviceStore.inMemory()
        try store.linkSession("s1", loyaltyId: "LOY-1")
        try store.linkSession("s1", loyaltyId: "LOY-1")  // once only
        let identified = try store.events(session: "s1").filter { $0.kind == .identified }
        #expect(identified.count == 1 && identified[0].detail.isEmpty)
        let ops = try store.pendingOps(limit: 500).filter { $0.patch["kind"] == .string(VisitEventKind.identified) }
        #expect(ops.count == 1 && ops.first?.patch["subject"] == .string(SubjectHash.of(loyaltyId: "LOY-1")))
        #expect(ops.first?.patch["loyaltyId"] == nil)
    }

    /// A price tag read at the mirror: the SKU and size tried, once; the suggestions start from it; a request for
    /// another size of the style carries the size tried. A code that is no tag of the catalog is ignored.
    @Test func aScannedTagIsATryOnOfThatSizeAndTheStartOfASizeSwap() throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        let session = "s1"
        var sheet = SuggestionSheet()
        _ = shop.cards(sheet)
        #expect(shop.readsTags)
        let tag = try #require(shop.tag("2000001000038")?.tag)
        #expect(tag.size == "M")
        #expect(Self.apply(.tagScanned(tag), to: &sheet, shop: shop, session: session))
        #expect(!Self.apply(.tagScanned(tag), to: &sheet, shop: shop, session: session), "read once per visit")
        #expect(shop.tag("4006381333931") == nil, "not a tag of this catalog")
        let tried = try store.events(session: session).filter { $0.kind == .triedOn }
        #expect(tried.map(\.sku) == ["KN-101-RUS"] && tried[0].size == "M" && tried[0].via == "scan")
        #expect(shop.report(sheet, session: session).report.tried.first == "KN-101-RUS")
        _ = try shop.request("KN-101-RUS", size: "L", session: session, sheet: sheet)
        let swap = try #require(try store.events(session: session).first { $0.kind == .sizeRequest })
        #expect(swap.size == "L" && swap.triedSize == "M")
    }
}
