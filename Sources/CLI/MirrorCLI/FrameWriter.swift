public import Foundation
import Synchronization

/// Writes captured frames to files off the capture loop: the loop hands each frame over and goes back to the
/// camera at once. Written in the capture callback, a slow card held the driver's buffers and it skipped frames
/// (13 of 90). At most `capacity` frames wait; one more is not written and is counted, so memory stays bounded
/// when storage cannot keep up. A serial Dispatch queue is the writer, a semaphore its bound (both from Dispatch,
/// the system's own work queue, rather than a thread and condition variable of our own).
public final class FrameWriter: Sendable {
    private let queue = DispatchQueue(label: "mirrorctl.frame-writer")
    private let slots: DispatchSemaphore
    private let write: @Sendable (String, Data) throws -> Void
    private let state = Mutex(State())

    struct State {
        var written = 0
        var skipped = 0
        var failure: String?
    }

    /// `write` stores one frame under a name (in production, a file in the capture's folder).
    public init(capacity: Int = 32, write: @escaping @Sendable (String, Data) throws -> Void) {
        slots = DispatchSemaphore(value: capacity)
        self.write = write
    }

    /// Writes `data` as `name` in the files of the folder `folder`.
    public convenience init(folder: String, capacity: Int = 32) {
        self.init(capacity: capacity) { name, data in
            try data.write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
        }
    }

    /// Queues one frame; false when `capacity` frames are waiting already (the frame is counted as skipped).
    @discardableResult
    public func submit(_ name: String, _ data: Data) -> Bool {
        guard slots.wait(timeout: .now()) == .success else {
            state.withLock { $0.skipped += 1 }
            return false
        }
        queue.async { [self] in
            defer { slots.signal() }
            guard state.withLock({ $0.failure == nil }) else { return }
            do {
                try write(name, data)
                state.withLock { $0.written += 1 }
            } catch {
                state.withLock { $0.failure = $0.failure ?? error.localizedDescription }
            }
        }
        return true
    }

    /// The first write that failed, if any (later frames are not written once one fails).
    public var failure: String? { state.withLock { $0.failure } }

    /// Waits until every queued frame is written; returns how many were written and how many skipped.
    public func finish() -> (written: Int, skipped: Int) {
        queue.sync {}
        return state.withLock { ($0.written, $0.skipped) }
    }
}
