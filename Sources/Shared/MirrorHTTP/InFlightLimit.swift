import Synchronization

/// Counts requests of one kind in progress and refuses more than `limit` at once (never waits: a waiting request
/// would hold one of the few threads the other routes answer on).
public final class InFlightLimit: Sendable {
    private let limit: Int
    private let count = Mutex(0)

    public init(_ limit: Int) { self.limit = limit }

    /// True when the request may go ahead; then ``leave()`` must follow.
    public func enter() -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    public func leave() { count.withLock { $0 -= 1 } }
}
