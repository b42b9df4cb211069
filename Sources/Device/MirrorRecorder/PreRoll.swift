public import MirrorCore

/// The last few seconds of camera frames, kept compressed, so a clip can start before its trigger.
///
/// Frames share their bytes with the frame bus (nothing is copied); the ring holds at most
/// `duration` of frames by their capture timestamps and never more than `capacity` frames.
public struct PreRollBuffer: Sendable {
    public let duration: Duration
    public let capacity: Int
    private var ring: [Frame?]
    private var next = 0
    private(set) public var count = 0

    public init(duration: Duration, capacity: Int = 600) {
        precondition(capacity > 0)
        self.duration = duration
        self.capacity = capacity
        ring = Array(repeating: nil, count: capacity)
    }

    /// Adds the newest frame; frames older than `duration` before it fall out.
    public mutating func append(_ frame: Frame) {
        ring[next] = frame
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
        while count > 1, let oldest = ring[(next - count + capacity) % capacity],
            frame.timestamp.since(oldest.timestamp) > duration
        {
            ring[(next - count + capacity) % capacity] = nil
            count -= 1
        }
    }

    /// The kept frames captured at or after `start`, oldest first (a trigger at `start + pre-roll`
    /// asks for its pre-roll this way).
    public func frames(since start: MonotonicInstant) -> [Frame] {
        (0..<count).compactMap { offset in ring[(next - count + offset + capacity) % capacity] }
            .filter { $0.timestamp >= start }
    }

    /// Every kept frame, oldest first.
    public var all: [Frame] { frames(since: MonotonicInstant(nanoseconds: 0)) }
}
