public import MirrorCore

/// Turns per-frame observations over a clip or session into one stable observation per region.
///
/// A garment seen for a few seconds flickers between frames (turning, arms moving, blur); a vote over the
/// frames removes that: the category is the one with the most summed confidence, SKU candidates are
/// ranked by their summed score over the frames and kept only when seen in a fair share of them, and
/// colours come from the frames that agree with the winning category.
public struct TemporalVote: Sendable {
    /// A SKU must be among the candidates of at least this share of a region's frames.
    public var minimumSupport: Float = 0.3
    /// Frames older than this many are forgotten (a session can be long; what is worn now matters).
    public var window: Int
    private var frames: [GarmentRegion: [GarmentObservation]] = [:]

    public init(window: Int = 60) { self.window = max(1, window) }

    public var isEmpty: Bool { frames.isEmpty }

    /// Adds one analysed frame's observations.
    public mutating func add(_ observations: [GarmentObservation]) {
        for observation in observations {
            frames[observation.region, default: []].append(observation)
            if frames[observation.region]!.count > window { frames[observation.region]!.removeFirst() }
        }
    }

    public mutating func reset() { frames = [:] }

    /// The voted observation of each region seen, in region order.
    public func result() -> [GarmentObservation] {
        GarmentRegion.allCases.compactMap { region in
            guard let seen = frames[region], !seen.isEmpty else { return nil }
            var weight: [GarmentCategory: Float] = [:]
            for observation in seen {
                if let category = observation.category {
                    weight[category, default: 0] += observation.categoryConfidence
                }
            }
            let winner = weight.max {
                $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue)
            }
            let agreeing = winner.map { w in seen.filter { $0.category == w.key } } ?? seen
            var scores: [String: (sum: Float, frames: Int)] = [:]
            for observation in seen {
                for candidate in observation.candidates {
                    scores[candidate.sku, default: (0, 0)].sum += candidate.score
                    scores[candidate.sku, default: (0, 0)].frames += 1
                }
            }
            let needed = Int((minimumSupport * Float(seen.count)).rounded(.up))
            let candidates = scores.filter { $0.value.frames >= needed }
                .map { SKUCandidate(sku: $0.key, score: $0.value.sum / Float($0.value.frames)) }
                .sorted { ($0.score, $1.sku) > ($1.score, $0.sku) }
            return GarmentObservation(
                region: region, box: Self.medianBox(agreeing.map(\.box)), category: winner?.key,
                categoryConfidence: winner.map { $0.value / Float(agreeing.count) } ?? 0,
                colours: Self.colours(agreeing), candidates: Array(candidates.prefix(5)),
                frames: agreeing.count)
        }
    }

    private static func medianBox(_ boxes: [NormalizedBox]) -> NormalizedBox {
        func median(_ values: [Float]) -> Float { values.sorted()[values.count / 2] }
        guard !boxes.isEmpty else { return NormalizedBox(x: 0, y: 0, width: 0, height: 0) }
        return NormalizedBox(
            x: median(boxes.map(\.x)), y: median(boxes.map(\.y)), width: median(boxes.map(\.width)),
            height: median(boxes.map(\.height)))
    }

    /// Colour names by their mean share over the frames, with the hex of their first sighting.
    private static func colours(_ observations: [GarmentObservation]) -> [GarmentColour] {
        var totals: [String: (share: Float, hex: String)] = [:]
        for observation in observations {
            for colour in observation.colours {
                totals[colour.name, default: (0, colour.hex)].share += colour.share
            }
        }
        let n = Float(max(1, observations.count))
        return totals.map { GarmentColour(name: $0.key, hex: $0.value.hex, share: $0.value.share / n) }
            .filter { $0.share >= 0.1 }
            .sorted { ($0.share, $1.name) > ($1.share, $0.name) }
            .prefix(3).map { $0 }
    }
}
