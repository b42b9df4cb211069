import ArgumentParser
import Foundation
import MirrorCore
import MirrorProtocol
import MirrorSuggest
import MirrorTesting
import MirrorVision

/// Suggestion ranking speed over a large catalog, beside a brute-force peer in the same process, and
/// the offline hit rate on a held-out split of the generated purchase log (`PurchaseLog` says how it
/// is made).
struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Suggestion ranking time over a synthetic catalog (vs brute force) and the offline hit rate.")

    @Option(help: "Catalog size for the timing.") var items = 10_000
    @Option(help: "Timed requests.") var runs = 200

    func run() throws {
        try timing()
        hitRate()
    }

    /// A synthetic catalog: styles of 4 colours, each linked to 3 styles of other categories, with 20
    /// bought-together partners; random stock with gaps; random unit embeddings for the look-alikes.
    func timing() throws {
        var random = SplitMix64(seed: 3)
        let colours = Array(DemoCatalog.palette.keys).sorted()
        let categories = GarmentCategory.allCases
        let styles = items / 4
        var catalogItems: [CatalogItem] = []
        for style in 0..<styles {
            let category = categories[style % categories.count]
            let links = (0..<3).map { _ in "S\(Int.random(in: 0..<styles, using: &random))" }
            for colour in 0..<4 {
                catalogItems.append(
                    CatalogItem(
                        sku: "S\(style)-\(colour)", style: "S\(style)", name: "Style \(style)", brand: "B\(style % 40)",
                        price: 1000 + style % 200 * 100, category: category,
                        colour: colours[(style + colour) % colours.count],
                        hex: "#808080", sizes: ["XS", "S", "M", "L", "XL"], goesWith: links))
            }
        }
        var pairs: [CoPurchase] = []
        for style in 0..<styles {
            for _ in 0..<10 {
                pairs.append(
                    CoPurchase(
                        "S\(style)", "S\(Int.random(in: 0..<styles, using: &random))",
                        count: Int.random(in: 1...50, using: &random)))
            }
        }
        let catalog = Catalog(items: catalogItems, coPurchase: pairs)
        var stock: [String: [String: Int]] = [:]
        for item in catalogItems {
            for size in item.sizes { stock[item.sku, default: [:]][size] = Int.random(in: 0...3, using: &random) }
        }
        let suggester = Suggester(catalog: catalog, inventory: Inventory(store: "bench", stock: stock))
        var index = CatalogIndex(dimension: 1280)
        var embeddings: [String: [Float]] = [:]
        for item in catalogItems {
            var vector = (0..<1280).map { _ in Float.random(in: -1...1, using: &random) }
            let norm = sqrt(vector.reduce(0) { $0 + $1 * $1 })
            for i in vector.indices { vector[i] /= norm }
            try index.add(sku: item.sku, embedding: vector)
            embeddings[item.sku] = vector
        }
        let profile = ShopperProfile(
            loyaltyID: "bench", sizes: Dictionary(uniqueKeysWithValues: categories.map { ($0.rawValue, "M") }),
            colours: ["navy", "camel"], dislikes: .init(colours: ["coral"]), purchases: ["S1-0", "S2-1"])

        var ours: [Double] = []
        var peer: [Double] = []
        var endToEnd: [Double] = []
        for run in 0..<runs {
            // Two garments tried; their look-alikes from the embedding index (20 each).
            let skus = ["S\((run * 7919) % styles)-0", "S\((run * 104_729 + 1) % styles)-2"]
            let start = MonotonicInstant.now()
            let tried = skus.map { sku in
                TriedGarment(
                    sku: sku, similar: index.search(embeddings[sku] ?? [], k: 20).filter { $0.sku != sku })
            }
            let searched = MonotonicInstant.now()
            let input = SuggestionInput(tried: tried, profile: profile)
            let list = suggester.suggest(input)
            let ranked = MonotonicInstant.now()
            let brute = BruteForce.suggest(input, suggester: suggester)
            let done = MonotonicInstant.now()
            ours.append(ranked.since(searched).milliseconds)
            endToEnd.append(ranked.since(start).milliseconds)
            peer.append(done.since(ranked).milliseconds)
            precondition(!list.isEmpty && !brute.isEmpty)
        }
        print("suggestion ranking over \(catalog.count) SKUs (\(styles) styles), 2 tried garments, top 6, \(runs) runs")
        print(
            String(
                format: "ours: median %.3f ms, p99 %.3f ms; with the 2 look-alike searches (kNN): median %.2f ms",
                median(ours), percentile(ours, 0.99), median(endToEnd)))
        print(
            String(
                format: "peer (brute force: score all SKUs, full sort): median %.2f ms, p99 %.2f ms = %.0f× ours",
                median(peer), percentile(peer, 0.99), median(peer) / median(ours)))
    }

    /// Held-out hit rate on the demo catalog: shoppers split 80/20; bought-together counts from the
    /// training shoppers only; for each test basket of two or more items, the anchor is "tried" and
    /// each other item is a hit when it is among the top-k suggestions. Everything is in stock, so the
    /// ranking alone is measured. Baselines: the most bought SKUs of the training split, and random.
    func hitRate() {
        let base = Catalog(items: DemoCatalog.items)
        let log = PurchaseLog.generate(catalog: base, shoppers: 2000, seed: 11)
        let train = log.baskets.filter { $0.shopper % 5 != 0 }
        let test = log.baskets.filter { $0.shopper % 5 == 0 && $0.skus.count >= 2 }
        let catalog = Catalog(items: DemoCatalog.items, coPurchase: PurchaseLog.coPurchases(train, catalog: base))
        var stock: [String: [String: Int]] = [:]
        for item in catalog.items { for size in item.sizes { stock[item.sku, default: [:]][size] = 5 } }
        let suggester = Suggester(catalog: catalog, inventory: Inventory(store: "eval", stock: stock))
        var popularity: [String: Int] = [:]
        for basket in train { for sku in basket.skus { popularity[sku, default: 0] += 1 } }
        let popular = popularity.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
        var random = SplitMix64(seed: 5)
        var hits: [String: [Int: Int]] = [:]
        var total = 0
        for basket in test {
            let anchor = basket.skus[0]
            for (name, profile) in [
                ("ours, anonymous", nil),
                ("ours, with liked colours", ShopperProfile(loyaltyID: "t", colours: log.likedColours[basket.shopper])),
            ] as [(String, ShopperProfile?)] {
                let list = suggester.suggest(SuggestionInput(tried: [TriedGarment(sku: anchor)], profile: profile))
                for k in [3, 6] {
                    hits[name, default: [:]][k, default: 0] +=
                        basket.skus.dropFirst().filter { sku in
                            list.prefix(k).contains { $0.sku == sku }
                        }.count
                }
            }
            let baseline = popular.filter { $0 != anchor }
            let shuffled = catalog.items.map(\.sku).filter { $0 != anchor }.shuffled(using: &random)
            for k in [3, 6] {
                hits["most bought", default: [:]][k, default: 0] +=
                    basket.skus.dropFirst().filter { baseline.prefix(k).contains($0) }.count
                hits["random", default: [:]][k, default: 0] +=
                    basket.skus.dropFirst().filter { shuffled.prefix(k).contains($0) }.count
            }
            total += basket.skus.count - 1
        }
        print(
            "hit rate on the held-out split: \(test.count) baskets of 2+ items from \(Set(test.map(\.shopper)).count) "
                + "shoppers, \(total) hidden items; trained on \(train.count) baskets")
        for name in ["ours, with liked colours", "ours, anonymous", "most bought", "random"] {
            let row = hits[name] ?? [:]
            print(
                String(
                    format: "  %@ hit@3 %5.1f %%   hit@6 %5.1f %%",
                    name.padding(toLength: 26, withPad: " ", startingAt: 0),
                    100 * Double(row[3] ?? 0) / Double(total),
                    100 * Double(row[6] ?? 0) / Double(total)))
        }
    }
}

/// The peer: scores every SKU of the catalog against the tried garments with the same rules and weights,
/// then sorts them all (no candidate generation, no greedy diversity pass).
enum BruteForce {
    static func suggest(_ input: SuggestionInput, suggester: Suggester) -> [Suggestion] {
        let catalog = suggester.catalog
        let tried = input.tried.compactMap { catalog.item($0.sku) }
        var scored: [Suggestion] = []
        for item in catalog.items {
            guard suggester.isEligible(item, input) else { continue }
            var best: (Double, SuggestionKind)?
            for (garment, triedItem) in zip(input.tried, tried) {
                var score = 0.0
                var kind = SuggestionKind.similar
                if item.sku == triedItem.sku {
                    (score, kind) = (1.0, .yourSize)
                } else if item.style == triedItem.style {
                    (score, kind) = (0.7, .alsoIn)
                } else if triedItem.goesWith.contains(item.style) {
                    (score, kind) = (0.85, .completesTheLook)
                } else if let count = catalog.boughtWith(triedItem.style).first(where: { $0.style == item.style })?
                    .count
                {
                    let most = Double(catalog.boughtWith(triedItem.style).first?.count ?? 1)
                    (score, kind) = (0.85 * (0.4 + 0.5 * Double(count) / most), .completesTheLook)
                } else if let similar = garment.similar.first(where: { $0.sku == item.sku }) {
                    (score, kind) = (0.6 * Double(similar.score), .similar)
                }
                if score > (best?.0 ?? 0) { best = (score, kind) }
            }
            guard let best else { continue }
            scored.append(Suggestion(sku: item.sku, kind: best.1, reason: "", size: nil, score: best.0))
        }
        return Array(scored.sorted { ($0.score, $1.sku) > ($1.score, $0.sku) }.prefix(6))
    }
}
