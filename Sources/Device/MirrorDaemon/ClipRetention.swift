import Crypto
import Foundation
import Logging
import MirrorAPI
import MirrorConfig
import MirrorCore
import MirrorImaging
import MirrorRecorder
import MirrorStore
import Prometheus
import ServiceLifecycle
import Synchronization

extension ClipRecorder {
    // MARK: Retention

    /// Once a minute: expired clips go, the quota is kept, a camera that stopped mid-clip ends the clip.
    func housekeeping() async {
        var lastSweep = MonotonicInstant(nanoseconds: 0)
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            let now = MonotonicInstant.now()
            let stalled = active.withLock { $0.map { now.since($0.lastFrame) > .seconds(2) } ?? false }
            if stalled { finishActive(saved: true) }
            if now.since(lastSweep) >= .seconds(60) {
                lastSweep = now
                sweep()
            }
        }
    }

    /// Deletes expired clips, then evicts to the quota (audited), and drops cached profiles past their time; a
    /// failure is logged (the next sweep tries again).
    func sweep() {
        do {
            try sweepNow()
        } catch {
            logger.error("retention sweep failed", metadata: ["error": "\(error)"])
        }
    }

    func sweepNow() throws {
        if let profileCacheAge { try store.purgeProfiles(olderThan: profileCacheAge) }
        let ttl = Duration.seconds(settings.keepHours * 3600)
        // A saved look is never kept for less time than an unsaved clip (saved_days 1 with keep_hours 72).
        let savedTTL = max(Duration.seconds(settings.savedDays * 24 * 3600), ttl)
        let result = try store.sweep(now: try ClockReading.now(), ttl: ttl, savedTTL: savedTTL)
        if let anomaly = result.anomaly {
            try store.audit(actor: .system, action: AuditAction(rawValue: "clock_anomaly"), detail: "\(anomaly)")
            logger.warning("retention: clock not trusted, time not counted", metadata: ["anomaly": "\(anomaly)"])
        }
        let (saved, unsaved) = (result.expired.filter(\.saved), result.expired.filter { !$0.saved })
        try delete(unsaved, action: .expire, actor: .system, detail: "retention \(settings.keepHours) h")
        try delete(
            saved, action: .expire, actor: .system, detail: "saved-look retention \(settings.savedDays) days")
        let used = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).reduce(0) {
            $0 + fileSize("\(folder)/\($1)")
        }
        let quota = settings.quotaMegabytes << 20
        if used > quota {
            let victims = try store.evictionCandidates(bytesOver: used - quota, ttl: ttl)
            try delete(victims, action: .evict, actor: .system, detail: "quota \(settings.quotaMegabytes) MB")
        }
    }

    /// Removes the files of clips the store crypto-shredded (their shopper was erased at head office), and stops
    /// a recording of one of them.
    func removeShredded(_ clips: [ShreddedClip]) {
        guard !clips.isEmpty else { return }
        let ids = Set(clips.map(\.id))
        if active.withLock({ $0.map { ids.contains($0.request.clipID) } ?? false }) {
            finishActive(saved: false, why: "its shopper was erased at head office")
        }
        for clip in clips {
            unlink("\(folder)/\(clip.file)")
            unlink("\(folder)/\(clip.file).partial")
        }
        logger.notice("clips of a shopper erased at head office shredded", metadata: ["count": "\(clips.count)"])
    }

    /// Purges clips on request: expired ones (a sweep) or every clip of ended sessions.
    func purge(all: Bool) throws -> Int {
        guard all else {
            let before = try store.clipCount()
            try sweepNow()
            return before - (try store.clipCount())
        }
        let open = Set(numbered.withLock { Array($0.keys) })
        let clips = try store.clips().filter { !open.contains($0.sessionId) }
        try delete(clips, action: .purge, actor: .staff, detail: "mirrorctl clips purge --all")
        return clips.count
    }

    /// Deletes files, then rows (with them the wrapped keys: crypto-shred), and audits each clip.
    func delete(_ clips: [ClipRecord], action: AuditAction, actor: AuditActor, detail: String) throws {
        guard !clips.isEmpty else { return }
        for clip in clips {
            unlink("\(folder)/\(clip.file)")
            unlink("\(folder)/\(clip.file).partial")
        }
        try store.deleteClips(clips.map(\.id))
        for clip in clips { try store.audit(actor: actor, action: action, clipID: clip.id, detail: detail) }
        logger.info("clips deleted", metadata: ["count": "\(clips.count)", "why": "\(action.rawValue)"])
    }
}
