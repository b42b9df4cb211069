public import MirrorCore

/// Maps the network's ImageNet classes onto the retail categories (from the model manifest).
public struct Taxonomy: Sendable {
    /// ImageNet class index → retail category, for the classes the manifest maps.
    public let categoryOfClass: [Int: GarmentCategory]
    /// Class names in index order (for logs and the API).
    public let labels: [String]
    /// Below this summed probability no category is reported.
    public var minimumConfidence: Float

    public init(mapping: [GarmentCategory: [Int]], labels: [String], minimumConfidence: Float = 0.1) {
        var categoryOfClass: [Int: GarmentCategory] = [:]
        for (category, classes) in mapping {
            for index in classes { categoryOfClass[index] = category }
        }
        self.categoryOfClass = categoryOfClass
        self.labels = labels
        self.minimumConfidence = minimumConfidence
    }

    /// The category whose mapped classes hold the most softmax probability, with that probability;
    /// nil when no category reaches `minimumConfidence` or the logits are not finite.
    public func category(logits: UnsafeBufferPointer<Float>) -> (category: GarmentCategory, confidence: Float)? {
        guard let softmax = Softmax(logits) else { return nil }
        var mass: [GarmentCategory: Float] = [:]
        for (index, category) in categoryOfClass where index < logits.count {
            mass[category, default: 0] += softmax.probability(logits[index])
        }
        guard
            let best = mass.max(by: {
                $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue)
            }),
            best.value >= minimumConfidence
        else { return nil }
        return (best.key, best.value)
    }

    /// The `count` most probable classes as (index, label, probability), best first.
    public func top(_ count: Int, logits: UnsafeBufferPointer<Float>) -> [(
        index: Int, label: String, probability: Float
    )] {
        guard let softmax = Softmax(logits) else { return [] }
        let best = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(count)
        return best.map { index in
            (index, index < labels.count ? labels[index] : "class \(index)", softmax.probability(logits[index]))
        }
    }
}

/// Softmax over a set of logits, computed stably (shifted by the largest logit).
private struct Softmax {
    let top: Float
    let total: Float

    /// Nil when the logits are empty or not finite.
    init?(_ logits: UnsafeBufferPointer<Float>) {
        guard let top = logits.max(), top.isFinite else { return nil }
        var total: Float = 0
        for value in logits { total += expf(value - top) }
        guard total > 0, total.isFinite else { return nil }
        self.top = top
        self.total = total
    }

    func probability(_ logit: Float) -> Float { expf(logit - top) / total }
}
