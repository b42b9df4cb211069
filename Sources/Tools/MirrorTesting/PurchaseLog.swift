public import MirrorProtocol
public import MirrorSuggest

/// A purchase history this project generates, to derive the demo's "bought together" counts and to
/// measure suggestion hit rates offline on a held-out split. Exactly how it is made:
///
/// - `shoppers` shoppers, each liking two colours of the catalog's palette and leaning to 4 of its styles.
/// - Each shopper makes 1–4 baskets. A basket starts from one of the shopper's styles (an anchor, 80 %)
///   or any style (20 %); each of the anchor's outfit links is added with probability 0.35; one random
///   other style with probability 0.15 (noise). Each style is bought in a liked colour when it has one
///   (75 %), else in a random colour of the style.
/// - Deterministic for a seed (SplitMix64).
public struct PurchaseLog: Sendable {
    public struct Basket: Sendable, Equatable {
        public var shopper: Int
        /// SKUs, the anchor first.
        public var skus: [String]
    }

    public var baskets: [Basket]
    /// Each shopper's liked colours.
    public var likedColours: [[String]]

    public static func generate(catalog: Catalog, shoppers: Int = 2000, seed: UInt64 = 1) -> PurchaseLog {
        var random = SplitMix64(seed: seed)
        let styles = Array(Set(catalog.items.map(\.style))).sorted()
        let colours = Array(Set(catalog.items.map(\.colour))).sorted()
        var baskets: [Basket] = []
        var liked: [[String]] = []
        for shopper in 0..<shoppers {
            let likes = Array(colours.shuffled(using: &random).prefix(2))
            let leanings = Array(styles.shuffled(using: &random).prefix(4))
            liked.append(likes)
            func pick(_ style: String) -> String? {
                let variants = catalog.variants(of: style)
                guard !variants.isEmpty else { return nil }
                let preferred = variants.filter { likes.contains($0.colour) }
                if !preferred.isEmpty, Double.random(in: 0..<1, using: &random) < 0.75 {
                    return preferred.randomElement(using: &random)?.sku
                }
                return variants.randomElement(using: &random)?.sku
            }
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let anchorStyle =
                    Double.random(in: 0..<1, using: &random) < 0.8
                    ? leanings.randomElement(using: &random)! : styles.randomElement(using: &random)!
                guard let anchor = pick(anchorStyle), let item = catalog.item(anchor) else { continue }
                var skus = [anchor]
                for link in item.goesWith where Double.random(in: 0..<1, using: &random) < 0.35 {
                    if let sku = pick(link), !skus.contains(sku) { skus.append(sku) }
                }
                if Double.random(in: 0..<1, using: &random) < 0.15,
                    let sku = pick(styles.randomElement(using: &random)!), !skus.contains(sku)
                {
                    skus.append(sku)
                }
                baskets.append(Basket(shopper: shopper, skus: skus))
            }
        }
        return PurchaseLog(baskets: baskets, likedColours: liked)
    }

    /// Style pairs bought in the same basket, counted, for the catalog's "bought together" data.
    public static func coPurchases(_ baskets: [Basket], catalog: Catalog) -> [CoPurchase] {
        var counts: [String: [String: Int]] = [:]
        for basket in baskets {
            let styles = Array(Set(basket.skus.compactMap { catalog.item($0)?.style })).sorted()
            for (i, a) in styles.enumerated() {
                for b in styles[(i + 1)...] { counts[a, default: [:]][b, default: 0] += 1 }
            }
        }
        return counts.sorted { $0.key < $1.key }.flatMap { a, partners in
            partners.sorted { $0.key < $1.key }.map { CoPurchase(a, $0.key, count: $0.value) }
        }
    }
}
