public import MirrorCore

/// Lets the store's own catalog photos vote on a garment's category, where the ImageNet mapping is weak.
///
/// ImageNet has no class for trousers, dresses, skirts or most outerwear, so the taxonomy's category of a
/// garment region is often missing or wrong. The region's catalog matches (``SKUCandidate``: the cosine
/// similarity of its embedding to each catalog photo's, best first, at or above the catalog threshold)
/// each carry their catalog item's category. When the nearest items agree, their category is taken:
///
/// 1. A candidate's weight is its score above the catalog threshold (a match just at the threshold is no
///    evidence; plain scores let the many weak matches of other categories outvote a few strong ones).
///    Each category's support is the summed weight of its candidates. Candidates whose SKU has no known
///    category (a photo without a catalog entry) support nothing but count in the total.
/// 2. The winner is the category with the most support (ties: the category first in `GarmentCategory`).
/// 3. It is taken only when (a) at least `minimumVotes` candidates are of it, (b) it holds at least
///    `agreement` of the total weight, and (c) its best candidate scores at least `margin` above "the
///    rest": the best candidate of any other category or of an uncategorised SKU, and the threshold.
///
/// Otherwise, and when there are no candidates, the ImageNet mapping's category stands. The rule is
/// deterministic: it depends only on the candidates, the threshold and the category lookup.
///
/// The defaults were chosen with `mirror-bench retrieval --tune` on the demo catalog (`config/catalog`),
/// not on the retrieval bench's own garments: every style left out of the catalog in turn and in it, each
/// photo clean and under the bench's camera conditions; of the rules within one standard error of the
/// most right answers, the one that lets the catalog decide least often.
public struct CatalogVote: Sendable, Equatable {
    /// Where a decided category came from.
    public enum Source: String, Sendable {
        /// The catalog's nearest items agreed.
        case catalog
        /// The ImageNet classes mapped by the taxonomy (the catalog did not agree, or had no match).
        case imageNet
        /// Neither gave a category.
        case none
    }

    public struct Decision: Sendable, Equatable {
        public var category: GarmentCategory?
        /// 0…1: for a catalog decision the winner's share of the candidates' weight (or the ImageNet
        /// confidence when that is higher for the same category); else the ImageNet confidence.
        public var confidence: Float
        public var source: Source

        public init(category: GarmentCategory?, confidence: Float, source: Source) {
            self.category = category
            self.confidence = confidence
            self.source = source
        }
    }

    /// Share of the candidates' weight the winning category must hold.
    public var agreement: Float
    /// How far the winner's best score must lie above the best other candidate's and the threshold.
    public var margin: Float
    /// Candidates of the winning category needed at least.
    public var minimumVotes: Int

    public init(agreement: Float = 0.4, margin: Float = 0.02, minimumVotes: Int = 1) {
        self.agreement = agreement
        self.margin = margin
        self.minimumVotes = max(1, minimumVotes)
    }

    /// The catalog's category when its candidates (found with cosine `threshold`) agree, see the type's
    /// rule; else `imageNet`'s.
    public func decide(
        candidates: [SKUCandidate], threshold: Float, categoryOf: (String) -> GarmentCategory?,
        imageNet: (category: GarmentCategory, confidence: Float)?
    ) -> Decision {
        guard let winner = winner(candidates: candidates, threshold: threshold, categoryOf: categoryOf) else {
            return Decision(
                category: imageNet?.category, confidence: imageNet?.confidence ?? 0,
                source: imageNet == nil ? .none : .imageNet)
        }
        var confidence = winner.share
        if imageNet?.category == winner.category { confidence = max(confidence, imageNet?.confidence ?? 0) }
        return Decision(category: winner.category, confidence: confidence, source: .catalog)
    }

    /// Each category's place in `GarmentCategory`, for ties.
    private static let order = Dictionary(uniqueKeysWithValues: GarmentCategory.allCases.enumerated().map { ($1, $0) })

    /// The category the candidates agree on, with its share of their weight; nil when they do not agree.
    public func winner(candidates: [SKUCandidate], threshold: Float, categoryOf: (String) -> GarmentCategory?)
        -> (category: GarmentCategory, share: Float)?
    {
        let usable = candidates.filter { $0.score.isFinite && $0.score > threshold }
        var support: [GarmentCategory: (weight: Float, votes: Int, best: Float)] = [:]
        var total: Float = 0
        for candidate in usable {
            let weight = candidate.score - threshold
            total += weight
            guard let category = categoryOf(candidate.sku) else { continue }
            let previous = support[category] ?? (0, 0, -Float.infinity)
            support[category] = (previous.weight + weight, previous.votes + 1, max(previous.best, candidate.score))
        }
        let order = Self.order
        guard total > 0,
            let (category, won) = support.max(by: {
                ($0.value.weight, order[$1.key]!) < ($1.value.weight, order[$0.key]!)
            })
        else { return nil }
        // "The rest": the best candidate of another category or without one, and the threshold itself.
        let rest = usable.filter { categoryOf($0.sku) != category }.map(\.score).reduce(threshold, max)
        let share = won.weight / total
        guard won.votes >= minimumVotes, share >= agreement, won.best - rest >= margin else { return nil }
        return (category, share)
    }
}
