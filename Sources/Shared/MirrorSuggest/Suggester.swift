public import MirrorCore
public import MirrorProtocol

/// Why an item is suggested; each kind has its sentence on the card.
public enum SuggestionKind: String, Codable, Sendable, CaseIterable {
    /// The garment being tried, in the shopper's size, is on the shelf.
    case yourSize = "your-size"
    /// The tried style in another colour.
    case alsoIn = "also-in"
    /// Another category that goes with what is tried (outfit links, bought together).
    case completesTheLook = "completes-the-look"
    /// A different style that looks like what is tried (embedding neighbours).
    case similar
}

/// One suggestion: the item, the size to bring, why, and its score (for explaining the order).
public struct Suggestion: Codable, Sendable, Equatable {
    public var sku: String
    public var kind: SuggestionKind
    /// The sentence shown on the card.
    public var reason: String
    /// The size the shopper needs, when known (asked for, or from the profile).
    public var size: String?
    public var score: Double

    public init(sku: String, kind: SuggestionKind, reason: String, size: String?, score: Double) {
        self.sku = sku
        self.kind = kind
        self.reason = reason
        self.size = size
        self.score = score
    }
}

/// A garment the shopper has on, resolved to a catalog item, with the items that look like it.
public struct TriedGarment: Sendable, Equatable {
    public var sku: String
    /// Catalog items whose photos' embeddings are nearest to this garment, best first.
    public var similar: [SKUCandidate]

    public init(sku: String, similar: [SKUCandidate] = []) {
        self.sku = sku
        self.similar = similar
    }
}

/// What one suggestion request knows: what is tried, who is trying (if they identified), what they asked.
public struct SuggestionInput: Sendable, Equatable {
    public var tried: [TriedGarment]
    public var profile: ShopperProfile?
    /// Sizes the shopper asked for at the mirror, per style.
    public var requestedSizes: [String: String]
    /// SKUs the shopper dismissed in this session.
    public var dismissed: Set<String>

    public init(
        tried: [TriedGarment], profile: ShopperProfile? = nil, requestedSizes: [String: String] = [:],
        dismissed: Set<String> = []
    ) {
        self.tried = tried
        self.profile = profile
        self.requestedSizes = requestedSizes
        self.dismissed = dismissed
    }
}

/// Ranks what to show next: candidates from the tried garments (their size, their other colours, what
/// completes the look, what looks alike), filtered by stock, purchases and dislikes, scored, then picked
/// greedily with penalties for repeating a style, a category or a reason, so the top cards differ.
///
/// Pure and deterministic: the same inputs give the same list (ties go to the smaller SKU). Works
/// from whatever catalog and inventory the device has cached, so it needs no network.
public struct Suggester: Sendable {
    public var catalog: Catalog
    public var inventory: Inventory

    /// Base weight of each kind: the tried item in the right size matters most.
    static let weight: [SuggestionKind: Double] = [
        .yourSize: 1.0, .completesTheLook: 0.85, .alsoIn: 0.7, .similar: 0.6,
    ]
    /// Factor for an item in a colour the shopper likes.
    static let likedColour = 1.25
    /// Factors applied to the remaining candidates after each pick.
    static let sameStylePenalty = 0.2
    static let sameCategoryPenalty = 0.75
    static let sameKindPenalty = 0.9

    public init(catalog: Catalog, inventory: Inventory) {
        self.catalog = catalog
        self.inventory = inventory
    }

    /// Up to `limit` suggestions, best first.
    public func suggest(_ input: SuggestionInput, limit: Int = 6) -> [Suggestion] {
        var pool: [String: Suggestion] = [:]
        func offer(_ item: CatalogItem, _ kind: SuggestionKind, _ reason: String, strength: Double) {
            guard let size = eligible(item, input) else { return }
            var score = (Self.weight[kind] ?? 0) * strength
            if input.profile?.colours.contains(item.colour) == true { score *= Self.likedColour }
            let suggestion = Suggestion(sku: item.sku, kind: kind, reason: reason, size: size.size, score: score)
            if let existing = pool[item.sku], (existing.score, kind.order) >= (score, existing.kind.order) { return }
            pool[item.sku] = suggestion
        }

        let tried = input.tried.compactMap { garment in catalog.item(garment.sku).map { (garment, $0) } }
        let triedStyles = Set(tried.map(\.1.style))
        let triedCategories = Set(tried.map(\.1.category))
        for (garment, item) in tried {
            let size = wantedSize(item, input)
            // Their size on the shelf: the tried SKU itself.
            if let size {
                offer(item, .yourSize, "Your size \(size) is in stock", strength: 1)
            }
            // Other colours of the same style.
            for variant in catalog.variants(of: item.style) where variant.sku != item.sku {
                offer(variant, .alsoIn, "Also in \(variant.colour)", strength: 1)
            }
            // Completes the look: outfit links first, then what is bought together, never the tried categories.
            var partners: [String: (strength: Double, reason: String)] = [:]
            for style in item.goesWith { partners[style] = (1, "Goes with the \(item.fullName)") }
            let bought = catalog.boughtWith(item.style)
            let most = Double(bought.first?.count ?? 1)
            for (style, count) in bought.prefix(20) where partners[style] == nil {
                partners[style] = (0.4 + 0.5 * Double(count) / most, "Often bought with the \(item.fullName)")
            }
            for (style, link) in partners.sorted(by: { $0.key < $1.key }) where !triedStyles.contains(style) {
                guard let pick = bestColour(of: style, input),
                    !triedCategories.contains(pick.category)
                else { continue }
                offer(pick, .completesTheLook, link.reason, strength: link.strength)
            }
            // Look-alikes of other styles in the same category.
            for candidate in garment.similar {
                guard let other = catalog.item(candidate.sku), other.style != item.style,
                    other.category == item.category, candidate.score > 0
                else { continue }
                offer(other, .similar, "Similar to the \(item.fullName)", strength: Double(candidate.score))
            }
        }
        return diversify(Array(pool.values), limit: limit)
    }

    /// The size to check for `item`: asked for at the mirror, else the profile's size for its category.
    func wantedSize(_ item: CatalogItem, _ input: SuggestionInput) -> String? {
        input.requestedSizes[item.style] ?? input.profile?.size(for: item.category)
    }

    /// An item that may be shown, in `size` (nil: the shopper's size is unknown and some size is in stock).
    struct Eligible {
        var size: String?
    }

    /// Whether `item` may be shown: never bought before, disliked, dismissed, or out of stock in the
    /// shopper's size.
    func eligible(_ item: CatalogItem, _ input: SuggestionInput) -> Eligible? {
        if input.dismissed.contains(item.sku) { return nil }
        if let profile = input.profile, profile.purchases.contains(item.sku) || profile.dislikes(item) {
            return nil
        }
        let size = wantedSize(item, input)
        if let size, !item.sizes.contains(size) { return nil }
        guard inventory.inStock(item.sku, size: size) else { return nil }
        return Eligible(size: size)
    }

    /// Whether `item` may be suggested for `input` at all (stock in the shopper's size, not bought,
    /// disliked or dismissed).
    public func isEligible(_ item: CatalogItem, _ input: SuggestionInput) -> Bool { eligible(item, input) != nil }

    /// The colour of `style` to show: eligible, a liked colour first, then the most units on the shelf.
    func bestColour(of style: String, _ input: SuggestionInput) -> CatalogItem? {
        let liked = Set(input.profile?.colours ?? [])
        return catalog.variants(of: style).filter { eligible($0, input) != nil }.max { a, b in
            let unitsA = inventory.stock[a.sku]?.values.reduce(0, +) ?? 0
            let unitsB = inventory.stock[b.sku]?.values.reduce(0, +) ?? 0
            return (liked.contains(a.colour) ? 1 : 0, unitsA, b.sku) < (liked.contains(b.colour) ? 1 : 0, unitsB, a.sku)
        }
    }

    /// Greedy pick: the best remaining candidate, after penalties for what was already picked.
    func diversify(_ candidates: [Suggestion], limit: Int) -> [Suggestion] {
        var remaining = candidates
        var picked: [Suggestion] = []
        var styles: [String: Int] = [:]
        var categories: [GarmentCategory: Int] = [:]
        var kinds: [SuggestionKind: Int] = [:]
        while picked.count < limit, !remaining.isEmpty {
            var best = 0
            var bestScore = -Double.infinity
            for (index, candidate) in remaining.enumerated() {
                guard let item = catalog.item(candidate.sku) else { continue }
                let score =
                    candidate.score
                    * pow(Self.sameStylePenalty, Double(styles[item.style] ?? 0))
                    * pow(Self.sameCategoryPenalty, Double(categories[item.category] ?? 0))
                    * pow(Self.sameKindPenalty, Double(kinds[candidate.kind] ?? 0))
                if score > bestScore || (score == bestScore && candidate.sku < remaining[best].sku) {
                    best = index
                    bestScore = score
                }
            }
            var choice = remaining.remove(at: best)
            guard let item = catalog.item(choice.sku) else { continue }
            choice.score = bestScore
            picked.append(choice)
            styles[item.style, default: 0] += 1
            categories[item.category, default: 0] += 1
            kinds[choice.kind, default: 0] += 1
        }
        return picked
    }

    /// The catalog items a session's voted observations most likely are: the best catalog match that fits
    /// the region (and the category, when the vote is confident of it), else the catalog item of that
    /// confident category in the observed colour. The other fitting matches become the look-alikes.
    public func resolve(_ observations: [GarmentObservation]) -> [TriedGarment] {
        var tried: [TriedGarment] = []
        for observation in observations {
            let category = observation.categoryConfidence >= Self.confidentCategory ? observation.category : nil
            let plausible = Self.regionCategories[observation.region] ?? []
            let matches = observation.candidates.filter { candidate in
                guard let item = catalog.item(candidate.sku) else { return false }
                return category.map { item.category == $0 } ?? plausible.contains(item.category)
            }
            let sku =
                matches.first?.sku
                ?? category.flatMap { catalog.closest(category: $0, colour: observation.colours.first?.name)?.sku }
            guard let sku, !tried.contains(where: { $0.sku == sku }) else { continue }
            tried.append(TriedGarment(sku: sku, similar: matches.filter { $0.sku != sku }))
        }
        return tried
    }

    /// A voted category at least this confident narrows the matches to it.
    static let confidentCategory: Float = 0.4
    /// The categories a garment seen in each region can be.
    static let regionCategories: [GarmentRegion: Set<GarmentCategory>] = [
        .upperBody: [.tops, .knitwear, .shirts, .outerwear, .suits, .swimwear],
        .lowerBody: [.trousers, .skirts, .swimwear],
        .fullLength: [.dresses, .outerwear, .suits, .swimwear],
    ]
}

extension SuggestionKind {
    /// Tie-break between kinds for the same item: the stronger reason wins.
    var order: Int {
        switch self {
        case .yourSize: 3
        case .completesTheLook: 2
        case .alsoIn: 1
        case .similar: 0
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
