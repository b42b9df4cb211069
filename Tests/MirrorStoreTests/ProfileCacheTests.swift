import Foundation
import MirrorCore
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
        let audited = try store.auditLog().filter { $0.detail == "shopper erased at head office" }
        #expect(Set(audited.compactMap(\.clipId)) == Set(erased.map(\.id)))
        // The wrapped key is gone from every database file (secure_delete, then a checkpoint).
        for suffix in ["", "-wal"] {
            let path = dir.file(DeviceStore.fileName + suffix)
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            #expect(bytes.range(of: key) == nil, "the erased shopper's key is still in mirror.sqlite\(suffix)")
        }
        // The same page again (a lost reply): nothing more happens.
        #expect(try store.applyPulled(page).shredded.isEmpty)
        // A profile cached again later for an erased shopper is never served.
        try store.cacheProfile(loyaltyId: "L-9", body: "{}")
        #expect(try store.cachedProfile(loyaltyId: "L-9", maxAge: day) == nil)
    }
}
