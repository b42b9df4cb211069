public import Foundation
import GRDB
public import MirrorCore
public import MirrorProtocol

/// What the device holds for the hub: the outbox, the pull cursor, the clock.
public struct SyncState: Sendable, Equatable, Codable {
    /// The next sequence number an op will get, and the highest the hub has acknowledged.
    public var nextSeq: Int64
    public var ackedSeq: Int64
    /// Ops not acknowledged yet, and when the oldest of them was made (the sync lag).
    public var pending: Int
    public var oldestPending: Date?
    /// Ops refused by the outbox bound (see ``DeviceStore/outboxLimit``).
    public var dropped: Int64
    /// Acknowledged ops kept to be re-sent to a hub restored from a backup.
    public var resendable: Int
    public var cursor: Int64
    public var epoch: String?
    public var lastHLC: HLC
}

/// What one pulled page changed on the device.
public struct PullSummary: Sendable, Equatable {
    public var applied = 0
    /// Subjects erased at head office that this page told the device about.
    public var erasures: [String] = []
    /// Their clips, crypto-shredded in the same transaction; the files are for the caller to unlink.
    public var shredded: [ShreddedClip] = []
    /// Whether catalog items or stock changed.
    public var shopDataChanged = false
}

extension DeviceStore {
    /// The most unacknowledged ops the outbox holds. Beyond it, only low-value ops (suggestions shown, garments
    /// tried on) are refused and counted; staff requests, favourites and dismissals are always kept.
    public static let outboxLimit = 200_000
    /// How long acknowledged ops are kept to be re-sent to a hub restored from a backup, by the hub's clock (see
    /// ``markAcked(upTo:at:)``).
    public static let ackedRetention: TimeInterval = 7 * 24 * 3600

    static let lowValueEvents: Set<String> = [
        SessionEventKind.suggestionShown.rawValue, SessionEventKind.triedOn.rawValue,
    ]

    /// Adds an op to the outbox inside the caller's transaction, stamped by the device's persisted clock.
    static func enqueue(
        _ db: Database, entity: SyncEntity, key: String, patch: [String: JSONValue], at: Date
    ) throws {
        if entity == .sessionEvent, let kind = patch["kind"]?.string, lowValueEvents.contains(kind) {
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE acked_at IS NULL") ?? 0
            if pending >= outboxLimit {
                try setMeta(db, "sync.dropped", (try metaInt(db, "sync.dropped") ?? 0) + 1)
                return
            }
        }
        var clock = HybridClock(last: HLC(raw: try metaInt(db, "sync.hlc") ?? 0))
        let hlc = clock.now(wallMillis: Int64(Date().timeIntervalSince1970 * 1000))
        let seq = try metaInt(db, "sync.next_seq") ?? 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try db.execute(
            sql: """
                INSERT INTO outbox (seq, op_id, hlc, entity, key, patch, schema, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                seq, ULID.make(date: at), hlc.raw, entity.rawValue, key,
                String(decoding: try encoder.encode(patch), as: UTF8.self), SyncOp.currentSchema, at,
            ])
        try setMeta(db, "sync.next_seq", seq + 1)
        try setMeta(db, "sync.hlc", hlc.raw)
    }

    static func eventPatch(_ event: SessionEventRecord) -> [String: JSONValue] {
        var patch: [String: JSONValue] = [
            "sessionId": .string(event.sessionId), "at": .number((event.at.timeIntervalSince1970 * 1000).rounded()),
            "kind": .string(event.kind.rawValue), "detail": .string(event.detail),
        ]
        if let sku = event.sku { patch["sku"] = .string(sku) }
        if let size = event.size { patch["size"] = .string(size) }
        if let via = event.via { patch["via"] = .string(via) }
        if let score = event.score { patch["score"] = .number(score) }
        if let kind = event.suggestionKind { patch["suggestionKind"] = .string(kind) }
        if let tried = event.triedSize { patch["triedSize"] = .string(tried) }
        if let rating = event.rating { patch["rating"] = .number(Double(rating)) }
        return patch
    }

    static func requestPatch(_ request: StaffRequestRecord) -> [String: JSONValue] {
        var patch: [String: JSONValue] = [
            "sessionId": .string(request.sessionId), "at": .number((request.at.timeIntervalSince1970 * 1000).rounded()),
            "sku": .string(request.sku), "description": .string(request.description), "state": .string(request.state),
        ]
        if let size = request.size { patch["size"] = .string(size) }
        if let done = request.doneAt { patch["doneAt"] = .number((done.timeIntervalSince1970 * 1000).rounded()) }
        return patch
    }

    static func metaInt(_ db: Database, _ key: String) throws -> Int64? {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]).flatMap { Int64($0) }
    }

    static func setMeta(_ db: Database, _ key: String, _ value: some CustomStringConvertible) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value.description])
    }

    /// The oldest unacknowledged ops, in sequence order.
    public func pendingOps(limit: Int = SyncPushRequest.maxOps) throws(StoreError) -> [SyncOp] {
        try read("read the outbox") { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT op_id, seq, hlc, entity, key, patch, schema FROM outbox WHERE acked_at IS NULL
                    ORDER BY seq LIMIT ?
                    """, arguments: [limit]
            ).compactMap { row -> SyncOp? in
                guard let entity = SyncEntity(rawValue: row[3]) else { return nil }
                let patch = try decoder.decode([String: JSONValue].self, from: Data((row[5] as String).utf8))
                return SyncOp(
                    opId: row[0], seq: row[1], hlc: HLC(raw: row[2]), entity: entity, key: row[4], patch: patch,
                    schema: row[6])
            }
        }
    }

    /// Marks every op up to `seq` acknowledged by the hub at `at`, and forgets acknowledged ops past their
    /// retention. The sync passes the hub's time from its answer: a mirror's clock that jumps ahead (a year, after
    /// a bad time sync) must not empty the window a restored hub is re-sent from.
    @discardableResult
    public func markAcked(upTo seq: Int64, at: Date = Date()) throws(StoreError) -> Int {
        try write("acknowledge outbox ops") { db in
            try db.execute(
                sql: "UPDATE outbox SET acked_at = ? WHERE seq <= ? AND acked_at IS NULL", arguments: [at, seq])
            let changed = db.changesCount
            let acked = max(try Self.metaInt(db, "sync.acked_seq") ?? 0, seq)
            try Self.setMeta(db, "sync.acked_seq", acked)
            try db.execute(
                sql: "DELETE FROM outbox WHERE acked_at IS NOT NULL AND acked_at < ?",
                arguments: [at.addingTimeInterval(-Self.ackedRetention)])
            return changed
        }
    }

    /// The hub holds less than it acknowledged before (it was restored from a backup): marks the ops above
    /// `hubAcked` pending again. Returns how many will be re-sent, and how many are gone from the retention window.
    public func resendAfter(hubAcked: Int64) throws(StoreError) -> (resent: Int, unrecoverable: Int64) {
        try write("re-send ops the hub lost") { db in
            let acked = try Self.metaInt(db, "sync.acked_seq") ?? 0
            guard hubAcked < acked else { return (0, 0) }
            try db.execute(sql: "UPDATE outbox SET acked_at = NULL WHERE seq > ?", arguments: [hubAcked])
            let resent = db.changesCount
            let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox") ?? (acked + 1)
            try Self.setMeta(db, "sync.acked_seq", hubAcked)
            return (resent, max(0, oldest - hubAcked - 1))
        }
    }

    /// Moves the device clock past a stamp seen from the hub (so a device booted at 1970 orders its next changes
    /// after what the hub has seen).
    public func receive(hubStamp: HLC) throws(StoreError) {
        try write("update the sync clock") { db in
            var clock = HybridClock(last: HLC(raw: try Self.metaInt(db, "sync.hlc") ?? 0))
            clock.receive(hubStamp, wallMillis: max(Int64(Date().timeIntervalSince1970 * 1000), hubStamp.millis))
            try Self.setMeta(db, "sync.hlc", clock.last.raw)
        }
    }

    /// Applies one pulled page and its cursor in one transaction: a crash leaves either both or neither.
    /// An erasure also crypto-shreds the erased shopper's clips in that transaction (see ``shred(_:subject:at:)``).
    public func applyPulled(_ page: SyncPullResponse, at: Date = Date()) throws(StoreError) -> PullSummary {
        let summary = try applyPulledPage(page, at: at)
        // Zeroed pages of the deleted keys may still sit in the write-ahead log until a checkpoint.
        if !summary.shredded.isEmpty { try? checkpoint() }
        return summary
    }

    private func applyPulledPage(_ page: SyncPullResponse, at: Date) throws(StoreError) -> PullSummary {
        try write("apply changes from the hub") { db in
            var summary = PullSummary()
            if try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync.epoch'") != page.epoch {
                try Self.setMeta(db, "sync.epoch", page.epoch)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            for change in page.changes {
                switch change.kind {
                case .catalogItem, .inventory:
                    summary.shopDataChanged = true
                    if let body = change.body {
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO hub_data (kind, key, body) VALUES (?, ?, ?)",
                            arguments: [
                                change.kind.rawValue, change.key,
                                String(decoding: try encoder.encode(body), as: UTF8.self),
                            ])
                    } else {
                        try db.execute(
                            sql: "DELETE FROM hub_data WHERE kind = ? AND key = ?",
                            arguments: [change.kind.rawValue, change.key])
                    }
                case .erasure:
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO erasures (subject_hash, at) VALUES (?, ?)",
                        arguments: [change.key, at])
                    if db.changesCount > 0 {
                        summary.erasures.append(change.key)
                        summary.shredded += try Self.shred(db, subject: change.key, at: at)
                    }
                }
                summary.applied += 1
            }
            try Self.setMeta(db, "sync.cursor", page.cursor)
            return summary
        }
    }

    /// Shared data pulled from the hub, by kind (`catalog_item`, `inventory`): key → JSON body.
    public func hubData(kind: SyncChangeKind) throws(StoreError) -> [String: String] {
        try read("read data from the hub") { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db, sql: "SELECT key, body FROM hub_data WHERE kind = ? ORDER BY key", arguments: [kind.rawValue]
                ).map { ($0[0] as String, $0[1] as String) })
        }
    }

    /// Whether head office erased the shopper with this loyalty id.
    public func isErased(loyaltyId: String) throws(StoreError) -> Bool {
        try read("read erasures") { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM erasures WHERE subject_hash = ?",
                arguments: [SubjectHash.of(loyaltyId: loyaltyId)]
            ) ?? false
        }
    }

    public func syncState() throws(StoreError) -> SyncState {
        try read("read the sync state") { db in
            let pending = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE acked_at IS NULL")
            return SyncState(
                nextSeq: try Self.metaInt(db, "sync.next_seq") ?? 1,
                ackedSeq: try Self.metaInt(db, "sync.acked_seq") ?? 0,
                pending: pending?[0] ?? 0, oldestPending: pending?[1],
                dropped: try Self.metaInt(db, "sync.dropped") ?? 0,
                resendable: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE acked_at IS NOT NULL") ?? 0,
                cursor: try Self.metaInt(db, "sync.cursor") ?? 0,
                epoch: try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'sync.epoch'"),
                lastHLC: HLC(raw: try Self.metaInt(db, "sync.hlc") ?? 0))
        }
    }
}
