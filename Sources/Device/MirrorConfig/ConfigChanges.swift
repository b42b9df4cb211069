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

    /// The sections whose keys a reload applies while running; the others need a restart.
    static let liveSections: Set<String> = ["session", "recording"]
    /// The keys of the live sections that still need a restart (the pre-roll ring is sized at start).
    static let restartKeys: Set<String> = ["recording.pre_roll_seconds"]
    /// File keys that are not their property's name in snake case.
    static let fileKeys = ["stateDirectory": "state_dir", "quotaMegabytes": "quota_mb"]

    /// What differs from `self` to `new`, in the order of the file's sections: each key of the live sections on
    /// its own, every other section as a whole. Walks the stored properties, so a section added to the
    /// configuration is compared without being listed anywhere (a hand-kept list once missed `share`).
    public func changes(to new: DaemonConfig) -> [Change] {
        var changes: [Change] = []
        for (old, new) in zip(Mirror(reflecting: self).children, Mirror(reflecting: new).children) {
            guard let property = old.label, property != "file" else { continue }
            let section = Self.fileKey(property)
            if Self.liveSections.contains(section) {
                for (oldLeaf, newLeaf) in zip(
                    Mirror(reflecting: old.value).children, Mirror(reflecting: new.value).children)
                where !Self.same(oldLeaf.value, newLeaf.value) {
                    let key = "\(section).\(Self.fileKey(oldLeaf.label ?? "?"))"
                    changes.append(Change(key: key, live: !Self.restartKeys.contains(key)))
                }
            } else if !Self.same(old.value, new.value) {
                changes.append(Change(key: section, live: false))
            }
        }
        return changes
    }

    static func fileKey(_ property: String) -> String {
        if let key = fileKeys[property] { return key }
        return property.reduce(into: "") { key, character in
            if character.isUppercase {
                key += "_" + character.lowercased()
            } else {
                key.append(character)
            }
        }
    }

    /// Whether two property values are equal; every property of the configuration is `Equatable`.
    private static func same(_ a: Any, _ b: Any) -> Bool {
        guard let a = a as? any Equatable else { return false }
        return equal(a, b)
    }

    private static func equal<T: Equatable>(_ a: T, _ b: Any) -> Bool {
        guard let b = b as? T else { return false }
        return a == b
    }
}
