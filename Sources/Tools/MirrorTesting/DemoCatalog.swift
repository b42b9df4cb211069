public import MirrorCore
public import MirrorProtocol
import MirrorSuggest

/// The demo store's catalog: a small womenswear range the project made up (names, brands, prices) and
/// draws itself (`GarmentArt`). `mirror-devtool render-catalog` writes it to `config/catalog/`.
public enum DemoCatalog {
    public struct Style: Sendable {
        public var style: String
        public var name: String
        public var brand: String
        public var price: Int
        public var category: GarmentCategory
        public var pattern: String
        public var colours: [String]
        public var goesWith: [String]
    }

    /// Colour names (the vision core's table) and the swatch values used for the drawings.
    public static let palette: [String: String] = [
        "rust": "#aa4b23", "navy": "#192350", "cream": "#f0e6c8", "camel": "#be915f", "charcoal": "#3c3e42",
        "white": "#f5f5f2", "black": "#141416", "coral": "#f57864", "light blue": "#96bee6", "denim": "#46648c",
        "burgundy": "#6e1428", "olive": "#6e6e2d", "brown": "#6e4628", "grey": "#808080",
        "forest green": "#1e4b28",
    ]

    static let clothing = ["XS", "S", "M", "L", "XL"]
    static let shoes = ["36", "37", "38", "39", "40", "41"]

    public static let styles: [Style] = [
        Style(
            style: "KN-101", name: "Ribbed Crew Jumper", brand: "Northfold", price: 5900, category: .knitwear,
            pattern: "solid", colours: ["rust", "navy", "cream"], goesWith: ["TR-401", "SK-501", "CO-701"]),
        Style(
            style: "KN-102", name: "Cable Cardigan", brand: "Northfold", price: 6900, category: .knitwear,
            pattern: "checks", colours: ["camel", "charcoal"], goesWith: ["TS-201", "TR-402"]),
        Style(
            style: "TS-201", name: "Relaxed Tee", brand: "Common Thread", price: 1900, category: .tops,
            pattern: "solid", colours: ["white", "black", "coral"], goesWith: ["TR-401", "CO-702", "FW-901"]),
        Style(
            style: "TS-202", name: "Breton Top", brand: "Common Thread", price: 2900, category: .tops,
            pattern: "stripes", colours: ["navy", "white"], goesWith: ["TR-402", "SK-501"]),
        Style(
            style: "SH-301", name: "Oxford Shirt", brand: "Atelier Row", price: 4500, category: .shirts,
            pattern: "solid", colours: ["white", "light blue"], goesWith: ["TR-402", "CO-701", "KN-102"]),
        Style(
            style: "TR-401", name: "Straight Jeans", brand: "Common Thread", price: 4900, category: .trousers,
            pattern: "solid", colours: ["denim", "navy", "black"], goesWith: ["KN-101", "TS-201", "FW-901"]),
        Style(
            style: "TR-402", name: "Wide-Leg Trousers", brand: "Atelier Row", price: 6500, category: .trousers,
            pattern: "solid", colours: ["camel", "black", "cream"], goesWith: ["SH-301", "KN-102", "FW-902"]),
        Style(
            style: "SK-501", name: "Pleated Midi Skirt", brand: "Atelier Row", price: 5500, category: .skirts,
            pattern: "stripes", colours: ["camel", "navy", "olive"], goesWith: ["KN-101", "TS-202", "FW-902"]),
        Style(
            style: "DR-601", name: "Wrap Dress", brand: "Maison Vale", price: 8900, category: .dresses,
            pattern: "solid", colours: ["burgundy", "navy", "forest green"], goesWith: ["CO-701", "FW-902", "BG-801"]),
        Style(
            style: "CO-701", name: "Wool Coat", brand: "Maison Vale", price: 18900, category: .outerwear,
            pattern: "solid", colours: ["camel", "charcoal"], goesWith: ["KN-101", "AC-951", "FW-902"]),
        Style(
            style: "CO-702", name: "Denim Jacket", brand: "Common Thread", price: 6900, category: .outerwear,
            pattern: "solid", colours: ["denim", "black"], goesWith: ["TS-201", "TR-401"]),
        Style(
            style: "BG-801", name: "Leather Tote", brand: "Maison Vale", price: 12900, category: .bags,
            pattern: "solid", colours: ["brown", "black"], goesWith: ["CO-701", "DR-601"]),
        Style(
            style: "FW-901", name: "Court Trainers", brand: "Common Thread", price: 7500, category: .footwear,
            pattern: "solid", colours: ["white", "black"], goesWith: ["TR-401", "TS-201"]),
        Style(
            style: "FW-902", name: "Chelsea Boots", brand: "Northfold", price: 11900, category: .footwear,
            pattern: "solid", colours: ["brown", "black"], goesWith: ["TR-402", "SK-501", "CO-701"]),
        Style(
            style: "AC-951", name: "Wool Scarf", brand: "Northfold", price: 3500, category: .accessories,
            pattern: "checks", colours: ["burgundy", "camel", "grey"], goesWith: ["CO-701", "KN-101"]),
    ]

    /// The SKU of `style` in `colour`: `KN-101-NAV`.
    public static func sku(_ style: String, _ colour: String) -> String {
        let code = colour.split(separator: " ").map { $0.prefix(colour.contains(" ") ? 2 : 3) }.joined()
        return "\(style)-\(code.uppercased())"
    }

    /// Every style in every colour, in table order.
    public static var items: [CatalogItem] {
        var number = 0
        return styles.flatMap { style in
            style.colours.map { colour in
                let sizes =
                    style.category == .footwear
                    ? shoes : [.bags, .accessories].contains(style.category) ? ["One size"] : clothing
                number += 1
                // In-store EAN-13s (GS1 prefix 20, for a retailer's own use): the item's number, then the size's.
                let barcodes = Dictionary(
                    uniqueKeysWithValues: sizes.enumerated().map { index, size in
                        (size, PriceTagScene.ean13("20" + String(format: "%05d%05d", number, index + 1)))
                    })
                return CatalogItem(
                    sku: sku(style.style, colour), style: style.style, name: style.name, brand: style.brand,
                    price: style.price, category: style.category, colour: colour, hex: palette[colour] ?? "#808080",
                    sizes: sizes, goesWith: style.goesWith, barcodes: barcodes)
            }
        }
    }

    /// The demo store's stock: 0–4 units per SKU and size from a fixed generator; a few gaps so the demo
    /// shows sizes out of stock.
    public static func inventory(store: String = "demo-store") -> Inventory {
        var random = SplitMix64(seed: 7)
        var stock: [String: [String: Int]] = [:]
        for item in items {
            for size in item.sizes { stock[item.sku, default: [:]][size] = Int(random.next() % 5) }
        }
        // The demo shopper's size of the jumper she tries is on the shelf.
        stock[sku("KN-101", "rust"), default: [:]]["M"] = 3
        return Inventory(store: store, stock: stock)
    }

    /// The demo's shopper profile (loyalty code `DEMO-1234`): sizes, liked colours, a dislike, a purchase.
    public static let profiles: [ShopperProfile] = [
        ShopperProfile(
            loyaltyID: "DEMO-1234",
            sizes: [
                "knitwear": "M", "tops": "M", "shirts": "M", "trousers": "M", "skirts": "M", "dresses": "M",
                "outerwear": "M", "footwear": "38",
            ],
            colours: ["camel", "navy"], dislikes: .init(colours: ["coral"]),
            purchases: [sku("TS-201", "white")])
    ]
}

/// SplitMix64: a small, fixed pseudo-random generator, so generated data is the same on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `range` (the next value modulo its size: fine for generated data, not for dice).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    /// True with probability `p`, to 1/10,000.
    public mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) < p * 10_000 }
    public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    /// From 0 up to 1.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// From 0 up to `n`.
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
