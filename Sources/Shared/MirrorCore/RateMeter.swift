/// Events per second over a short sliding window, for frame rates shown to staff.
///
/// Fixed storage: recording an event never allocates.
public struct RateMeter: Sendable {
    private var stamps: [UInt64]
    private var next = 0
    private var filled = 0
    /// Events older than this no longer count.
    public let window: Duration

    public init(capacity: Int = 64, window: Duration = .seconds(2)) {
        precondition(capacity >= 2)
        stamps = Array(repeating: 0, count: capacity)
        self.window = window
    }

    public mutating func record(_ at: MonotonicInstant) {
        stamps[next] = at.nanoseconds
        next = (next + 1) % stamps.count
        filled = min(filled + 1, stamps.count)
    }

    /// Events per second at `now`, counting only those within the window; 0 with fewer than two.
    public func rate(at now: MonotonicInstant) -> Double {
        let windowNs =
            UInt64(window.components.seconds) * 1_000_000_000
            + UInt64(window.components.attoseconds / 1_000_000_000)
        var oldest = UInt64.max
        var newest: UInt64 = 0
        var count = 0
        for index in 0..<filled {
            let stamp = stamps[index]
            guard stamp + windowNs >= now.nanoseconds else { continue }
            oldest = min(oldest, stamp)
            newest = max(newest, stamp)
            count += 1
        }
        guard count >= 2, newest > oldest else { return 0 }
        return Double(count - 1) * 1e9 / Double(newest - oldest)
    }
}
