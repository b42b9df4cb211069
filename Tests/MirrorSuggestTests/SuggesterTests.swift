import MirrorCore
import MirrorProtocol
import Testing

@testable import MirrorSuggest

/// A small store: a jumper in three colours, a look-alike cardigan, trousers and a coat that go with it.
private func makeCatalog() -> Catalog {
    let sizes = ["S", "M", "L"]
    func item(_ style: String, _ colour: String, _ category: GarmentCategory, goesWith: [String] = []) -> CatalogItem {
        CatalogItem(
            sku: "\(style)-\(colour)", style: style, name: "\(style) name",
            brand: style == "CO" ? "Outer Co" : "Knit Co",
            price: 4900, category: category, colour: colour, hex: "#808080", sizes: sizes, goesWith: goesWith)
    }
    return Catalog(
        items: [
            item("KN", "rust", .knitwear, goesWith: ["TR"]), item("KN", "navy", .knitwear, goesWith: ["TR"]),
            item("KN", "cream", .knitwear, goesWith: ["TR"]),
            item("CA", "rust", .knitwear), item("CA", "grey", .knitwear),
            item("TR", "navy", .trousers), item("TR", "black", .trousers),
            item("CO", "camel", .outerwear), item("CO", "black", .outerwear),
        ],
        coPurchase: [CoPurchase("KN", "CO", count: 12), CoPurchase("KN", "TR", count: 3)])
}

/// Everything in stock in every size, except what `except` names (sku → sizes out of stock).
private func makeInventory(_ catalog: Catalog, except: [String: [String]] = [:]) -> Inventory {
    var stock: [String: [String: Int]] = [:]
    for item in catalog.items {
        for size in item.sizes {
            stock[item.sku, default: [:]][size] = except[item.sku]?.contains(size) == true ? 0 : 2
        }
    }
    return Inventory(store: "test", stock: stock)
}

private let tryingRustJumper = [TriedGarment(sku: "KN-rust", similar: [SKUCandidate(sku: "CA-grey", score: 0.8)])]

@Suite struct SuggesterTests {
    let catalog = makeCatalog()

    @Test func anAnonymousShopperGetsOtherColoursWhatCompletesTheLookAndLookAlikes() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let list = suggester.suggest(SuggestionInput(tried: tryingRustJumper))
        let kinds = Set(list.map(\.kind))
        #expect(kinds == [.alsoIn, .completesTheLook, .similar])  // no size known: no "your size"
        #expect(list.allSatisfy { !$0.reason.isEmpty && $0.size == nil })
        #expect(list.first { $0.sku == "TR-navy" || $0.sku == "TR-black" }?.reason == "Goes with the KN name, rust")
        #expect(list.contains { $0.sku == "CA-grey" && $0.reason == "Similar to the KN name, rust" })
        #expect(!list.contains { $0.sku == "KN-rust" })
    }

    @Test func theTriedItemInTheProfilesSizeComesFirst() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let profile = ShopperProfile(loyaltyID: "L1", sizes: ["knitwear": "M", "trousers": "L"])
        let list = suggester.suggest(SuggestionInput(tried: tryingRustJumper, profile: profile))
        #expect(
            list.first
                == Suggestion(sku: "KN-rust", kind: .yourSize, reason: "Your size M is in stock", size: "M", score: 1))
        #expect(list.first { $0.kind == .completesTheLook && $0.sku.hasPrefix("TR") }?.size == "L")
    }

    @Test func nothingIsShownThatIsOutOfStockInTheShoppersSize() {
        let inventory = makeInventory(catalog, except: ["KN-rust": ["M"], "KN-navy": ["M"], "TR-navy": ["L"]])
        let suggester = Suggester(catalog: catalog, inventory: inventory)
        let profile = ShopperProfile(loyaltyID: "L1", sizes: ["knitwear": "M", "trousers": "L"])
        let list = suggester.suggest(SuggestionInput(tried: tryingRustJumper, profile: profile), limit: 20)
        // Sizes known from the profile are in stock; the coat (no outerwear size in the profile) in some size.
        for suggestion in list {
            let category = catalog.item(suggestion.sku)?.category
            #expect(suggestion.size == profile.size(for: category ?? .accessories))
            #expect(inventory.inStock(suggestion.sku, size: suggestion.size), "\(suggestion.sku)")
        }
        #expect(!list.contains { ["KN-rust", "KN-navy", "TR-navy"].contains($0.sku) })
        #expect(list.contains { $0.sku == "KN-cream" && $0.kind == .alsoIn })
    }

    @Test func aSizeAskedForAtTheMirrorOverridesTheProfile() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog, except: ["KN-rust": ["M"]]))
        let profile = ShopperProfile(loyaltyID: "L1", sizes: ["knitwear": "M"])
        let input = SuggestionInput(tried: tryingRustJumper, profile: profile, requestedSizes: ["KN": "L"])
        #expect(suggester.suggest(input).first?.reason == "Your size L is in stock")
    }

    @Test func neverWhatWasBoughtDislikedOrDismissed() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let profile = ShopperProfile(
            loyaltyID: "L1", dislikes: .init(colours: ["black"], brands: ["Outer Co"], skus: ["CA-grey"]),
            purchases: ["TR-navy"])
        let list = suggester.suggest(
            SuggestionInput(tried: tryingRustJumper, profile: profile, dismissed: ["KN-navy"]), limit: 20)
        let skus = Set(list.map(\.sku))
        #expect(skus.isDisjoint(with: ["TR-navy", "TR-black", "CO-camel", "CO-black", "CA-grey", "KN-navy"]))
        #expect(skus == ["KN-cream"])
    }

    @Test func likedColoursChooseTheColourAndRankHigher() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let likesBlack = ShopperProfile(loyaltyID: "L1", colours: ["black"])
        let list = suggester.suggest(SuggestionInput(tried: tryingRustJumper, profile: likesBlack), limit: 20)
        #expect(list.contains { $0.sku == "CO-black" })
        #expect(!list.contains { $0.sku == "CO-camel" })
        #expect(list.first?.sku == "TR-black")
    }

    @Test func theTopCardsShowDifferentStylesAndReasons() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let list = suggester.suggest(SuggestionInput(tried: tryingRustJumper), limit: 3)
        let styles = list.compactMap { catalog.item($0.sku)?.style }
        #expect(Set(styles).count == 3, "\(list)")
        #expect(Set(list.map(\.kind)).count >= 2)
    }

    @Test func theSameInputsGiveTheSameList() {
        let shuffled = Catalog(items: catalog.items.reversed(), coPurchase: [CoPurchase("CO", "KN", count: 12)])
        let a = Suggester(catalog: catalog, inventory: makeInventory(catalog)).suggest(.init(tried: tryingRustJumper))
        let b = Suggester(catalog: catalog, inventory: makeInventory(catalog)).suggest(.init(tried: tryingRustJumper))
        #expect(a == b)
        let c = Suggester(catalog: shuffled, inventory: makeInventory(catalog)).suggest(.init(tried: tryingRustJumper))
        #expect(Set(c.map(\.sku)).isSuperset(of: a.prefix(2).map(\.sku)))
    }

    @Test func observationsResolveToCatalogItemsByMatchOrByCategoryAndColour() {
        let suggester = Suggester(catalog: catalog, inventory: makeInventory(catalog))
        let box = NormalizedBox(x: 0, y: 0, width: 1, height: 1)
        let matched = GarmentObservation(
            region: .upperBody, box: box, category: .knitwear, categoryConfidence: 0.9, colours: [],
            candidates: [SKUCandidate(sku: "TR-navy", score: 0.9), SKUCandidate(sku: "CA-rust", score: 0.7)])
        let unmatched = GarmentObservation(
            region: .lowerBody, box: box, category: .trousers, categoryConfidence: 0.8,
            colours: [GarmentColour(name: "black", hex: "#141416", share: 0.9)], candidates: [])
        let unknown = GarmentObservation(
            region: .fullLength, box: box, category: .dresses, categoryConfidence: 0.8, colours: [], candidates: [])
        #expect(
            suggester.resolve([matched, unmatched, unknown]) == [
                TriedGarment(sku: "CA-rust"), TriedGarment(sku: "TR-black"),
            ])
        // An unsure category does not filter: the best match that fits the region wins.
        let unsure = GarmentObservation(
            region: .upperBody, box: box, category: .outerwear, categoryConfidence: 0.14, colours: [],
            candidates: [SKUCandidate(sku: "TR-navy", score: 0.9), SKUCandidate(sku: "KN-rust", score: 0.6)])
        #expect(suggester.resolve([unsure]) == [TriedGarment(sku: "KN-rust")])
    }
}
