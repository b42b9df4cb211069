import Foundation
public import Logging
public import MirrorAPIModel
import MirrorCore
import Synchronization

/// The daemon's most recent log lines, kept in memory for `mirrorctl logs` and `mirrorctl diagnose` (which must
/// work on a mirror with no journal to read, and without giving staff the journal of the whole machine).
///
/// Each line has a sequence number, so a follower asks for the lines after the last it saw.
public final class LogRing: Sendable {
    private struct State {
        var lines: [LogLine] = []
        var start = 0
        var next: Int64 = 1
    }

    private let state = Mutex(State())
    public let capacity: Int

    public init(capacity: Int = 2000) {
        self.capacity = max(1, capacity)
    }

    func append(_ text: String) {
        state.withLock { s in
            let line = LogLine(seq: s.next, text: text)
            s.next += 1
            if s.lines.count < capacity {
                s.lines.append(line)
            } else {
                s.lines[s.start] = line
                s.start = (s.start + 1) % capacity
            }
        }
    }

    /// Lines with a sequence number above `after`, oldest first, at most `limit` (the newest ones).
    public func lines(after: Int64 = 0, limit: Int = 2000) -> [LogLine] {
        state.withLock { s in
            let ordered = Array(s.lines[s.start...] + s.lines[..<s.start])
            return Array(ordered.filter { $0.seq > after }.suffix(max(0, limit)))
        }
    }

    /// A log handler writing one line per message into this ring, in the same words as the standard error
    /// handler; combine both with swift-log's `MultiplexLogHandler`.
    public func handler(label: String, level: Logger.Level) -> some LogHandler {
        RingLogHandler(label: label, ring: self, logLevel: level)
    }
}

struct RingLogHandler: LogHandler {
    let label: String
    let ring: LogRing
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, ring: LogRing, logLevel: Logger.Level) {
        self.label = label
        self.ring = ring
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601)
        ring.append("\(time) \(event.level) \(label): \(event.message)" + (fields.isEmpty ? "" : " \(fields)"))
    }
}
