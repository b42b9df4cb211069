import Foundation
import MirrorCore
import MirrorProtocol
import MirrorStore
import Testing

/// The offline profile cache (time to live, clock going back) and erasure reaching the clips of an erased
/// shopper's sessions.
struct ProfileCacheTests {
    let day: TimeInterval = 24 * 3600

    @Test func aCachedProfileLivesForItsTimeToLiveAndNotAcrossAClockJumpBack() throws {
        let store = try DeviceStore.inMemory()
        let fetched = Date(timeIntervalSince1970: 1_800_000_000)
        try store.cacheProfile(loyaltyId: "L-1", body: #"{"loyaltyID":"L-1"}"#, at: fetched)
        #expect(try store.cachedProfile(loyaltyId: "L-1", maxAge: day, now: fetched) != nil)
        #expect(try store.cachedProfile(loyaltyId: "L-1", maxAge: day, now: fetched + day - 60) != nil)
        #expect(try store.cachedProfile(loyaltyId: "L-1", maxAge: day, now: fetched + day) == nil)
        #expect(try store.cachedProfile(loyaltyId: "L-2", maxAge: day, now: fetched) == nil)
        // The clock went back to 1970: the entry's age is unknown, so it is not used.
        #expect(try store.cachedProfile(loyaltyId: "L-1", maxAge: day, now: Date(timeIntervalSince1970: 0)) == nil)

        try store.cacheProfile(loyaltyId: "L-2", body: "{}", at: fetched + day)
        #expect(try store.purgeProfiles(olderThan: day, now: fetched + day + 1) == 1)
        #expect(try store.cachedProfileCount() == 1)
        try store.forgetProfile(loyaltyId: "L-2")
        #expect(try store.cachedProfileCount() == 0)
    }

    @Test func savingALookRecordsTheConsentKeepsTheClipAndTellsTheHub() throws {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: Date())
        let clip = try readyClip(store, session: session, at: Date())
        let before = try store.syncState().nextSeq
        let saved = try store.saveLook(clip.id, loyaltyId: "L-3", garments: ["rust knitwear"])
        #expect(saved.saved)
        #expect(try store.hasConsent(session: session, kind: .saveProfile))
        let ops = try store.pendingOps().filter { $0.seq >= before }
        #expect(ops.map(\.entity) == [.consent, .savedLook])
        #expect(ops[0].patch["purpose"] == .string("saved_looks") && ops[0].patch["loyaltyId"] == .string("L-3"))
        #expect(ops[1].key == clip.id && ops[1].patch["garments"] == .array([.string("rust knitwear")]))
        #expect(try store.auditLog().contains { $0.action == .save && $0.clipId == clip.id })
        // A session that ended cannot save any more.
        try store.endSession(session)
        #expect(throws: StoreError.self) { try store.saveLook(clip.id, loyaltyId: "L-3", garments: []) }
    }

    @Test func anErasureShredsTheClipsOfTheShoppersSessionsAndTheirCachedProfile() throws {
        let dir = try TemporaryDirectory()
        let store = try DeviceStore(stateDirectory: dir.path)
        let now = Date()
        let visit1 = try consentedSession(store, at: now)
        let visit2 = try consentedSession(store, at: now)
        let someoneElse = try consentedSession(store, at: now)
        let key = distinctiveKey(0x5A)
        let erased = [
            try readyClip(store, session: visit1, at: now, key: key),
            try readyClip(store, session: visit2, at: now, key: distinctiveKey(0x6B)),
        ]
        let kept = try readyClip(store, session: someoneElse, at: now, key: distinctiveKey(0x7C))
        try store.linkSession(visit1, loyaltyId: "L-9")
        try store.linkSession(visit2, loyaltyId: "L-9")
        try store.linkSession(someoneElse, loyaltyId: "L-1")
        try store.cacheProfile(loyaltyId: "L-9", body: "{}")
        try store.cacheProfile(loyaltyId: "L-1", body: "{}")
        // Saved looks put the loyalty code in the outbox: one acknowledged, one pending; another shopper's too.
        try store.saveLook(erased[0].id, loyaltyId: "L-9", garments: [])
        try store.markAcked(upTo: try store.syncState().nextSeq - 1)
        try store.saveLook(erased[1].id, loyaltyId: "L-9", garments: [])
        try store.saveLook(kept.id, loyaltyId: "L-1", garments: [])
        let opsBefore = try store.syncState()
        try store.checkpoint()

        let subject = SubjectHash.of(loyaltyId: "L-9")
        let page = SyncPullResponse(
            epoch: "E1", cursor: 1, changes: [SyncChange(seq: 1, kind: .erasure, key: subject, body: nil)],
            more: false, serverHLC: HLC(millis: 5000, counter: 0))
        let summary = try store.applyPulled(page)
        #expect(summary.erasures == [subject])
        #expect(Set(summary.shredded.map(\.id)) == Set(erased.map(\.id)))
        #expect(Set(summary.shredded.map(\.file)) == Set(erased.map(\.file)))
        #expect(try store.clips().map(\.id) == [kept.id])
        #expect(try store.cachedProfile(loyaltyId: "L-9", maxAge: day) == nil)
        #expect(try store.cachedProfile(loyaltyId: "L-1", maxAge: day) != nil)
        #expect(try store.sessions(ofSubject: subject).isEmpty)
        // The outbox keeps its ops (no gap in the sequence) but no longer names the erased shopper.
        let after = try store.syncState()
        #expect(after.nextSeq == opsBefore.nextSeq && after.pending == opsBefore.pending)
        let pending = try store.pendingOps()
        #expect(pending.allSatisfy { $0.patch["loyaltyId"] != .string("L-9") })
        #expect(pending.filter { $0.patch["loyaltyId"] == .string("L-1") }.count == 2)
        #expect(pending.filter { $0.patch["loyaltyId"] == .string("") }.count == 2)
        let audited = try store.auditLog().filter { $0.detail == "shopper erased at head office" }
        #expect(Set(audited.compactMap(\.clipId)) == Set(erased.map(\.id)))
        // The wrapped key is gone from every database file (secure_delete, then a checkpoint).
        for suffix in ["", "-wal"] {
            let path = dir.file(DeviceStore.fileName + suffix)
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            #expect(bytes.range(of: key) == nil, "the erased shopper's key is still in mirror.sqlite\(suffix)")
            #expect(
                bytes.range(of: Data(#""L-9""#.utf8)) == nil, "the erased loyalty code is in mirror.sqlite\(suffix)")
        }
        // The same page again (a lost reply): nothing more happens.
        #expect(try store.applyPulled(page).shredded.isEmpty)
        // A profile cached again later for an erased shopper is never served.
        try store.cacheProfile(loyaltyId: "L-9", body: "{}")
        #expect(try store.cachedProfile(loyaltyId: "L-9", maxAge: day) == nil)
    }
}

/// A look saved at one visit opens at a later one only with the code shown when it was saved.
struct EarlierLookTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func savedLook(_ store: DeviceStore, code: String) throws -> (clip: ClipRecord, visit: String) {
        let visit = try consentedSession(store, at: t0)
        try store.linkSession(visit, loyaltyId: "L-4")
        let clip = try readyClip(store, session: visit, at: t0)
        try store.saveLook(clip.id, loyaltyId: "L-4", garments: ["rust knitwear"], code: code, at: t0)
        return (clip, visit)
    }

    @Test func notYouUnlinksTheSessionAndTellsTheHubByTheHash() throws {
        let store = try DeviceStore.inMemory()
        let visit = try consentedSession(store, at: t0)
        try store.linkSession(visit, loyaltyId: "L-6")
        try store.unlinkSession(visit, loyaltyId: "L-6")
        try store.unlinkSession(visit, loyaltyId: "L-6")  // a second tap tells the hub nothing more
        #expect(try store.sessions(ofSubject: SubjectHash.of(loyaltyId: "L-6")).isEmpty)
        let events = try store.pendingOps().filter { $0.entity == .sessionEvent }.map(\.patch)
        let kinds = events.compactMap { $0["kind"]?.string }
        #expect(kinds.suffix(2) == [VisitEventKind.identified, VisitEventKind.unidentified])
        #expect(events.last?["subject"]?.string == SubjectHash.of(loyaltyId: "L-6"))
        #expect(!events.contains { "\($0)".contains("L-6") }, "never the code itself")
    }

    @Test func theRightCodeOpensItAndWrongOnesLockForADay() throws {
        let store = try DeviceStore.inMemory()
        let (clip, visit) = try savedLook(store, code: "482913")
        let later = try consentedSession(store, at: t0 + 3600)
        #expect(try store.earlierLookCount(loyaltyId: "L-4", excludingSession: later) == 1)
        #expect(try store.earlierLookCount(loyaltyId: "L-4", excludingSession: visit) == 0)
        #expect(try store.earlierLookCount(loyaltyId: "L-5", excludingSession: later) == 0)

        func open(_ code: String, _ who: String = "L-4", at: Date) throws -> LookCodeOutcome {
            try store.openEarlierLook(loyaltyId: who, code: code, excludingSession: later, at: at)
        }
        let look = EarlierLook(clipID: clip.id, savedAt: t0, garments: ["rust knitwear"])
        #expect(try open("000000", at: t0 + 3600) == .wrong(triesLeft: 4))
        // Another shopper's loyalty code with the right look code opens nothing.
        #expect(try open("482913", "L-5", at: t0 + 3600) == .wrong(triesLeft: 4))
        #expect(try open("482913", at: t0 + 3600) == .opened(look))
        // A right code clears the count; five wrong ones lock even the right one, for a day.
        for left in [4, 3, 2, 1] { #expect(try open("111111", at: t0 + 7200) == .wrong(triesLeft: left)) }
        #expect(try open("111111", at: t0 + 7200) == .locked)
        #expect(try open("482913", at: t0 + 7200) == .locked)
        // The clock went back: still locked.
        #expect(try open("482913", at: Date(timeIntervalSince1970: 0)) == .locked)
        #expect(try open("482913", at: t0 + 7200 + 24 * 3600) == .opened(look))
        // Not readable from the database as typed.
        #expect(try store.auditLog().allSatisfy { !$0.detail.contains("482913") })
    }

    @Test func anErasureTakesTheLookAndItsCodeWithIt() throws {
        let store = try DeviceStore.inMemory()
        _ = try savedLook(store, code: "482913")
        let later = try consentedSession(store, at: t0 + 3600)
        let subject = SubjectHash.of(loyaltyId: "L-4")
        let page = SyncPullResponse(
            epoch: "E1", cursor: 1, changes: [SyncChange(seq: 1, kind: .erasure, key: subject, body: nil)],
            more: false, serverHLC: HLC(millis: 5000, counter: 0))
        #expect(try store.applyPulled(page).shredded.count == 1)
        #expect(try store.earlierLookCount(loyaltyId: "L-4", excludingSession: later) == 0)
        #expect(
            try store.openEarlierLook(loyaltyId: "L-4", code: "482913", excludingSession: later)
                == .wrong(triesLeft: 4))
    }
}
