import Synchronization

/// Fans camera frames out to every consumer (display, recorder, vision) without ever blocking capture.
///
/// Each consumer has its own bounded queue. When a consumer falls behind, its *oldest* queued frame is
/// dropped and counted, so it always resumes with the freshest frames and never slows the others.
public final class FrameBus: Sendable {
    /// What one consumer has received and lost.
    public struct ConsumerStats: Sendable, Codable, Equatable {
        public var name: String
        public var capacity: Int
        /// Frames handed to the consumer's queue.
        public var received: UInt64
        /// Queued frames discarded, oldest first, because the consumer fell behind.
        public var dropped: UInt64

        public init(name: String, capacity: Int, received: UInt64, dropped: UInt64) {
            self.name = name
            self.capacity = capacity
            self.received = received
            self.dropped = dropped
        }
    }

    private final class Consumer: Sendable {
        let id: UInt64
        let name: String
        let capacity: Int
        let continuation: AsyncStream<Frame>.Continuation
        let received = Atomic<UInt64>(0)
        let dropped = Atomic<UInt64>(0)

        init(id: UInt64, name: String, capacity: Int, continuation: AsyncStream<Frame>.Continuation) {
            self.id = id
            self.name = name
            self.capacity = capacity
            self.continuation = continuation
        }
    }

    /// The current consumers. Replaced wholesale on (un)subscribe so that `publish` only retains it.
    private let consumers = Mutex<[Consumer]>([])
    private let nextID = Atomic<UInt64>(0)
    private let publishedCount = Atomic<UInt64>(0)

    public init() {}

    /// Starts a consumer queue of `capacity` frames; the stream ends when the bus finishes.
    ///
    /// Cancelling the task that iterates the stream unsubscribes it.
    public func subscribe(_ name: String, capacity: Int) -> AsyncStream<Frame> {
        precondition(capacity >= 1, "a consumer queue holds at least one frame")
        let (stream, continuation) = AsyncStream.makeStream(
            of: Frame.self, bufferingPolicy: .bufferingNewest(capacity))
        let consumer = Consumer(
            id: nextID.add(1, ordering: .relaxed).newValue, name: name, capacity: capacity,
            continuation: continuation)
        continuation.onTermination = { [weak self] _ in self?.remove(consumer.id) }
        consumers.withLock { $0.append(consumer) }
        return stream
    }

    /// Offers `frame` to every consumer; never waits.
    public func publish(_ frame: Frame) {
        publishedCount.add(1, ordering: .relaxed)
        let current = consumers.withLock { $0 }
        for consumer in current {
            switch consumer.continuation.yield(frame) {
            case .enqueued:
                consumer.received.add(1, ordering: .relaxed)
            case .dropped:
                consumer.received.add(1, ordering: .relaxed)
                consumer.dropped.add(1, ordering: .relaxed)
            case .terminated:
                break
            @unknown default:
                break
            }
        }
    }

    /// Ends every consumer's stream after the frames already queued.
    public func finish() {
        let all = consumers.withLock { current in
            defer { current.removeAll() }
            return current
        }
        for consumer in all { consumer.continuation.finish() }
    }

    /// Frames published since the bus was made.
    public var published: UInt64 { publishedCount.load(ordering: .relaxed) }

    /// Counters of every current consumer, in subscription order.
    public func stats() -> [ConsumerStats] {
        consumers.withLock { $0 }.map {
            ConsumerStats(
                name: $0.name, capacity: $0.capacity, received: $0.received.load(ordering: .relaxed),
                dropped: $0.dropped.load(ordering: .relaxed))
        }
    }

    private func remove(_ id: UInt64) {
        consumers.withLock { $0.removeAll { $0.id == id } }
    }
}
