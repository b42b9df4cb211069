public import Foundation
import GRDB
public import MirrorCore
import MirrorProtocol

/// A clip crypto-shredded because its shopper was erased at head office: its row, and with it the wrapped key,
/// is gone (zeroed on disk); the file is left for the recorder to unlink. Should that not happen (a crash), the
/// file is an orphan the next start removes, and unreadable meanwhile.
public struct ShreddedClip: Sendable, Equatable {
    public var id: String
    public var file: String
}

/// Profiles the mirror fetched from the hub, kept for a while so an identified shopper keeps their suggestions
/// while the store network is down; and which shoppers identified in which session, so that erasing a shopper
/// at head office reaches the clips of their visits. Shoppers are kept by subject hash (``SubjectHash``) only.
extension DeviceStore {
    /// A cache entry stamped more than this far in the future means the wall clock went back since: its age
    /// cannot be known, so the entry counts as expired.
    static let clockSlack: TimeInterval = 300

    /// Keeps `body` (the profile's JSON, as the hub sent it), replacing an older copy.
    public func cacheProfile(loyaltyId: String, body: String, at: Date = Date()) throws(StoreError) {
        try write("cache a profile") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO profile_cache (subject_hash, body, fetched_at) VALUES (?, ?, ?)",
                arguments: [SubjectHash.of(loyaltyId: loyaltyId), body, at])
        }
    }

    /// The cached profile fetched less than `maxAge` ago; nil when there is none, it expired, the shopper was
    /// erased, or the clock went back since it was fetched.
    public func cachedProfile(loyaltyId: String, maxAge: TimeInterval, now: Date = Date()) throws(StoreError)
        -> String?
    {
        try read("read the profile cache") { db in
            let subject = SubjectHash.of(loyaltyId: loyaltyId)
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM erasures WHERE subject_hash = ?", arguments: [subject])
                    != true,
                let row = try Row.fetchOne(
                    db, sql: "SELECT body, fetched_at FROM profile_cache WHERE subject_hash = ?", arguments: [subject])
            else { return nil }
            let fetched: Date = row[1]
            let age = now.timeIntervalSince(fetched)
            return age < maxAge && age > -Self.clockSlack ? row[0] : nil
        }
    }

    /// Drops the cached profile (the hub said the shopper is no longer opted in).
    public func forgetProfile(loyaltyId: String) throws(StoreError) {
        try write("forget a profile") { db in
            try db.execute(
                sql: "DELETE FROM profile_cache WHERE subject_hash = ?",
                arguments: [SubjectHash.of(loyaltyId: loyaltyId)])
        }
    }

    /// Deletes the cached profiles older than `maxAge` (or stamped in the future); returns how many.
    @discardableResult
    public func purgeProfiles(olderThan maxAge: TimeInterval, now: Date = Date()) throws(StoreError) -> Int {
        try write("purge expired profiles") { db in
            try db.execute(
                sql: "DELETE FROM profile_cache WHERE fetched_at <= ? OR fetched_at > ?",
                arguments: [now.addingTimeInterval(-maxAge), now.addingTimeInterval(Self.clockSlack)])
            return db.changesCount
        }
    }

    /// How many profiles the cache holds (fresh or not).
    public func cachedProfileCount() throws(StoreError) -> Int {
        try read("count cached profiles") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile_cache") ?? 0 }
    }

    /// Notes that the shopper with `loyaltyId` identified in `session`, and tells the hub (the first time) by the
    /// hash of the code (``SubjectHash``), never the code: the hub matches the visit's try-ons to the sales of that
    /// shopper's code with it, and the mirror's disk holds no loyalty code in plaintext.
    public func linkSession(_ session: String, loyaltyId: String, at: Date = Date()) throws(StoreError) {
        try write("link a session to its shopper") { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO session_subjects (session_id, subject_hash, at) VALUES (?, ?, ?)",
                arguments: [session, SubjectHash.of(loyaltyId: loyaltyId), at])
            guard db.changesCount > 0 else { return }
            let event = SessionEventRecord(sessionId: session, at: at, kind: .identified, sku: nil)
            try event.insert(db)
            var patch = Self.eventPatch(event)
            patch["subject"] = .string(SubjectHash.of(loyaltyId: loyaltyId))
            try Self.enqueue(db, entity: .sessionEvent, key: event.id, patch: patch, at: at)
        }
    }

    /// "Not you?": the session is no longer the shopper's with `loyaltyId` (an erasure at head office will not
    /// touch its clips), and the hub is told by the hash, so it matches the visit to no one's sales.
    public func unlinkSession(_ session: String, loyaltyId: String, at: Date = Date()) throws(StoreError) {
        try write("unlink a session from its shopper") { db in
            let subject = SubjectHash.of(loyaltyId: loyaltyId)
            try db.execute(
                sql: "DELETE FROM session_subjects WHERE session_id = ? AND subject_hash = ?",
                arguments: [session, subject])
            guard db.changesCount > 0 else { return }
            let event = SessionEventRecord(sessionId: session, at: at, kind: .unidentified, sku: nil)
            try event.insert(db)
            var patch = Self.eventPatch(event)
            patch["subject"] = .string(subject)
            try Self.enqueue(db, entity: .sessionEvent, key: event.id, patch: patch, at: at)
        }
    }

    /// The sessions the shopper identified in.
    public func sessions(ofSubject subject: String) throws(StoreError) -> [String] {
        try read("read a shopper's sessions") { db in
            try String.fetchAll(
                db, sql: "SELECT session_id FROM session_subjects WHERE subject_hash = ? ORDER BY at",
                arguments: [subject])
        }
    }

    /// Inside the transaction that records an erasure: forgets the cached profile and deletes the rows (with the
    /// wrapped keys) of every clip of every session the shopper identified in, auditing each.
    static func shred(_ db: Database, subject: String, at: Date) throws -> [ShreddedClip] {
        try db.execute(sql: "DELETE FROM profile_cache WHERE subject_hash = ?", arguments: [subject])
        let clips = try Row.fetchAll(
            db,
            sql: """
                SELECT id, file FROM clips WHERE session_id IN
                    (SELECT session_id FROM session_subjects WHERE subject_hash = ?) ORDER BY id
                """, arguments: [subject]
        ).map { ShreddedClip(id: $0[0], file: $0[1]) }
        _ = try ClipRecord.deleteAll(db, keys: clips.map(\.id))
        for clip in clips {
            var entry = AuditRecord(
                at: at, actor: .system, action: .purge, clipId: clip.id, detail: "shopper erased at head office")
            try entry.insert(db)
        }
        try db.execute(sql: "DELETE FROM session_subjects WHERE subject_hash = ?", arguments: [subject])
        try db.execute(sql: "DELETE FROM look_code_failures WHERE subject_hash = ?", arguments: [subject])
        try redactOutbox(db, subject: subject)
        return clips
    }

    /// Ops in the outbox that name the shopper by loyalty code (a saved look and its consent) lose the code.
    /// They stay, so the sequence keeps no gap: acknowledged ones for a restored hub, pending ones still go, and
    /// the hub drops ops about nobody.
    static func redactOutbox(_ db: Database, subject: String) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT seq, patch FROM outbox WHERE entity IN (?, ?)",
            arguments: [SyncEntity.consent.rawValue, SyncEntity.savedLook.rawValue])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for row in rows {
            let seq: Int64 = row[0]
            var patch = try JSONDecoder().decode([String: JSONValue].self, from: Data((row[1] as String).utf8))
            guard let loyaltyId = patch["loyaltyId"]?.string, SubjectHash.of(loyaltyId: loyaltyId) == subject else {
                continue
            }
            patch["loyaltyId"] = .string("")
            try db.execute(
                sql: "UPDATE outbox SET patch = ? WHERE seq = ?",
                arguments: [String(decoding: try encoder.encode(patch), as: UTF8.self), seq])
        }
    }
}

extension DeviceStore {
    /// The shopper identified as `loyaltyId` saves clip `id` to their profile, tapping Save on the mirror: in one
    /// transaction the session's `save_profile` consent is recorded (and audited), the clip is kept past the
    /// session's retention, and two ops go to the hub: the consent (purpose `saved_looks`) and the saved look
    /// (when, and the garments recognised in it; never video).
    ///
    /// With a `code`, the shopper can open the look again at a later visit on this mirror (``openEarlierLook``):
    /// the code is kept salted and hashed, never as typed.
    @discardableResult
    public func saveLook(
        _ id: String, loyaltyId: String, garments: [String], code: String? = nil, at: Date = Date()
    ) throws(StoreError) -> ClipRecord {
        try write("save clip \(id) to a profile") { db in
            guard var clip = try ClipRecord.fetchOne(db, key: id), clip.state == .ready else {
                throw StoreError(.notFound, "no finished clip \(id); it may have been deleted")
            }
            guard let session = try SessionRecord.fetchOne(db, key: clip.sessionId), !session.isEnded else {
                throw StoreError(.sessionEnded, "the session of clip \(id) has ended")
            }
            let consent = ConsentRecord(
                id: UUID().uuidString, sessionId: clip.sessionId, kind: .saveProfile, granted: true, at: at,
                source: "touch")
            try consent.insert(db)
            var entry = AuditRecord(
                at: at, actor: .shopper, action: .save, clipId: id,
                detail: "saved to the shopper's profile (save_profile consent via touch)")
            try entry.insert(db)
            clip.saved = true
            try clip.update(db)
            if let code {
                let salt = Data((0..<16).map { _ in UInt8.random(in: .min ... .max) })
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO saved_look_codes (clip_id, subject_hash, salt, code_hash, garments,
                            saved_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, SubjectHash.of(loyaltyId: loyaltyId), salt, Self.lookCodeHash(code, salt: salt),
                        String(decoding: try JSONEncoder().encode(garments), as: UTF8.self), at,
                    ])
            }
            let millis = JSONValue.number((at.timeIntervalSince1970 * 1000).rounded())
            try Self.enqueue(
                db, entity: .consent, key: consent.id,
                patch: [
                    "loyaltyId": .string(loyaltyId), "purpose": .string("saved_looks"), "version": .number(1),
                    "granted": .bool(true),
                ], at: at)
            try Self.enqueue(
                db, entity: .savedLook, key: id,
                patch: [
                    "loyaltyId": .string(loyaltyId), "at": millis, "garments": .array(garments.map(JSONValue.string)),
                ], at: at)
            return clip
        }
    }
}

/// A look the shopper saved at an earlier visit, opened again with its code.
public struct EarlierLook: Sendable, Equatable {
    public var clipID: String
    public var savedAt: Date
    /// The garments recognised in it, in words.
    public var garments: [String]

    public init(clipID: String, savedAt: Date, garments: [String]) {
        self.clipID = clipID
        self.savedAt = savedAt
        self.garments = garments
    }
}

/// What a typed look code opened.
public enum LookCodeOutcome: Sendable, Equatable {
    case opened(EarlierLook)
    /// No saved look of this shopper has that code; `triesLeft` more before the codes lock.
    case wrong(triesLeft: Int)
    /// Too many wrong codes: none is checked until the lock ends.
    case locked
}

/// Saved looks at a later visit. The loyalty code identifies a shopper but is no secret (it is printed on cards
/// and receipts), so a saved look, which shows the shopper's body, also needs the code the mirror showed only
/// to them when they saved it. Wrong codes are counted per shopper across visits: after
/// ``DeviceStore/lookCodeTries`` the codes lock for ``DeviceStore/lookCodeLock``.
extension DeviceStore {
    public static let lookCodeTries = 5
    public static let lookCodeLock: TimeInterval = 24 * 3600

    static func lookCodeHash(_ code: String, salt: Data) -> Data {
        Data(sha256Hex(salt + Data("mirror-look-code:\(code)".utf8)).utf8)
    }

    /// How many looks the shopper saved with a code on this mirror outside `session`, still there to be played.
    public func earlierLookCount(loyaltyId: String, excludingSession session: String) throws(StoreError) -> Int {
        try read("count saved looks") { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM saved_look_codes JOIN clips ON clips.id = saved_look_codes.clip_id
                    WHERE saved_look_codes.subject_hash = ? AND clips.session_id != ? AND clips.state = 'ready'
                    """, arguments: [SubjectHash.of(loyaltyId: loyaltyId), session]) ?? 0
        }
    }

    /// The shopper's saved look (from another session than `session`) whose code is `code`. A wrong code counts
    /// against the shopper's tries, a right one clears them; a last wrong try stamped in the future (the clock
    /// went back since) still counts.
    public func openEarlierLook(
        loyaltyId: String, code: String, excludingSession session: String, at: Date = Date()
    ) throws(StoreError) -> LookCodeOutcome {
        try write("open a saved look") { db in
            let subject = SubjectHash.of(loyaltyId: loyaltyId)
            var failures = 0
            if let row = try Row.fetchOne(
                db, sql: "SELECT failures, last_at FROM look_code_failures WHERE subject_hash = ?",
                arguments: [subject])
            {
                let last: Date = row[1]
                failures = at.timeIntervalSince(last) < Self.lookCodeLock ? row[0] : 0
            }
            guard failures < Self.lookCodeTries else { return .locked }
            let candidates = try Row.fetchAll(
                db,
                sql: """
                    SELECT saved_look_codes.clip_id, salt, code_hash, garments, saved_at FROM saved_look_codes
                    JOIN clips ON clips.id = saved_look_codes.clip_id
                    WHERE saved_look_codes.subject_hash = ? AND clips.session_id != ? AND clips.state = 'ready'
                    ORDER BY saved_at
                    """, arguments: [subject, session])
            // Every candidate is checked, so the time taken does not tell which one matched.
            var found: EarlierLook?
            for row in candidates {
                let salt: Data = row[1]
                let stored: Data = row[2]
                let matches = constantTimeEqual(Array(Self.lookCodeHash(code, salt: salt)), Array(stored))
                if matches, found == nil {
                    let garments = (try? JSONDecoder().decode([String].self, from: Data((row[3] as String).utf8)))
                    found = EarlierLook(clipID: row[0], savedAt: row[4], garments: garments ?? [])
                }
            }
            if let found {
                try db.execute(sql: "DELETE FROM look_code_failures WHERE subject_hash = ?", arguments: [subject])
                return .opened(found)
            }
            failures += 1
            try db.execute(
                sql: "INSERT OR REPLACE INTO look_code_failures (subject_hash, failures, last_at) VALUES (?, ?, ?)",
                arguments: [subject, failures, at])
            return failures >= Self.lookCodeTries ? .locked : .wrong(triesLeft: Self.lookCodeTries - failures)
        }
    }
}
