public import Foundation
import GRDB
public import MirrorCore

extension DeviceStore {
    // MARK: Clips

    /// Records a clip that is starting to be written, in state ``ClipState/recording``.
    ///
    /// This is the privacy gate: it throws ``StoreErrorCode/noConsent`` unless the session's shopper has granted
    /// ``ConsentKind/record`` and the session is open, checked in the same transaction as the insert.
    @discardableResult
    public func insertClip(
        id: String = UUID().uuidString, session: String, file: String, wrappedKey: Data, width: Int, height: Int,
        fps: Double, createdAt: Date = Date()
    ) throws(StoreError) -> ClipRecord {
        guard !file.isEmpty, !file.contains("/"), file != ".", file != ".." else {
            throw StoreError(
                .invalidArgument, "clip file name \"\(file)\" must be a plain name inside the clips folder")
        }
        guard !wrappedKey.isEmpty else {
            throw StoreError(
                .invalidArgument, "clip \(id) has an empty wrapped key; wrap the clip key before recording")
        }
        let clip = ClipRecord(
            id: id, sessionId: session, file: file, state: .recording, wrappedKey: wrappedKey, frames: 0,
            width: width, height: height, fps: fps, bytes: 0, createdAt: createdAt, saved: false)
        try write("add clip \(id)") { db in
            guard let record = try SessionRecord.fetchOne(db, key: session) else {
                throw StoreError(.notFound, "no session \(session); start a session before recording")
            }
            if record.isEnded {
                throw StoreError(.sessionEnded, "session \(session) has ended; start a new session to record")
            }
            guard try Self.hasConsent(db, session: session, kind: .record) else {
                throw StoreError(
                    .noConsent,
                    "the shopper of session \(session) has not consented to recording (or withdrew it); "
                        + "ask for consent on the panel before recording")
            }
            try clip.insert(db)
        }
        return clip
    }

    /// Marks a recording clip complete, with its final frame count and encrypted size.
    @discardableResult
    public func markReady(_ id: String, frames: Int, bytes: Int) throws(StoreError) -> ClipRecord {
        try write("mark clip \(id) ready") { db in
            guard var clip = try ClipRecord.fetchOne(db, key: id) else {
                throw StoreError(.notFound, "no clip \(id); it may have been deleted (expired or purged)")
            }
            guard clip.state == .recording else {
                throw StoreError(.invalidState, "clip \(id) is already ready; it cannot be finished twice")
            }
            clip.state = .ready
            clip.frames = frames
            clip.bytes = bytes
            try clip.update(db)
            return clip
        }
    }

    /// Stores the shopper's turn through clip `id`: whether it was complete and the phase of each frame
    /// (0…1 of a turn; nil where the turn was not followed), for angle-aligned comparison.
    public func setTurn(clip id: String, complete: Bool, phases: [Float?]) throws(StoreError) {
        var blob = Data(capacity: phases.count * 2)
        for phase in phases {
            let value: UInt16 = phase.map { UInt16((min(max($0, 0), 1) * 65534).rounded()) } ?? 65535
            withUnsafeBytes(of: value.littleEndian) { blob.append(contentsOf: $0) }
        }
        try write("store the turn of clip \(id)") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO clip_turns (clip_id, complete, phases) VALUES (?, ?, ?)",
                arguments: [id, complete, blob])
        }
    }

    /// The turn stored for clip `id`, if any.
    public func turn(clip id: String) throws(StoreError) -> (complete: Bool, phases: [Float?])? {
        try read("read the turn of clip \(id)") { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT complete, phases FROM clip_turns WHERE clip_id = ?", arguments: [id])
            else { return nil }
            return (row["complete"], Self.phases(row["phases"]))
        }
    }

    /// Every clip, newest first, each with its turn when one was followed: one query, however many clips.
    public func clipsWithTurns() throws(StoreError) -> [(clip: ClipRecord, turn: (complete: Bool, phases: [Float?])?)] {
        try read("list clips") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT clips.*, clip_turns.complete AS turn_complete, clip_turns.phases AS turn_phases
                    FROM clips LEFT JOIN clip_turns ON clip_turns.clip_id = clips.id
                    ORDER BY clips.created_at DESC, clips.rowid DESC
                    """
            ).map { row in
                let turn: (complete: Bool, phases: [Float?])? =
                    row["turn_complete"] == nil ? nil : (row["turn_complete"], Self.phases(row["turn_phases"]))
                return (try ClipRecord(row: row), turn)
            }
        }
    }

    /// Phases as stored: little-endian 16-bit shares of a turn, 65535 for a frame whose phase is unknown.
    static func phases(_ blob: Data) -> [Float?] {
        stride(from: 0, to: blob.count - 1, by: 2).map { offset in
            let value = UInt16(blob[blob.startIndex + offset]) | UInt16(blob[blob.startIndex + offset + 1]) << 8
            return value == 65535 ? nil : Float(value) / 65534
        }
    }

    /// Saves a clip to the shopper's profile (exempt from expiry), or takes it back out.
    ///
    /// Saving needs the ``ConsentKind/saveProfile`` consent of the clip's open session; unsaving is always allowed.
    @discardableResult
    public func setSaved(_ id: String, _ saved: Bool) throws(StoreError) -> ClipRecord {
        try write("change clip \(id)") { db in
            guard var clip = try ClipRecord.fetchOne(db, key: id) else {
                throw StoreError(.notFound, "no clip \(id); it may have been deleted (expired or purged)")
            }
            if saved, !clip.saved, try !Self.hasConsent(db, session: clip.sessionId, kind: .saveProfile) {
                throw StoreError(
                    .noConsent,
                    "the shopper of session \(clip.sessionId) has not consented to saving clips to a profile; "
                        + "ask for that consent on the panel first")
            }
            clip.saved = saved
            try clip.update(db)
            return clip
        }
    }

    /// Deletes a clip's row, and with it (zeroed on disk) its wrapped key; `false` if there was no such row.
    ///
    /// Delete the file first: once the row is gone the file cannot be decrypted, but it still takes space.
    @discardableResult
    public func deleteClip(_ id: String) throws(StoreError) -> Bool {
        try deleteClips([id]) == 1
    }

    /// Deletes several clips in one transaction; returns how many rows existed.
    @discardableResult
    public func deleteClips(_ ids: [String]) throws(StoreError) -> Int {
        guard !ids.isEmpty else { return 0 }
        let deleted = try write("delete clips") { db in try ClipRecord.deleteAll(db, keys: ids) }
        // Best effort: a reader holding an old snapshot may keep the WAL from being truncated now; the next
        // checkpoint (or the next delete) finishes the job.
        try? checkpoint()
        return deleted
    }

    /// The clip with that id, if any.
    public func clip(_ id: String) throws(StoreError) -> ClipRecord? {
        try read("read clip \(id)") { db in try ClipRecord.fetchOne(db, key: id) }
    }

    /// All clips, or one session's, newest first.
    public func clips(session: String? = nil) throws(StoreError) -> [ClipRecord] {
        try read("list clips") { db in
            if let session {
                return try ClipRecord.fetchAll(
                    db, sql: "SELECT * FROM clips WHERE session_id = ? ORDER BY created_at DESC, rowid DESC",
                    arguments: [session])
            }
            return try ClipRecord.fetchAll(db, sql: "SELECT * FROM clips ORDER BY created_at DESC, rowid DESC")
        }
    }

    /// How many clips the store holds.
    public func clipCount() throws(StoreError) -> Int {
        try read("count clips") { db in try ClipRecord.fetchCount(db) }
    }
}
