import Synchronization

/// A value of a non-Sendable type (a clip writer or player, an inference runtime) reachable from several
/// tasks and threads, only ever touched under its lock.
///
/// The lock is the standard library's `Mutex`, the project's one lock. `Mutex` cannot hold such a value
/// itself: its `withLock` takes the value as `inout sending` and returns a `sending` result, and the
/// compiler cannot prove that of a class instance made elsewhere or of a value handed back out (a finished
/// clip leaves the recorder this way). Here the value sits beside a `Mutex` and is only reached inside it,
/// which is what makes the unchecked `Sendable` sound.
public final class Guarded<Value>: @unchecked Sendable {
    private let mutex = Mutex(())
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        // The result leaves `Mutex.withLock` through this variable: a `sending` result cannot be proved of
        // an arbitrary `Result`, and the value is not touched by anyone else once the lock is left.
        nonisolated(unsafe) var result: Result?
        try mutex.withLock { (_: inout ()) throws(Failure) in result = try body(&value) }
        return result!
    }
}
