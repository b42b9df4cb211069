import Foundation
import GRDB
import MirrorCore
import Testing

@testable import MirrorStore

@Suite struct DeviceStoreTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func migratesAFreshFileWithTheDurabilityPragmas() throws {
        let dir = try TemporaryDirectory()
        let store = try DeviceStore(stateDirectory: dir.file("state"))
        #expect(store.path == dir.file("state/mirror.sqlite"))
        #expect(try store.integrityCheck() == [])
        let pragmas = try store.writer.write { db in
            (
                journal: try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                secureDelete: try Int.fetchOne(db, sql: "PRAGMA secure_delete"),
                foreignKeys: try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                sizeLimit: try Int.fetchOne(db, sql: "PRAGMA journal_size_limit"),
                tables: try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
                migrations: try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            )
        }
        #expect(pragmas.journal == "wal")
        #expect(pragmas.synchronous == 2)  // FULL
        #expect(pragmas.secureDelete == 1)
        #expect(pragmas.foreignKeys == 1)
        #expect(pragmas.sizeLimit == DeviceStore.journalSizeLimit)
        #expect(Set(pragmas.tables).isSuperset(of: ["audit", "clips", "consents", "meta", "sessions"]))
        #expect(pragmas.migrations == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"])
        let mode = try FileManager.default.attributesOfItem(atPath: dir.file("state/mirror.sqlite"))[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
    }

    @Test func aStaffRequestIsStoredWithItsSessionEventAndClosedOnce() throws {
        let store = try DeviceStore.inMemory()
        let request = try store.addStaffRequest(
            StaffRequestRecord(
                sessionId: "s1", at: t0, sku: "KN-101-RUS", size: "M", description: "Ribbed Crew Jumper, rust, M"))
        let id = try #require(request.id)
        #expect(try store.staffRequests().map(\.id) == [id])
        #expect(try store.events(session: "s1").map(\.kind) == [.sizeRequest])
        let done = try store.completeStaffRequest(id, at: t0.addingTimeInterval(60))
        #expect(done?.state == "done")
        #expect(try store.completeStaffRequest(id, at: t0.addingTimeInterval(120))?.doneAt == t0.addingTimeInterval(60))
        #expect(try store.staffRequests().isEmpty)
        #expect(try store.staffRequests(openOnly: false).count == 1)
        #expect(try store.completeStaffRequest(999) == nil)
    }

    @Test func aRequestCancelledByTheShopperIsShownToStaffForAWhileAndNeverReopened() throws {
        let store = try DeviceStore.inMemory()
        func ask(at: Date) throws -> Int64 {
            try #require(
                try store.addStaffRequest(
                    StaffRequestRecord(sessionId: "s1", at: at, sku: "JE-1", size: "32", description: "Slim jeans, 32")
                ).id)
        }
        let old = try ask(at: t0)
        let recent = try ask(at: t0.addingTimeInterval(3600))
        let brought = try ask(at: t0.addingTimeInterval(3600))
        #expect(try store.cancelStaffRequest(old, at: t0.addingTimeInterval(60))?.state == "cancelled")
        #expect(try store.cancelStaffRequest(recent, at: t0.addingTimeInterval(3660))?.state == "cancelled")
        _ = try store.completeStaffRequest(brought)
        #expect(try store.cancelStaffRequest(brought)?.state == "done", "brought already: stays brought")
        #expect(try store.completeStaffRequest(recent)?.state == "cancelled", "cancelled: stays cancelled")
        #expect(try store.cancelStaffRequest(999) == nil)
        // Staff see open requests and those cancelled since a time (a colleague may be on the way).
        let listed = try store.staffRequests(cancelledSince: t0.addingTimeInterval(1800))
        #expect(listed.map(\.id) == [recent])
        let cancels = try store.pendingOps().filter {
            $0.entity == .staffRequest && $0.patch["state"]?.string == "cancelled"
        }
        #expect(cancels.map(\.key) == [String(old), String(recent)])
    }

    @Test func reopeningKeepsTheData() throws {
        let dir = try TemporaryDirectory()
        let clipID: String
        do {
            let store = try DeviceStore(stateDirectory: dir.path)
            let session = try consentedSession(store, at: t0)
            clipID = try readyClip(store, session: session, bytes: 4242, at: t0).id
            try store.audit(actor: .staff, action: .export, clipID: clipID, detail: "to USB", at: t0)
        }
        let store = try DeviceStore(stateDirectory: dir.path)
        let clip = try #require(try store.clip(clipID))
        #expect(clip.state == .ready)
        #expect(clip.bytes == 4242)
        #expect(clip.wrappedKey == distinctiveKey())
        #expect(clip.createdAt == t0)
        #expect(try store.auditLog().first?.action == .export)
        #expect(try store.hasConsent(session: clip.sessionId, kind: .record))
    }

    @Test func aGarbageFileIsReportedAndLeftAlone() throws {
        let dir = try TemporaryDirectory()
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: dir.file(DeviceStore.fileName)))
        do {
            _ = try DeviceStore(stateDirectory: dir.path)
            Issue.record("opening a garbage file succeeded")
        } catch {
            #expect(error.code == .corrupt)
            #expect(error.message.contains("move mirror.sqlite aside"))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file(DeviceStore.fileName))) == garbage)
    }

    @Test func aClipsTurnIsStoredAndGoesWithTheClip() throws {
        let store = try DeviceStore.inMemory()
        try store.startSession(id: "s1", at: t0)
        try store.recordConsent(session: "s1", kind: .record, granted: true, source: "touch", at: t0)
        try store.insertClip(
            id: "c1", session: "s1", file: "c1.avi", wrappedKey: distinctiveKey(), width: 360, height: 640, fps: 12,
            createdAt: t0)
        #expect(try store.turn(clip: "c1") == nil)
        try store.setTurn(clip: "c1", complete: true, phases: [nil, 0, 0.25, 0.5, 1, 2])
        let turn = try #require(try store.turn(clip: "c1"))
        #expect(turn.complete)
        #expect(turn.phases.count == 6 && turn.phases[0] == nil)
        for (stored, expected) in zip(turn.phases.dropFirst(), [0, 0.25, 0.5, 1, 1] as [Float]) {
            #expect(abs((stored ?? -1) - expected) < 1e-4)
        }
        #expect(try store.deleteClip("c1"))
        #expect(try store.turn(clip: "c1") == nil)
        // A turn for a clip that does not exist is refused by the foreign key.
        #expect(throws: StoreError.self) { try store.setTurn(clip: "nope", complete: false, phases: []) }
    }

    /// The clip list reads every clip with its turn in one query, and agrees with reading them one by one.
    @Test func theClipListCarriesEachClipsTurn() throws {
        let store = try DeviceStore.inMemory()
        try store.startSession(id: "s1", at: t0)
        try store.recordConsent(session: "s1", kind: .record, granted: true, source: "touch", at: t0)
        for index in 0..<3 {
            try store.insertClip(
                id: "c\(index)", session: "s1", file: "c\(index).avi", wrappedKey: distinctiveKey(), width: 360,
                height: 640, fps: 12, createdAt: t0.addingTimeInterval(Double(index)))
        }
        try store.setTurn(clip: "c1", complete: true, phases: [nil, 0, 0.5, 1])
        try store.setTurn(clip: "c2", complete: false, phases: [])
        let listed = try store.clipsWithTurns()
        #expect(listed.map(\.clip) == (try store.clips()))
        #expect(listed.map(\.clip.id) == ["c2", "c1", "c0"])
        for (clip, turn) in listed {
            let alone = try store.turn(clip: clip.id)
            #expect(turn?.complete == alone?.complete && turn?.phases == alone?.phases, "\(clip.id)")
        }
        #expect(listed[1].turn?.phases.count == 4 && listed[0].turn?.complete == false && listed[2].turn == nil)
    }

    @Test func recordingNeedsTheRecordConsentOfAnOpenSession() throws {
        let store = try DeviceStore.inMemory()
        try store.startSession(id: "s1", at: t0)
        func insert(_ id: String) throws {
            try store.insertClip(
                id: id, session: "s1", file: "\(id).avi", wrappedKey: distinctiveKey(), width: 1080, height: 1920,
                fps: 30, createdAt: t0)
        }
        #expect(storeErrorCode { try insert("c1") } == .noConsent)
        try store.recordConsent(session: "s1", kind: .share, granted: true, source: "touch", at: t0)
        #expect(storeErrorCode { try insert("c1") } == .noConsent)

        try store.recordConsent(session: "s1", kind: .record, granted: true, source: "touch", at: t0)
        #expect(try store.hasConsent(session: "s1", kind: .record))
        try insert("c1")

        // A withdrawal counts even if the wall clock went back in between.
        try store.recordConsent(
            session: "s1", kind: .record, granted: false, source: "touch", at: t0.addingTimeInterval(-3600))
        #expect(try !store.hasConsent(session: "s1", kind: .record))
        #expect(storeErrorCode { try insert("c2") } == .noConsent)

        try store.recordConsent(session: "s1", kind: .record, granted: true, source: "api", at: t0)
        try insert("c2")
        try store.endSession("s1", at: t0)
        #expect(try !store.hasConsent(session: "s1", kind: .record))
        #expect(storeErrorCode { try insert("c3") } == .sessionEnded)
        #expect(
            storeErrorCode {
                try store.recordConsent(session: "s1", kind: .record, granted: true, source: "touch", at: t0)
            } == .sessionEnded)
        #expect(try store.clips().map(\.id) == ["c2", "c1"])
        #expect(try store.consents(session: "s1").map(\.granted) == [true, true, false, true])
        #expect(try store.auditLog().filter { $0.action == .consent }.count == 4)
        #expect(storeErrorCode { try insert("c4") } == .sessionEnded)
    }

    @Test func insertClipRefusesUnknownSessionsAndPathNames() throws {
        let store = try DeviceStore.inMemory()
        try consentedSession(store, id: "s1", at: t0)
        #expect(
            storeErrorCode {
                try store.insertClip(
                    session: "nope", file: "a.avi", wrappedKey: distinctiveKey(), width: 1, height: 1, fps: 30)
            } == .notFound)
        #expect(
            storeErrorCode {
                try store.insertClip(
                    session: "s1", file: "../a.avi", wrappedKey: distinctiveKey(), width: 1, height: 1, fps: 30)
            } == .invalidArgument)
        try store.insertClip(
            id: "c1", session: "s1", file: "a.avi", wrappedKey: distinctiveKey(), width: 1, height: 1, fps: 30)
        #expect(try store.clip("c1")?.state == .recording)
        try store.markReady("c1", frames: 10, bytes: 100)
        #expect(storeErrorCode { try store.markReady("c1", frames: 10, bytes: 100) } == .invalidState)
    }

    @Test func savingToTheProfileNeedsItsConsent() throws {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: t0)
        let clip = try readyClip(store, session: session, at: t0)
        #expect(storeErrorCode { try store.setSaved(clip.id, true) } == .noConsent)
        try store.recordConsent(session: session, kind: .saveProfile, granted: true, source: "touch", at: t0)
        #expect(try store.setSaved(clip.id, true).saved)
        #expect(try store.setSaved(clip.id, false).saved == false)
    }

    @Test func deletingAClipShredsItsWrappedKeyOnDisk() throws {
        let dir = try TemporaryDirectory()
        let store = try DeviceStore(stateDirectory: dir.path)
        let session = try consentedSession(store, at: t0)
        let key = distinctiveKey(0x3C)
        let clip = try readyClip(store, session: session, at: t0, key: key)
        try readyClip(store, session: session, at: t0, key: distinctiveKey(0x11))

        func databaseBytes() throws -> [String: Data] {
            var files: [String: Data] = [:]
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = dir.file(DeviceStore.fileName + suffix)
                if FileManager.default.fileExists(atPath: path) {
                    files[suffix] = try Data(contentsOf: URL(fileURLWithPath: path))
                }
            }
            return files
        }
        try store.checkpoint()
        #expect(try databaseBytes()[""]?.range(of: key) != nil, "the key should be on disk before the delete")

        #expect(try store.deleteClip(clip.id))
        try store.checkpoint()
        for (suffix, bytes) in try databaseBytes() {
            #expect(bytes.range(of: key) == nil, "the wrapped key is still in mirror.sqlite\(suffix)")
        }
        #expect(try databaseBytes()[""]?.range(of: distinctiveKey(0x11)) != nil)
        #expect(try store.clip(clip.id) == nil)
        #expect(try !store.deleteClip(clip.id))
    }

    @Test func auditEntriesSurviveThePurgeOfTheirClips() throws {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: t0)
        let clips = try (0..<3).map { _ in try readyClip(store, session: session, at: t0) }
        try store.audit(actor: .staff, action: .export, clipID: clips[0].id, detail: "exported", at: t0)
        #expect(try store.deleteClips(clips.map(\.id)) == 3)
        for clip in clips {
            try store.audit(actor: .shopper, action: .purge, clipID: clip.id, detail: "withdrawal", at: t0)
        }
        #expect(try store.clips() == [])
        let log = try store.auditLog(limit: 10)
        #expect(log.map(\.action) == [.purge, .purge, .purge, .export, .consent])
        #expect(log[3].clipId == clips[0].id)
        #expect(log.map { $0.id ?? 0 } == log.map { $0.id ?? 0 }.sorted(by: >))
        #expect(try store.auditLog(limit: 2).count == 2)
    }

    @Test func reconcileComparesRowsWithTheClipsFolder() throws {
        let store = try DeviceStore.inMemory()
        let session = try consentedSession(store, at: t0)
        try readyClip(store, session: session, id: "present", at: t0)
        try readyClip(store, session: session, id: "gone", at: t0)
        for id in ["partial", "finished", "lost"] {
            try store.insertClip(
                id: id, session: session, file: "\(id).avi", wrappedKey: distinctiveKey(), width: 1, height: 1,
                fps: 30, createdAt: t0)
        }
        let result = try store.reconcile(filesOnDisk: [
            "present.avi", "partial.avi.partial", "finished.avi", "stray.avi", "present.avi.partial",
        ])
        #expect(result.orphanFiles == ["present.avi.partial", "stray.avi"])
        #expect(result.rowsWithoutFile.map(\.id) == ["gone", "lost"])
        #expect(result.partialRows.map(\.id) == ["partial", "finished"])
    }

    @Test func endingASessionTwiceKeepsTheFirstEnd() throws {
        let store = try DeviceStore.inMemory()
        try store.startSession(id: "s", at: t0)
        try store.endSession("s", at: t0.addingTimeInterval(10))
        try store.endSession("s", at: t0.addingTimeInterval(99))
        #expect(try store.session("s")?.endedAt == t0.addingTimeInterval(10))
        #expect(storeErrorCode { try store.endSession("missing") } == .notFound)
    }
}
