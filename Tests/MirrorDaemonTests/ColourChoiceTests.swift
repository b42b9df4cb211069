import Foundation
import Logging
import MirrorCore
import MirrorDisplay
import MirrorSession
import MirrorStore
import Testing

@testable import MirrorDaemon

/// A tap on a colour swatch of a suggestion card shows that colour of the style: its SKU, stock and photo,
/// and Bring asks for it.
struct ColourChoiceTests {
    @Test func aTappedColourStandsInForTheSuggestedOne() async throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        let session = "s1"
        // The shopper is seen in the rust jumper: its other colours and what goes with it are suggested.
        var sheet = SuggestionSheet()
        _ = sheet.handle(
            .observed([
                GarmentObservation(
                    region: .upperBody, box: NormalizedBox(x: 0.3, y: 0.2, width: 0.4, height: 0.3),
                    category: .knitwear, categoryConfidence: 0.9,
                    colours: [GarmentColour(name: "rust", hex: "#aa4b23", share: 0.8)],
                    candidates: [SKUCandidate(sku: "KN-101-RUS", score: 0.95)], frames: 12)
            ]))
        let before = shop.cards(sheet)
        _ = sheet.handle(before.seen)
        let card = try #require(
            before.cards.first { $0.colourSKUs.count > 1 }, "no card with colours: \(before.cards.map(\.sku))")
        let other = card.colourSKUs[1]
        #expect(card.colours.count == card.colourSKUs.count && card.colourSKUs[0] == card.sku)

        let chosen = try #require(shop.cardEvent("colour", sku: card.sku, value: other))
        let (handled, notes) = sheet.handle(chosen)
        #expect(handled && notes.contains { $0.kind == .colourChosen && $0.sku == other })
        for note in notes { shop.store(note, session: session) }
        let after = shop.cards(sheet).cards
        let swapped = try #require(after.first { $0.colourSKUs.contains(card.sku) && $0.sku == other })
        #expect(swapped.colourSKUs.first == other && swapped.reason.hasPrefix("In "))
        // Not a colour of that style: refused.
        #expect(shop.cardEvent("colour", sku: card.sku, value: "TR-401-NAV") == nil)
        #expect(try store.events(session: session).contains { $0.kind == .colourChosen && $0.sku == other })
        // Bring asks for the colour on the card.
        let request = try shop.request(other, session: session, sheet: sheet)
        #expect(request.sku == other)
    }
}
