extension DaemonConfig {
    /// One key of the file whose value differs between two configurations, and whether mirrord applies it live.
    public struct Change: Sendable, Equatable {
        public var key: String
        public var live: Bool

        public init(key: String, live: Bool) {
            self.key = key
            self.live = live
        }
    }

    /// One key of the file as a reload compares it: its name as the file writes it (dotted inside a section),
    /// whether mirrord applies a change to it while running, and the value it sets.
    struct Key: Sendable {
        let name: String
        let live: Bool
        let differs: @Sendable (DaemonConfig, DaemonConfig) -> Bool

        init<Value: Equatable & Sendable>(
            _ name: String, _ value: any KeyPath<DaemonConfig, Value> & Sendable, live: Bool = false
        ) {
            self.name = name
            self.live = live
            differs = { $0[keyPath: value] != $1[keyPath: value] }
        }
    }

    /// The file's keys in its sections' order: each key of the live sections (`session`, `recording`) on its
    /// own, every other section as a whole (a change there needs a restart). `ConfigTests` holds this table to
    /// the keys `parse` reads, so a key added to the parser and not here fails a test rather than going unseen
    /// by a reload (a hand-kept list once missed `share`).
    static let keys: [Key] = [
        Key("state_dir", \.stateDirectory),
        Key("log_level", \.logLevel),
        Key("api", \.api),
        Key("session.countdown_seconds", \.session.countdownSeconds, live: true),
        Key("session.idle_timeout_seconds", \.session.idleTimeoutSeconds, live: true),
        Key("session.diagnostics", \.session.diagnostics, live: true),
        Key("recording.clip_seconds", \.recording.clipSeconds, live: true),
        // The pre-roll ring is sized at start.
        Key("recording.pre_roll_seconds", \.recording.preRollSeconds),
        Key("recording.post_roll_seconds", \.recording.postRollSeconds, live: true),
        Key("recording.keep_hours", \.recording.keepHours, live: true),
        Key("recording.saved_days", \.recording.savedDays, live: true),
        Key("recording.quota_mb", \.recording.quotaMegabytes, live: true),
        Key("vision", \.vision),
        Key("suggestions", \.suggestions),
        Key("share", \.share),
        Key("hub", \.hub),
        Key("profile", \.profile),
    ]

    /// What differs from `self` to `new`, key by key in the order of `keys`.
    public func changes(to new: DaemonConfig) -> [Change] {
        Self.keys.filter { $0.differs(self, new) }.map { Change(key: $0.name, live: $0.live) }
    }
}
