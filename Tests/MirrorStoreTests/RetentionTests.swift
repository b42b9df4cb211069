import Foundation
import MirrorCore
import Testing

@testable import MirrorStore

@Suite struct RetentionTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    let hour: TimeInterval = 3600
    let year: TimeInterval = 365 * 24 * 3600

    /// A store with one ended session holding one unsaved clip, and a first sweep at `t0 + 120 s`, boot "A", 1000 s.
    func endedSessionWithClip() throws -> (store: DeviceStore, clip: ClipRecord, baseline: ClockReading) {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: t0)
        let clip = try readyClip(store, session: session, at: t0)
        try store.endSession(session, at: t0.addingTimeInterval(60))
        let baseline = ClockReading(wall: t0.addingTimeInterval(120), bootID: "A", sinceBoot: .seconds(1000))
        let first = try store.sweep(now: baseline)
        #expect(first.counted == .zero)
        #expect(first.expired == [])
        return (store, clip, baseline)
    }

    func reading(_ base: ClockReading, wall: Date, boot: String? = nil, sinceBoot: Duration) -> ClockReading {
        ClockReading(wall: wall, bootID: boot ?? base.bootID, sinceBoot: sinceBoot)
    }

    /// The issue's figure: a clip of a session that ended an hour ago (kept 24 h) under every kind of clock jump,
    /// within one boot and across a reboot, is never deleted early.
    /// Issue: with mirrord out of file descriptors the sweep said "retention needs /proc mounted". Only a missing
    /// file says so now; any other failure names its own cause.
    @Test func aBootIDThatCannotBeReadSaysWhy() throws {
        #expect(try ClockReading.readBootID().count == 36)
        do {
            _ = try ClockReading.readBootID(path: "/nonexistent/boot_id")
            Issue.record("a missing boot id was read")
        } catch {
            #expect(error.message.contains("No such file") && error.message.contains("/proc mounted"), "\(error)")
        }
        do {
            _ = try ClockReading.readBootID(path: NSTemporaryDirectory())
            Issue.record("a folder was read as the boot id")
        } catch {
            #expect(error.message.contains("Is a directory") && !error.message.contains("/proc"), "\(error)")
        }
    }

    @Test func noClockJumpDeletesAClipEarly() throws {
        let epoch = Date(timeIntervalSince1970: 0)
        var wrongly = 0
        var scenarios: [String] = []
        for (name, wall, boot) in [
            ("wall clock at 1970", epoch, "A"), ("a year ahead", t0.addingTimeInterval(year), "A"),
            ("a year back", t0.addingTimeInterval(-year), "A"), ("reboot at 1970", epoch, "B"),
            ("reboot a year ahead", t0.addingTimeInterval(year), "B"),
            ("reboot a year back", t0.addingTimeInterval(-year), "B"),
        ] {
            let (store, clip, base) = try endedSessionWithClip()
            // An hour of real time later (by the boot clock; after a reboot, a fresh boot clock).
            let since = boot == base.bootID ? base.sinceBoot + .seconds(hour) : .seconds(hour)
            let result = try store.sweep(now: reading(base, wall: wall, boot: boot, sinceBoot: since))
            let gone = try store.clip(clip.id) == nil || !result.expired.isEmpty
            if gone { wrongly += 1 }
            scenarios.append(name)
        }
        print("clock: \(scenarios.count) jumps (\(scenarios.joined(separator: ", "))); clips deleted early: \(wrongly)")
        #expect(wrongly == 0)
    }

    @Test func aSavedLookOutlivesTheClipsRetentionAndExpiresAfterItsOwn() throws {
        let (store, clip, base) = try endedSessionWithClip()
        let session = try consentedSession(store, at: t0)
        let savedClip = try readyClip(store, session: session, at: t0)
        try store.saveLook(savedClip.id, loyaltyId: "L-2", garments: [], code: "123456", at: t0)
        try store.endSession(session, at: t0.addingTimeInterval(60))
        let day: TimeInterval = 24 * hour
        // Thirty days of boot-clock time, one sweep a day: the unsaved clip goes after a day, the saved one stays.
        var expired: [String] = []
        for days in 1...30 {
            let result = try store.sweep(
                now: reading(
                    base, wall: base.wall.addingTimeInterval(Double(days) * day),
                    sinceBoot: base.sinceBoot + .seconds(Double(days) * day)),
                ttl: .seconds(day), savedTTL: .seconds(30 * day))
            for gone in result.expired {
                _ = try store.deleteClip(gone.id)
                expired.append("\(gone.id == clip.id ? "clip" : "saved") on day \(days)")
            }
        }
        #expect(expired == ["clip on day 1", "saved on day 30"])
        // Its code went with it.
        let later = try consentedSession(store, at: t0)
        #expect(try store.earlierLookCount(loyaltyId: "L-2", excludingSession: later) == 0)
        #expect(throws: StoreError.self) {
            try store.sweep(now: base, ttl: .seconds(day), savedTTL: .seconds(400 * day))
        }
    }

    @Test func sameBootWallClockBackTo1970CountsTheBootClock() throws {
        let (store, clip, base) = try endedSessionWithClip()
        let epoch = Date(timeIntervalSince1970: 0)
        let early = try store.sweep(now: reading(base, wall: epoch, sinceBoot: base.sinceBoot + .seconds(hour)))
        #expect(early.counted == .seconds(hour))
        #expect(early.expired == [])
        #expect(early.anomaly != nil)
        let late = try store.sweep(
            now: reading(base, wall: epoch.addingTimeInterval(hour), sinceBoot: base.sinceBoot + .seconds(24 * hour)))
        #expect(late.counted == .seconds(23 * hour))
        #expect(late.expired.map(\.id) == [clip.id])
    }

    @Test func sameBootWallClockAYearAheadCountsTheBootClock() throws {
        let (store, clip, base) = try endedSessionWithClip()
        let future = base.wall.addingTimeInterval(year)
        let jumped = try store.sweep(now: reading(base, wall: future, sinceBoot: base.sinceBoot + .seconds(60)))
        #expect(jumped.counted == .seconds(60))
        #expect(jumped.expired == [])
        #expect(jumped.anomaly == .wallClockJumped(seconds: year - 60))
        let almost = try store.sweep(
            now: reading(
                base, wall: future.addingTimeInterval(hour), sinceBoot: base.sinceBoot + .seconds(24 * hour - 1)))
        #expect(almost.expired == [])
        let due = try store.sweep(now: reading(base, wall: future, sinceBoot: base.sinceBoot + .seconds(24 * hour)))
        #expect(due.expired.map(\.id) == [clip.id])
        #expect(try store.session(clip.sessionId)?.retentionElapsedS == 24 * hour)
    }

    @Test func rebootWithTheWallClockAYearAheadCountsNothing() throws {
        let (store, clip, base) = try endedSessionWithClip()
        let future = base.wall.addingTimeInterval(year)
        let result = try store.sweep(now: reading(base, wall: future, boot: "B", sinceBoot: .seconds(30)))
        #expect(result.counted == .zero)
        #expect(result.expired == [])
        #expect(result.anomaly == .wallClockGapTooLong(seconds: year))
        #expect(try store.session(clip.sessionId)?.retentionElapsedS == 0)
        // The new boot is the new reference: time is counted from there.
        let after = try store.sweep(
            now: reading(base, wall: future.addingTimeInterval(hour), boot: "B", sinceBoot: .seconds(30 + hour)))
        #expect(after.counted == .seconds(hour))
        #expect(after.anomaly == nil)
    }

    @Test func rebootWithTheWallClockBackwardsCountsNothing() throws {
        let (store, _, base) = try endedSessionWithClip()
        let result = try store.sweep(
            now: reading(base, wall: Date(timeIntervalSince1970: 0), boot: "B", sinceBoot: .seconds(30)))
        #expect(result.counted == .zero)
        #expect(result.expired == [])
        if case .wallClockBackwardsAcrossReboot = result.anomaly {
        } else {
            Issue.record("expected a backwards wall clock anomaly, got \(String(describing: result.anomaly))")
        }
    }

    @Test func rebootWithAPlausibleGapCountsTheWallClock() throws {
        let (store, clip, base) = try endedSessionWithClip()
        let before = try store.sweep(
            now: reading(
                base, wall: base.wall.addingTimeInterval(23 * hour), sinceBoot: base.sinceBoot + .seconds(23 * hour)))
        #expect(before.expired == [])
        // Powered off for 2 hours; the new boot clock starts near zero.
        let after = try store.sweep(
            now: reading(base, wall: base.wall.addingTimeInterval(25 * hour), boot: "B", sinceBoot: .seconds(40)))
        #expect(after.counted == .seconds(2 * hour))
        #expect(after.anomaly == nil)
        #expect(after.expired.map(\.id) == [clip.id])
    }

    @Test func aSessionEndingBetweenSweepsIsCreditedOnlySinceItsEnd() throws {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: t0)
        try readyClip(store, session: session, at: t0)
        let base = ClockReading(wall: t0, bootID: "A", sinceBoot: .seconds(100))
        _ = try store.sweep(now: base)
        try store.endSession(session, at: t0.addingTimeInterval(50 * 60))
        _ = try store.sweep(now: reading(base, wall: t0.addingTimeInterval(hour), sinceBoot: .seconds(100 + hour)))
        #expect(try store.session(session)?.retentionElapsedS == 10 * 60)
    }

    @Test func savedClipsAndOpenSessionsNeverExpire() throws {
        let store = try DeviceStore.inMemory()
        let ended = try consentedSession(store, at: t0)
        try store.recordConsent(session: ended, kind: .saveProfile, granted: true, source: "touch", at: t0)
        let saved = try readyClip(store, session: ended, at: t0)
        try store.setSaved(saved.id, true)
        let unsaved = try readyClip(store, session: ended, at: t0)
        try store.endSession(ended, at: t0)
        let open = try consentedSession(store, at: t0)
        let live = try readyClip(store, session: open, at: t0)

        let base = ClockReading(wall: t0.addingTimeInterval(1), bootID: "A", sinceBoot: .seconds(10))
        _ = try store.sweep(now: base, ttl: .seconds(hour))
        let result = try store.sweep(
            now: reading(base, wall: base.wall.addingTimeInterval(71 * hour), sinceBoot: .seconds(10 + 71 * hour)),
            ttl: .seconds(hour))
        #expect(result.expired.map(\.id) == [unsaved.id])
        #expect(try store.evictionCandidates(bytesOver: 1 << 40).map(\.id) == [unsaved.id])
        #expect(try store.clip(saved.id) != nil)
        #expect(try store.clip(live.id) != nil)
    }

    @Test func ttlAboveSeventyTwoHoursIsRejected() throws {
        let store = try DeviceStore.inMemory()
        let now = ClockReading(wall: t0, bootID: "A", sinceBoot: .seconds(1))
        #expect(storeErrorCode { _ = try store.sweep(now: now, ttl: .seconds(72 * hour + 1)) } == .invalidArgument)
        #expect(storeErrorCode { _ = try store.sweep(now: now, ttl: .zero) } == .invalidArgument)
        #expect(try store.sweep(now: now, ttl: Retention.maximumTTL).expired == [])
        #expect(try store.lastSweepReading() == now)
    }

    @Test func evictionTakesExpiredClipsFirstThenTheOldestOfEndedSessions() throws {
        let store = try DeviceStore.inMemory()
        let ttl = Duration.seconds(5 * hour)
        // Session "old" ends first and expires; "recent" ends later; "open" is still in use.
        let old = try consentedSession(store, id: "old", at: t0)
        let a = try readyClip(store, session: old, id: "a", bytes: 100, at: t0.addingTimeInterval(500))
        try store.endSession(old, at: t0.addingTimeInterval(600))
        let recent = try consentedSession(store, id: "recent", at: t0)
        try store.recordConsent(session: recent, kind: .saveProfile, granted: true, source: "touch", at: t0)
        let b = try readyClip(store, session: recent, id: "b", bytes: 200, at: t0.addingTimeInterval(10))
        let c = try readyClip(store, session: recent, id: "c", bytes: 300, at: t0.addingTimeInterval(20))
        let kept = try readyClip(store, session: recent, id: "kept", bytes: 5000, at: t0)
        try store.setSaved(kept.id, true)
        let open = try consentedSession(store, id: "open", at: t0)
        try readyClip(store, session: open, id: "live", bytes: 5000, at: t0)

        let base = ClockReading(wall: t0.addingTimeInterval(700), bootID: "A", sinceBoot: .seconds(700))
        _ = try store.sweep(now: base, ttl: ttl)
        _ = try store.sweep(
            now: reading(base, wall: base.wall.addingTimeInterval(6 * hour), sinceBoot: .seconds(700 + 6 * hour)),
            ttl: ttl)
        try store.endSession(recent, at: base.wall.addingTimeInterval(6 * hour))

        #expect(try store.evictionCandidates(bytesOver: 0, ttl: ttl) == [])
        #expect(try store.evictionCandidates(bytesOver: 50, ttl: ttl).map(\.id) == [a.id])
        #expect(try store.evictionCandidates(bytesOver: 100, ttl: ttl).map(\.id) == [a.id])
        #expect(try store.evictionCandidates(bytesOver: 101, ttl: ttl).map(\.id) == [a.id, b.id])
        #expect(try store.evictionCandidates(bytesOver: 1 << 30, ttl: ttl).map(\.id) == [a.id, b.id, c.id])
    }

    @Test func openSessionsLeftByACrashAreEndedAtStartup() throws {
        let store = try DeviceStore.inMemory()
        try consentedSession(store, id: "s1", at: t0)
        try consentedSession(store, id: "s2", at: t0)
        try store.endSession("s2", at: t0)
        #expect(try store.endOpenSessions(at: t0.addingTimeInterval(5)) == ["s1"])
        #expect(try store.session("s1")?.endedAt == t0.addingTimeInterval(5))
        #expect(try !store.hasConsent(session: "s1", kind: .record))
        #expect(try store.endOpenSessions() == [])
    }

    @Test func theSystemClockReadingIsUsable() throws {
        let first = try ClockReading.now()
        let second = try ClockReading.now()
        #expect(first.bootID.count == 36)
        #expect(first.bootID == second.bootID)
        #expect(second.sinceBoot >= first.sinceBoot)
        #expect(first.sinceBoot > .zero)
    }
}
