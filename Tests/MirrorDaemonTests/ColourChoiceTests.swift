import Foundation
import Logging
import MirrorCore
import MirrorDisplay
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
        shop.observe(
            [
                GarmentObservation(
                    region: .upperBody, box: NormalizedBox(x: 0.3, y: 0.2, width: 0.4, height: 0.3),
                    category: .knitwear, categoryConfidence: 0.9,
                    colours: [GarmentColour(name: "rust", hex: "#aa4b23", share: 0.8)],
                    candidates: [SKUCandidate(sku: "KN-101-RUS", score: 0.95)], frames: 12)
            ], session: session)
        let before = shop.cards(session: session).cards
        let card = try #require(before.first { $0.colourSKUs.count > 1 }, "no card with colours: \(before.map(\.sku))")
        let other = card.colourSKUs[1]
        #expect(card.colours.count == card.colourSKUs.count && card.colourSKUs[0] == card.sku)

        #expect(shop.chooseColour(other, of: card.sku, session: session))
        let after = shop.cards(session: session).cards
        let swapped = try #require(after.first { $0.colourSKUs.contains(card.sku) && $0.sku == other })
        #expect(swapped.colourSKUs.first == other && swapped.reason.hasPrefix("In "))
        // Not a colour of that style, or no session: refused.
        #expect(!shop.chooseColour("TR-401-NAV", of: card.sku, session: session))
        #expect(!shop.chooseColour(other, of: card.sku, session: nil))
        #expect(try store.events(session: session).contains { $0.kind == .colourChosen && $0.sku == other })
        // Bring asks for the colour on the card.
        let request = try shop.request(other, session: session)
        #expect(request.sku == other)
    }
}
