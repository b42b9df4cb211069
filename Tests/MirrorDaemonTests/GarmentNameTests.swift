import Foundation
import Logging
import MirrorCore
import MirrorDisplay
import MirrorSession
import MirrorStore
import Testing

@testable import MirrorDaemon

/// One garment has one name on every screen: the recognised chips, its card, the reasons that name it, a look's
/// caption and a staff request all say "Ribbed Crew Jumper, rust"; a garment the catalog does not know is named by
/// its colour and kind on the chips and the caption alike.
struct GarmentNameTests {
    static func seen(_ candidates: [SKUCandidate], confidence: Float = 0.9) -> GarmentObservation {
        GarmentObservation(
            region: .upperBody, box: NormalizedBox(x: 0.3, y: 0.2, width: 0.4, height: 0.3),
            category: .knitwear, categoryConfidence: confidence,
            colours: [GarmentColour(name: "rust", hex: "#aa4b23", share: 0.8)], candidates: candidates, frames: 12)
    }

    @Test func aGarmentHasOneNameOnEveryScreen() throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        let jumper = Self.seen([SKUCandidate(sku: "KN-101-RUS", score: 0.95)])
        var sheet = SuggestionSheet()
        _ = sheet.handle(.observed([jumper]))
        let name = "Ribbed Crew Jumper, rust"
        let shown = shop.cards(sheet)
        #expect(shown.recognised == [name])
        #expect(shop.garmentNames([jumper]) == [name])
        // Cards name their own garment the same way, and a reason that names the jumper does too.
        for card in shown.cards {
            let item = try #require(shop.item(card.sku))
            #expect(card.name == item.fullName)
        }
        let reasons = shown.cards.map(\.reason).filter { $0.contains("Jumper") }
        #expect(reasons.allSatisfy { $0.hasSuffix(name) }, "\(reasons)")
        let request = try shop.request("KN-101-RUS", size: "M", session: "s1", sheet: sheet)
        #expect(request.description == "\(name), size M")
    }

    @Test func aGarmentTheCatalogDoesNotKnowIsNamedByWhatTheCameraSees() throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        // Unsure of the kind and matching nothing in the catalog: the camera's words.
        let unknown = Self.seen([], confidence: 0.2)
        #expect(shop.garmentNames([unknown]) == VisionService.describe([unknown], byRegion: true))
        #expect(shop.garmentNames([unknown]) == ["rust knitwear"])
    }
}

/// On a portrait panel the styles sheet shows one card beside the reflection; "Next style" pages through them, round
/// again after the last; only the cards shown count as shown.
struct NextStyleTests {
    @Test func nextStylePagesThroughTheSuggestions() throws {
        let store = try DeviceStore.inMemory()
        let shop = Shop(folder: "\(Binaries.repository)/config/catalog", store: store, logger: Logger(label: "test"))
        var sheet = SuggestionSheet()
        _ = sheet.handle(.observed([GarmentNameTests.seen([SKUCandidate(sku: "KN-101-RUS", score: 0.95)])]))
        let first = shop.cards(sheet, across: 1)
        #expect(first.cards.count == 1 && first.first == 0 && first.total > 1)
        guard case .seen(_, let shown) = first.seen else { Issue.record("not a seen event"); return }
        #expect(shown.map(\.sku) == first.cards.map(\.sku))
        var skus = [first.cards[0].sku]
        for _ in 1..<first.total {
            #expect(sheet.handle(.nextStyle).handled)
            let next = shop.cards(sheet, across: 1)
            #expect(next.first == skus.count)
            skus.append(next.cards[0].sku)
        }
        #expect(Set(skus).count == first.total)
        _ = sheet.handle(.nextStyle)
        #expect(shop.cards(sheet, across: 1).cards.map(\.sku) == [skus[0]])
        // Two across (a landscape panel): pages of two.
        var landscape = SuggestionSheet()
        _ = landscape.handle(.observed([GarmentNameTests.seen([SKUCandidate(sku: "KN-101-RUS", score: 0.95)])]))
        #expect(shop.cards(landscape, across: 2).cards.map(\.sku) == Array(skus.prefix(2)))
    }
}
