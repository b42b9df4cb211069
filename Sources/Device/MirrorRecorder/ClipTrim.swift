import MirrorCore

/// Which frames of a clip to keep: those from the first in which the shopper is in view to the last, so a look
/// neither opens on an empty fitting area (the pre-roll from before they stepped in) nor ends on one (after they
/// left). A frame whose presence is unknown (vision not running, or behind) counts as in view; a clip in which
/// nobody was seen at all is kept whole, for the camera may simply not know.
public enum ClipTrim {
    public static func kept(inView: [Bool?]) -> Range<Int> {
        let all = 0..<inView.count
        guard let first = inView.firstIndex(where: { $0 != false }),
            let last = inView.lastIndex(where: { $0 != false }),
            inView.contains(where: { $0 == true })
        else { return all }
        return first..<(last + 1)
    }
}

/// Whether the shopper was in view, sampled at the frames vision looked at (seconds on the capture clock), for
/// the last minute: enough for a clip and its pre-roll.
public struct PresenceLog: Sendable {
    private var samples: [(time: Double, present: Bool)] = []
    /// A frame further than this from every sample has no presence known.
    public static let reach = 0.6
    static let kept = 60.0

    public init() {}

    public mutating func add(_ present: Bool, at time: Double) {
        if let last = samples.last, time < last.time { samples.removeAll() }  // the clock went back: start over
        samples.append((time, present))
        if let first = samples.first, time - first.time > Self.kept {
            samples.removeFirst(samples.firstIndex { time - $0.time <= Self.kept } ?? 0)
        }
    }

    /// Presence at each of `times` (ascending or not): the nearest sample's, when one is within ``reach``.
    public func inView(at times: [Double]) -> [Bool?] {
        times.map { time in
            // Samples are in time order: the nearest is beside the first one at or after `time`.
            var low = 0
            var high = samples.count
            while low < high {
                let middle = (low + high) / 2
                if samples[middle].time < time { low = middle + 1 } else { high = middle }
            }
            let near = [low - 1, low].filter { samples.indices.contains($0) }
                .min { abs(samples[$0].time - time) < abs(samples[$1].time - time) }
            guard let near, abs(samples[near].time - time) <= Self.reach else { return nil }
            return samples[near].present
        }
    }
}
