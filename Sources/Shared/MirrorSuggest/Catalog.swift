public import MirrorCore
public import MirrorProtocol

/// The catalog the suggestions draw from: items, outfit links and co-purchase counts, indexed once.
public struct Catalog: Sendable {
    public let currency: String
    public let items: [CatalogItem]
    private let bySKU: [String: Int]
    /// Item indexes per style, in catalog order.
    private let byStyle: [String: [Int]]
    /// Styles bought together with each style, with their counts, most frequent first.
    private let partners: [String: [(style: String, count: Int)]]

    public init(currency: String = "EUR", items: [CatalogItem], coPurchase: [CoPurchase] = []) {
        self.currency = currency
        self.items = items
        var bySKU: [String: Int] = [:]
        var byStyle: [String: [Int]] = [:]
        for (index, item) in items.enumerated() {
            bySKU[item.sku] = bySKU[item.sku] ?? index
            byStyle[item.style, default: []].append(index)
        }
        var partners: [String: [String: Int]] = [:]
        for pair in coPurchase where pair.styles.count == 2 && pair.styles[0] != pair.styles[1] && pair.count > 0 {
            partners[pair.styles[0], default: [:]][pair.styles[1], default: 0] += pair.count
            partners[pair.styles[1], default: [:]][pair.styles[0], default: 0] += pair.count
        }
        self.bySKU = bySKU
        self.byStyle = byStyle
        self.partners = partners.mapValues { counts in
            counts.map { (style: $0.key, count: $0.value) }.sorted { ($0.count, $1.style) > ($1.count, $0.style) }
        }
    }

    public var count: Int { items.count }

    public func item(_ sku: String) -> CatalogItem? { bySKU[sku].map { items[$0] } }

    /// The SKUs of `style` (its colours), in catalog order.
    public func variants(of style: String) -> [CatalogItem] { (byStyle[style] ?? []).map { items[$0] } }

    /// Styles bought together with `style`, most frequent first.
    public func boughtWith(_ style: String) -> [(style: String, count: Int)] { partners[style] ?? [] }

    /// The item of `category` whose colour is `colour` (by name), else nil: what an unmatched garment
    /// most likely is when the camera recognised its category and colour but no catalog photo.
    public func closest(category: GarmentCategory, colour: String?) -> CatalogItem? {
        guard let colour else { return nil }
        return items.first { $0.category == category && $0.colour == colour }
    }

    /// A price for people: "€59" or "€59.50".
    public func price(_ item: CatalogItem) -> String {
        let symbol =
            switch currency {
            case "EUR": "€"
            case "GBP": "£"
            case "USD": "$"
            default: "\(currency) "
            }
        let units = item.price / 100
        let cents = item.price % 100
        return cents == 0 ? "\(symbol)\(units)" : "\(symbol)\(units).\(cents < 10 ? "0" : "")\(cents)"
    }
}
