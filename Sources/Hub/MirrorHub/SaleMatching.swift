import Foundation

/// Tried → bought, matched once (`docs/insights.md`, "Try-ons and tried → bought"): the pure rule over one store's
/// and one SKU's try-on pairs and sale lines. The hub keeps the pairs and the matches in its database
/// (`HubStore.refreshPairs`, `HubStore.rematch`) so every range, export and page reads the same answer.
enum SaleMatching {
    /// A visit that had a SKU: tried on (`triedAt`), brought by staff (`broughtAt`: the first of its requests for
    /// the SKU marked done), or both; it counts from the earlier, when the shopper first had the garment.
    struct Pair: Equatable {
        var device: String
        var session: String
        var sku: String
        var at: Int64
        /// The sizes scanned, in the order first scanned.
        var sizes: [String]
        /// The subject hash of the visit's shopper, when they gave their loyalty code.
        var subject: String?
    }

    struct Line: Equatable {
        var lineId: String
        var at: Int64
        var units: Int
        var size: String?
        /// The subject hash of the line's loyalty code.
        var subject: String?
    }

    /// One unit of a line bought after one pair.
    struct Match: Equatable {
        var lineId: String
        var unit: Int
        var lineAt: Int64
        var device: String
        var session: String
        /// The size the visit scanned that the unit was sold in; else the first size it scanned (nil: none).
        var sizeTried: String?
        /// The size the till sold (nil: the till did not say).
        var sizeSold: String?
    }

    /// Each pair takes at most one unit, each unit goes to at most one pair, a unit sold within `window` at or after
    /// the pair's time. First the visits whose shopper gave a loyalty code take lines with that code, in time
    /// order; then every pair still without one, in time order (then device, session), takes the earliest unit left
    /// of a line without a code. A line with a code is only ever its own shopper's.
    static func match(pairs: [Pair], lines: [Line], window: Int64) -> [Match] {
        let lines = lines.sorted { ($0.at, $0.lineId) < ($1.at, $1.lineId) }
        let pairs = pairs.sorted { ($0.at, $0.device, $0.session) < ($1.at, $1.device, $1.session) }
        var used = Array(repeating: 0, count: lines.count)
        var matched = Array(repeating: false, count: pairs.count)
        var result: [Match] = []
        func take(_ index: Int, subject: String?) {
            let pair = pairs[index]
            var low = 0
            var high = lines.count
            while low < high {  // the first line at or after the pair
                let middle = (low + high) / 2
                if lines[middle].at < pair.at { low = middle + 1 } else { high = middle }
            }
            for at in low..<lines.count {
                let line = lines[at]
                if line.at > pair.at + window { return }
                guard used[at] < line.units, line.subject == subject else { continue }
                used[at] += 1
                matched[index] = true
                let tried = line.size.flatMap { pair.sizes.contains($0) ? $0 : nil } ?? pair.sizes.first
                result.append(
                    Match(
                        lineId: line.lineId, unit: used[at] - 1, lineAt: line.at, device: pair.device,
                        session: pair.session, sizeTried: tried, sizeSold: line.size))
                return
            }
        }
        for index in pairs.indices where pairs[index].subject != nil { take(index, subject: pairs[index].subject) }
        for index in pairs.indices where !matched[index] { take(index, subject: nil) }
        return result
    }
}
