public import Foundation
import GRDB
public import MirrorCore

/// Retention limits for unsaved clips.
public enum Retention {
    /// How long the clips of an ended session are kept unless the shopper saved them.
    public static let defaultTTL: Duration = .seconds(24 * 3600)
    /// The longest TTL allowed; also the longest power-off gap a reboot may add to the retention clocks.
    public static let maximumTTL: Duration = .seconds(72 * 3600)
    /// How long a look saved to the shopper's profile is kept by default, and at most.
    public static let defaultSavedTTL: Duration = .seconds(90 * 24 * 3600)
    public static let maximumSavedTTL: Duration = .seconds(365 * 24 * 3600)

    static func validate(_ ttl: Duration) throws(StoreError) {
        guard ttl > .zero, ttl <= maximumTTL else {
            throw StoreError(
                .invalidArgument,
                "retention TTL \(ttl) is out of range; set it between 1 second and \(maximumTTL.seconds / 3600) hours")
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// One reading of the clocks retention relies on: the wall clock, which may jump, and the boot clock, which
/// only runs forward (suspend included) but starts again at zero on every boot.
public struct ClockReading: Sendable, Hashable {
    /// The wall clock (may be wrong, and may jump when NTP or a person sets it).
    public var wall: Date
    /// The kernel's random id for this boot; a different id means the boot clock started again.
    public var bootID: String
    /// `CLOCK_BOOTTIME`: time since this boot, suspend included.
    public var sinceBoot: Duration

    public init(wall: Date, bootID: String, sinceBoot: Duration) {
        self.wall = wall
        self.bootID = bootID
        self.sinceBoot = sinceBoot
    }

    /// Reads the system clocks and the boot id.
    public static func now() throws(StoreError) -> ClockReading {
        let bootID = try readBootID()
        var spec = timespec()
        #if os(Linux)
            let clock = CLOCK_BOOTTIME
        #else
            let clock = CLOCK_MONOTONIC
        #endif
        guard clock_gettime(clock, &spec) == 0 else {
            throw StoreError(
                .io, "cannot read the boot clock", underlying: SystemCallError(call: "clock_gettime", errno: errno))
        }
        let sinceBoot = Duration.seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
        return ClockReading(wall: Date(), bootID: bootID, sinceBoot: sinceBoot)
    }

    static let bootIDPath = "/proc/sys/kernel/random/boot_id"

    /// The boot id, read with the system calls themselves so that a failure says why: only a missing file means
    /// /proc is not mounted; out of file descriptors (EMFILE) or memory is said as such.
    static func readBootID(path: String = bootIDPath) throws(StoreError) -> String {
        do {
            let fd = try systemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: 64)
            let count = try bytes.withUnsafeMutableBytes { buffer throws(SystemCallError) in
                try systemCall("read", path) { read(fd, buffer.baseAddress, buffer.count) }
            }
            let text = String(decoding: bytes[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw StoreError(.io, "\(path) is empty; retention needs the kernel's boot id") }
            return text
        } catch let error as SystemCallError {
            let hint = error.errno == ENOENT ? "; retention needs /proc mounted" : ""
            throw StoreError(.io, "cannot read the boot id (\(error))\(hint)", underlying: error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "cannot read the boot id (\(error))")
        }
    }
}

/// Why a sweep did not trust the clocks; nothing is ever deleted early because of one.
public enum ClockAnomaly: Sendable, Hashable, CustomStringConvertible {
    /// After a reboot the wall clock reads earlier than at the last sweep; no time was counted.
    case wallClockBackwardsAcrossReboot(seconds: Double)
    /// After a reboot the wall clock moved on by more than ``Retention/maximumTTL``; no time was counted.
    case wallClockGapTooLong(seconds: Double)
    /// The boot clock ran backwards within one boot (should not happen); no time was counted.
    case bootClockBackwards(seconds: Double)
    /// Within one boot the wall clock moved differently from the boot clock; the boot clock was counted.
    case wallClockJumped(seconds: Double)

    public var description: String {
        switch self {
        case .wallClockBackwardsAcrossReboot(let seconds):
            "after a reboot the wall clock is \(Int(-seconds)) s behind the last sweep; no time counted"
        case .wallClockGapTooLong(let seconds):
            "after a reboot the wall clock is \(Int(seconds)) s past the last sweep, more than "
                + "\(Int(Retention.maximumTTL.seconds)) s; no time counted, check the clock (NTP, RTC battery)"
        case .bootClockBackwards(let seconds):
            "the boot clock went back \(Int(-seconds)) s within one boot; no time counted"
        case .wallClockJumped(let seconds):
            "the wall clock jumped \(Int(seconds)) s relative to the boot clock; the boot clock was used"
        }
    }
}

/// What a retention sweep counted and which clips are due for deletion.
public struct SweepResult: Sendable, Equatable {
    /// Trusted time added to the retention clock of ended sessions.
    public var counted: Duration
    /// Set when a clock could not be trusted.
    public var anomaly: ClockAnomaly?
    /// Unsaved clips of ended sessions whose retention clock reached the TTL, oldest first; the caller deletes
    /// their files, then ``DeviceStore/deleteClips(_:)``, and audits.
    public var expired: [ClipRecord]
}

extension DeviceStore {
    private static let sweepWallKey = "sweep.wall"
    private static let sweepBootIDKey = "sweep.boot_id"
    private static let sweepSinceBootKey = "sweep.since_boot_ns"

    /// The reading the last sweep saved, if any sweep ever ran.
    public func lastSweepReading() throws(StoreError) -> ClockReading? {
        try read("read the retention clock") { db in try Self.lastSweepReading(db) }
    }

    private static func lastSweepReading(_ db: Database) throws -> ClockReading? {
        let rows = try Row.fetchAll(
            db, sql: "SELECT key, value FROM meta WHERE key IN (?, ?, ?)",
            arguments: [sweepWallKey, sweepBootIDKey, sweepSinceBootKey])
        var values: [String: DatabaseValue] = [:]
        for row in rows { values[row["key"]] = row["value"] as DatabaseValue }
        guard let wall = values[sweepWallKey].flatMap(Double.fromDatabaseValue),
            let bootID = values[sweepBootIDKey].flatMap(String.fromDatabaseValue),
            let sinceBoot = values[sweepSinceBootKey].flatMap(Int64.fromDatabaseValue)
        else { return nil }
        return ClockReading(
            wall: Date(timeIntervalSince1970: wall), bootID: bootID, sinceBoot: .nanoseconds(sinceBoot))
    }

    private static func saveSweepReading(_ db: Database, _ reading: ClockReading) throws {
        let values: [(String, any DatabaseValueConvertible)] = [
            (sweepWallKey, reading.wall.timeIntervalSince1970),
            (sweepBootIDKey, reading.bootID),
            (sweepSinceBootKey, reading.sinceBoot.nanoseconds),
        ]
        for (key, value) in values {
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Advances the retention clock of every ended session by the time it can trust, and lists expired clips.
    ///
    /// The time since the last sweep is the boot-clock delta when the boot is the same (wall clock jumps are
    /// ignored); after a reboot it is the wall-clock delta, but only if it lies between 0 and
    /// ``Retention/maximumTTL``, otherwise nothing is counted and ``SweepResult/anomaly`` says why. The very
    /// first sweep only records the reading. A session that ended since the last sweep is credited at most
    /// the wall time since its end. Clips the shopper saved to their profile expire `savedTTL` after the end
    /// of their session, counted the same way (a power-off gap too long to trust is not counted: they are then
    /// kept longer, never deleted early).
    public func sweep(
        now: ClockReading, ttl: Duration = Retention.defaultTTL, savedTTL: Duration = Retention.defaultSavedTTL
    ) throws(StoreError) -> SweepResult {
        try Retention.validate(ttl)
        guard savedTTL >= ttl, savedTTL <= Retention.maximumSavedTTL else {
            throw StoreError(
                .invalidArgument,
                "saved-look retention \(savedTTL) is out of range; set it between the clips' and 365 days")
        }
        return try write("sweep expired clips") { db in
            var counted = 0.0
            var anomaly: ClockAnomaly?
            let last = try Self.lastSweepReading(db)
            if let last {
                if last.bootID == now.bootID {
                    let boot = (now.sinceBoot - last.sinceBoot).seconds
                    let wall = now.wall.timeIntervalSince(last.wall)
                    if boot < 0 {
                        anomaly = .bootClockBackwards(seconds: boot)
                    } else {
                        counted = boot
                        if abs(wall - boot) > 60 { anomaly = .wallClockJumped(seconds: wall - boot) }
                    }
                } else {
                    let wall = now.wall.timeIntervalSince(last.wall)
                    if wall < 0 {
                        anomaly = .wallClockBackwardsAcrossReboot(seconds: wall)
                    } else if wall > Retention.maximumTTL.seconds {
                        anomaly = .wallClockGapTooLong(seconds: wall)
                    } else {
                        counted = wall
                    }
                }
            }
            if let last, counted > 0 {
                try Self.advance(db, by: counted, from: last.wall, to: now.wall)
            }
            try Self.saveSweepReading(db, now)
            let expired = try ClipRecord.fetchAll(
                db,
                sql: """
                    SELECT clips.* FROM clips JOIN sessions ON sessions.id = clips.session_id
                    WHERE sessions.ended_at IS NOT NULL
                        AND sessions.retention_elapsed_s >= CASE WHEN clips.saved = 0 THEN ? ELSE ? END
                    ORDER BY clips.created_at, clips.rowid
                    """,
                arguments: [ttl.seconds, savedTTL.seconds])
            return SweepResult(counted: .seconds(counted), anomaly: anomaly, expired: expired)
        }
    }

    /// Adds `counted` seconds to ended sessions; one that ended (by the wall clock) within `start...end` gets
    /// at most `end - endedAt`. Sessions past every retention that could apply to them are left alone.
    private static func advance(_ db: Database, by counted: Double, from start: Date, to end: Date) throws {
        // Sessions stop counting once past every retention that could apply to them: the clips' (72 h at
        // most), or the saved looks' when they hold one; so a sweep never touches a year of old sessions.
        let growing = """
            (retention_elapsed_s < ? OR (retention_elapsed_s < ?
                AND EXISTS (SELECT 1 FROM clips WHERE clips.session_id = sessions.id AND clips.saved = 1)))
            """
        let caps: StatementArguments = [Retention.maximumTTL.seconds, Retention.maximumSavedTTL.seconds]
        if start <= end {
            let recent = try SessionRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM sessions WHERE ended_at IS NOT NULL AND ended_at >= ? AND ended_at <= ? AND \(growing)
                    """,
                arguments: [start, end] + caps)
            for var session in recent {
                guard let endedAt = session.endedAt else { continue }
                session.retentionElapsedS += min(counted, max(0, end.timeIntervalSince(endedAt)))
                try session.update(db)
            }
            try db.execute(
                sql: """
                    UPDATE sessions SET retention_elapsed_s = retention_elapsed_s + ?
                    WHERE ended_at IS NOT NULL AND NOT (ended_at >= ? AND ended_at <= ?) AND \(growing)
                    """,
                arguments: [counted, start, end] + caps)
        } else {
            try db.execute(
                sql: """
                    UPDATE sessions SET retention_elapsed_s = retention_elapsed_s + ?
                    WHERE ended_at IS NOT NULL AND \(growing)
                    """,
                arguments: [counted] + caps)
        }
    }

    /// Ends every session that is still open, e.g. at startup after the daemon stopped without ending them.
    ///
    /// Returns the ids of the sessions it ended.
    @discardableResult
    public func endOpenSessions(at: Date = Date()) throws(StoreError) -> [String] {
        try write("end open sessions") { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY rowid")
            try db.execute(sql: "UPDATE sessions SET ended_at = ? WHERE ended_at IS NULL", arguments: [at])
            return ids
        }
    }

    /// Clips to delete to free at least `bytesOver` bytes: expired clips oldest first, then the other unsaved
    /// clips of ended sessions oldest first.
    ///
    /// Saved clips and the clips of open sessions are never candidates, so the list may free less than asked.
    public func evictionCandidates(bytesOver: Int, ttl: Duration = Retention.defaultTTL) throws(StoreError)
        -> [ClipRecord]
    {
        try Retention.validate(ttl)
        guard bytesOver > 0 else { return [] }
        let clips = try read("list clips to evict") { db in
            try ClipRecord.fetchAll(
                db,
                sql: """
                    SELECT clips.* FROM clips JOIN sessions ON sessions.id = clips.session_id
                    WHERE clips.saved = 0 AND sessions.ended_at IS NOT NULL
                    ORDER BY sessions.retention_elapsed_s >= ? DESC, clips.created_at, clips.rowid
                    """,
                arguments: [ttl.seconds])
        }
        var chosen: [ClipRecord] = []
        var freed = 0
        for clip in clips where freed < bytesOver {
            chosen.append(clip)
            freed += clip.bytes
        }
        return chosen
    }
}
