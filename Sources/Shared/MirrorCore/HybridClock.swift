/// A hybrid logical clock timestamp: wall-clock milliseconds with a logical counter, packed in one integer so it
/// sorts, stores and compares as a plain `Int64` in SQLite and PostgreSQL alike.
///
/// Layout: milliseconds since 1970 in the high 48 bits (good until the year 10889), the counter in the low 16.
public struct HLC: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let raw: Int64

    public init(raw: Int64) { self.raw = raw }

    public init(millis: Int64, counter: Int) {
        raw = (max(0, millis) << 16) | Int64(counter & 0xFFFF)
    }

    public var millis: Int64 { raw >> 16 }
    public var counter: Int { Int(raw & 0xFFFF) }

    public static let zero = HLC(raw: 0)

    public static func < (a: HLC, b: HLC) -> Bool { a.raw < b.raw }

    public var description: String { "\(millis).\(counter)" }

    public init(from decoder: any Decoder) throws {
        raw = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(raw)
    }
}

/// The clock that stamps a device's or the hub's changes (Kulkarni et al., "Logical Physical Clocks", 2014).
///
/// Stamps never go backwards, even when the wall clock does (an NTP step, a device booting at 1970), and a stamp
/// received from a peer moves the clock forward, so a device with a wrong clock still orders its changes after
/// what it has seen from the hub. A peer stamp more than `maxDrift` ahead of the wall clock is clamped: one peer
/// with a clock years ahead must not drag everyone's clocks (and win every last-writer-wins merge) with it.
public struct HybridClock: Sendable {
    public private(set) var last: HLC
    public let maxDriftMillis: Int64

    public init(last: HLC = .zero, maxDriftMillis: Int64 = 5 * 60 * 1000) {
        self.last = last
        self.maxDriftMillis = maxDriftMillis
    }

    /// A stamp for a local change at wall time `wallMillis`.
    public mutating func now(wallMillis: Int64) -> HLC {
        if wallMillis > last.millis {
            last = HLC(millis: wallMillis, counter: 0)
        } else if last.counter < 0xFFFF {
            last = HLC(millis: last.millis, counter: last.counter + 1)
        } else {
            last = HLC(millis: last.millis + 1, counter: 0)
        }
        return last
    }

    /// Takes in a stamp seen from a peer (clamped to `wallMillis + maxDrift`), returning the clamped stamp.
    @discardableResult
    public mutating func receive(_ remote: HLC, wallMillis: Int64) -> HLC {
        let clamped = Self.clamp(remote, wallMillis: wallMillis, maxDriftMillis: maxDriftMillis)
        if clamped > last { last = clamped }
        return clamped
    }

    /// Takes in a run of one peer's stamps, in the peer's own order (a device's ops by sequence): each is clamped as
    /// ``receive(_:wallMillis:)`` does, and comes after the one before it whenever the peer's own stamp did. A fast
    /// clock's stamps all meet the ceiling; clamped alone they would tie, and a request's "done" could not follow
    /// its "open". The stamps after the ceiling go past it by a millisecond at most (one millisecond holds 65,536).
    public mutating func receive(run remotes: [HLC], wallMillis: Int64) -> [HLC] {
        var stamps: [HLC] = []
        stamps.reserveCapacity(remotes.count)
        for (index, remote) in remotes.enumerated() {
            var stamp = Self.clamp(remote, wallMillis: wallMillis, maxDriftMillis: maxDriftMillis)
            if index > 0, remote > remotes[index - 1], let previous = stamps.last, stamp <= previous {
                stamp =
                    previous.counter < 0xFFFF
                    ? HLC(millis: previous.millis, counter: previous.counter + 1)
                    : HLC(millis: previous.millis + 1, counter: 0)
            }
            if stamp > last { last = stamp }
            stamps.append(stamp)
        }
        return stamps
    }

    /// `stamp`, or the latest stamp allowed at `wallMillis` when `stamp` is further in the future than that.
    public static func clamp(_ stamp: HLC, wallMillis: Int64, maxDriftMillis: Int64) -> HLC {
        let ceiling = HLC(millis: wallMillis + maxDriftMillis, counter: 0xFFFF)
        return min(stamp, ceiling)
    }
}
