public import Foundation
import GRDB
public import MirrorCore

/// The device's local database: sessions, consents, clip metadata (with the clips' wrapped keys) and the audit log.
///
/// One SQLite file, `<state_dir>/mirror.sqlite`, in WAL mode with `synchronous=FULL` (a committed consent or
/// clip survives power loss) and `secure_delete=ON`: a deleted row is overwritten with zeros, so deleting a clip's
/// row shreds its wrapped key and the encrypted file can never be read again, even from a copy of the disk.
/// The store is safe to use from any thread; each method is one transaction.
public final class DeviceStore: Sendable {
    /// The database file name inside the state directory.
    public static let fileName = "mirror.sqlite"
    /// The largest the WAL file stays between checkpoints, in bytes.
    public static let journalSizeLimit = 4 << 20

    /// The database file, or `nil` for an in-memory store.
    public let path: String?
    let writer: any DatabaseWriter

    /// Opens (creating if needed) `mirror.sqlite` in `stateDirectory`, and brings its schema up to date.
    ///
    /// A file that is not a database, or a damaged one, throws ``StoreErrorCode/corrupt``: it is never replaced,
    /// since the clips on disk are useless without the keys it holds.
    public convenience init(stateDirectory: String) throws(StoreError) {
        try Self.createDirectory(stateDirectory)
        try self.init(path: (stateDirectory as NSString).appendingPathComponent(Self.fileName))
    }

    /// Opens (creating if needed) the database at `path`, and brings its schema up to date.
    public convenience init(path: String) throws(StoreError) {
        try Self.createPrivateFile(path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
        } catch {
            throw StoreError.wrapping(error, while: "open \(path)")
        }
        try self.init(writer: pool, path: path)
    }

    /// A store that lives in memory only, for tests and previews.
    public static func inMemory() throws(StoreError) -> DeviceStore {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw StoreError.wrapping(error, while: "create an in-memory database")
        }
        return try DeviceStore(writer: queue, path: nil)
    }

    init(writer: any DatabaseWriter, path: String?) throws(StoreError) {
        self.writer = writer
        self.path = path
        let migrator = Schema.migrator
        do {
            if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError(
                    .schemaTooNew,
                    "\(path ?? "the database") was written by a newer version of the mirror software; "
                        + "install that version again (do not delete the file: it holds the clip keys)")
            }
            try migrator.migrate(writer)
            // The pool lowers `synchronous` to NORMAL when it turns WAL on, after `prepareDatabase`; its one
            // writer connection keeps what is set here, so a committed row survives a power cut.
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.wrapping(error, while: "open \(path ?? "the in-memory database")")
        }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "MirrorStore"
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        let limit = journalSizeLimit
        config.prepareDatabase { db in
            try db.execute(
                sql: """
                    PRAGMA synchronous = FULL;
                    PRAGMA secure_delete = ON;
                    PRAGMA journal_size_limit = \(limit);
                    """)
        }
        return config
    }

    static func createDirectory(_ directory: String) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(
                .io,
                "cannot create the state directory \(directory): \(error.localizedDescription); "
                    + "check its parent exists and is writable by the daemon's user")
        }
    }

    /// Creates the database file readable by its owner only; SQLite gives the WAL files the same mode.
    static func createPrivateFile(_ path: String) throws(StoreError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StoreError(
                .io, "cannot create \(path)", underlying: SystemCallError(call: "open", subject: path, errno: errno))
        }
    }

    // MARK: Access helpers

    func write<T>(_ action: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError.wrapping(error, while: action)
        }
    }

    func read<T>(_ action: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.wrapping(error, while: action)
        }
    }

    // MARK: Maintenance

    /// Problems SQLite finds in the file (`PRAGMA integrity_check`, then foreign keys); empty when it is sound.
    public func integrityCheck() throws(StoreError) -> [String] {
        try read("check the database") { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0]
                let rowID: Int64? = row[1]
                let parent: String = row[2]
                problems.append("row \(rowID.map(String.init) ?? "?") of \(table) points to a missing \(parent) row")
            }
            return problems
        }
    }

    /// Copies the WAL into the main file and truncates the WAL to zero bytes.
    ///
    /// Until then, an old copy of a deleted row (with its wrapped key) may remain in the WAL file; the delete
    /// methods call this themselves, and it is public so a caller can retry when a reader kept it from finishing.
    public func checkpoint() throws(StoreError) {
        guard path != nil else { return }
        do {
            _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        } catch {
            throw StoreError.wrapping(error, while: "checkpoint the database")
        }
    }

    // MARK: Sessions

    /// Records the start of a shopper's session.
    @discardableResult
    public func startSession(id: String = UUID().uuidString, at: Date = Date()) throws(StoreError) -> SessionRecord {
        let session = SessionRecord(id: id, startedAt: at)
        try write("start session \(id)") { db in try session.insert(db) }
        return session
    }

    /// The session with that id, if any.
    public func session(_ id: String) throws(StoreError) -> SessionRecord? {
        try read("read session \(id)") { db in try SessionRecord.fetchOne(db, key: id) }
    }

    /// Ends a session: its consents stop counting and its clips start ageing towards expiry.
    ///
    /// Ending an ended session keeps the first end time.
    public func endSession(_ id: String, at: Date = Date()) throws(StoreError) {
        try write("end session \(id)") { db in
            guard var session = try SessionRecord.fetchOne(db, key: id) else {
                throw StoreError(.notFound, "no session \(id); it may never have been started on this mirror")
            }
            guard session.endedAt == nil else { return }
            session.endedAt = at
            try session.update(db)
        }
    }

    // MARK: Session events and staff requests

    /// Appends a session event.
    public func addEvent(_ event: SessionEventRecord) throws(StoreError) {
        try write("store a \(event.kind.rawValue) event") { db in
            try event.insert(db)
            try Self.enqueue(db, entity: .sessionEvent, key: event.id, patch: Self.eventPatch(event), at: event.at)
        }
    }

    /// The events of `session` (of every session when nil), oldest first.
    public func events(session: String? = nil) throws(StoreError) -> [SessionEventRecord] {
        try read("read session events") { db in
            var query = SessionEventRecord.order(Column("at"), Column("id"))
            if let session { query = query.filter(Column("session_id") == session) }
            return try query.fetchAll(db)
        }
    }

    // MARK: Consents

    /// Appends a consent decision (a withdrawal is `granted: false`) and audits it in the same transaction.
    ///
    /// Granting on an ended session is refused; withdrawing is always accepted.
    @discardableResult
    public func recordConsent(
        session: String, kind: ConsentKind, granted: Bool, source: String, actor: AuditActor = .shopper,
        at: Date = Date()
    ) throws(StoreError) -> ConsentRecord {
        let consent = ConsentRecord(
            id: UUID().uuidString, sessionId: session, kind: kind, granted: granted, at: at, source: source)
        try write("record consent for session \(session)") { db in
            guard let record = try SessionRecord.fetchOne(db, key: session) else {
                throw StoreError(.notFound, "no session \(session); start a session before asking for consent")
            }
            if granted && record.isEnded {
                throw StoreError(
                    .sessionEnded, "session \(session) has ended; start a new session to ask for consent again")
            }
            try consent.insert(db)
            var entry = AuditRecord(
                at: at, actor: actor, action: .consent, clipId: nil,
                detail: "session \(session): \(kind.rawValue) \(granted ? "granted" : "withdrawn") via \(source)")
            try entry.insert(db)
        }
        return consent
    }

    /// Whether the latest decision for `kind` in the session is a grant and the session has not ended.
    ///
    /// "Latest" is the order the rows were written in, not their timestamps, so a wall clock jump cannot
    /// resurrect a withdrawn consent.
    public func hasConsent(session: String, kind: ConsentKind) throws(StoreError) -> Bool {
        try read("read consents of session \(session)") { db in try Self.hasConsent(db, session: session, kind: kind) }
    }

    static func hasConsent(_ db: Database, session: String, kind: ConsentKind) throws -> Bool {
        guard let record = try SessionRecord.fetchOne(db, key: session), !record.isEnded else { return false }
        let latest = try Bool.fetchOne(
            db, sql: "SELECT granted FROM consents WHERE session_id = ? AND kind = ? ORDER BY rowid DESC LIMIT 1",
            arguments: [session, kind.rawValue])
        return latest ?? false
    }

    /// Every consent decision of the session, oldest first.
    public func consents(session: String) throws(StoreError) -> [ConsentRecord] {
        try read("read consents of session \(session)") { db in
            try ConsentRecord.fetchAll(
                db, sql: "SELECT * FROM consents WHERE session_id = ? ORDER BY rowid", arguments: [session])
        }
    }

    // MARK: Audit

    /// Appends an entry to the audit log.
    @discardableResult
    public func audit(
        actor: AuditActor, action: AuditAction, clipID: String? = nil, detail: String = "", at: Date = Date()
    ) throws(StoreError) -> AuditRecord {
        var entry = AuditRecord(at: at, actor: actor, action: action, clipId: clipID, detail: detail)
        try write("write the audit log") { db in try entry.insert(db) }
        return entry
    }

    /// The latest audit entries, newest first.
    public func auditLog(limit: Int = 100) throws(StoreError) -> [AuditRecord] {
        try read("read the audit log") { db in
            try AuditRecord.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    // MARK: Reconciliation

    /// What differs between the clip rows and the clips folder, for the daemon to repair at startup.
    public struct Reconciliation: Sendable, Equatable {
        /// Files no row mentions (delete them: without a key they are noise).
        public var orphanFiles: [String]
        /// Rows whose file (or, while recording, `<file>.partial`) is gone (delete the rows).
        public var rowsWithoutFile: [ClipRecord]
        /// Rows still `recording` whose file or partial file exists (recover the file, then ``markReady``).
        public var partialRows: [ClipRecord]
    }

    /// Compares the clip rows with the names of the files in the clips folder.
    ///
    /// A `recording` row owns both `<file>` and `<file>.partial` (the recorder renames on finish).
    public func reconcile(filesOnDisk: Set<String>) throws(StoreError) -> Reconciliation {
        let clips = try read("list clips") { db in
            try ClipRecord.fetchAll(db, sql: "SELECT * FROM clips ORDER BY rowid")
        }
        var referenced = Set<String>()
        var result = Reconciliation(orphanFiles: [], rowsWithoutFile: [], partialRows: [])
        for clip in clips {
            let names = clip.state == .recording ? [clip.file, clip.file + ".partial"] : [clip.file]
            referenced.formUnion(names)
            if !names.contains(where: filesOnDisk.contains) {
                result.rowsWithoutFile.append(clip)
            } else if clip.state == .recording {
                result.partialRows.append(clip)
            }
        }
        result.orphanFiles = filesOnDisk.subtracting(referenced).sorted()
        return result
    }
}
