import Foundation
import MirrorCore
import MirrorProtocol
import MirrorStore
import Testing

/// The device's outbox: written with the change, gap-free, re-sent to a hub that lost what it acknowledged.
@Suite struct OutboxTests {
    @Test func changesAndTheirOpsAreWrittenTogetherInSequence() throws {
        let store = try DeviceStore.inMemory()
        try store.addEvent(SessionEventRecord(sessionId: "s", kind: .favourite, sku: "KN-101-RUS"))
        let request = try store.addStaffRequest(
            StaffRequestRecord(sessionId: "s", sku: "KN-101-RUS", size: "M", description: "Jumper, rust, M"))
        _ = try store.completeStaffRequest(try #require(request.id))
        let ops = try store.pendingOps()
        #expect(ops.map(\.seq) == [1, 2, 3, 4])
        #expect(ops.map(\.entity) == [.sessionEvent, .sessionEvent, .staffRequest, .staffRequest])
        #expect(ops[3].patch["state"] == .string("done"))
        #expect(zip(ops, ops.dropFirst()).allSatisfy { $0.hlc < $1.hlc })
        #expect(Set(ops.map(\.opId)).count == 4 && ops.allSatisfy { ULID.isValid($0.opId) })
    }

    @Test func aHubRestoredFromABackupGetsTheLostOpsAgain() throws {
        let store = try DeviceStore.inMemory()
        for index in 0..<5 {
            try store.addEvent(SessionEventRecord(sessionId: "s", kind: .favourite, sku: "SKU-\(index)"))
        }
        try store.markAcked(upTo: 5)
        #expect(try store.pendingOps().isEmpty)
        // The hub now says it holds only up to 2.
        let (resent, lost) = try store.resendAfter(hubAcked: 2)
        #expect(resent == 3 && lost == 0)
        #expect(try store.pendingOps().map(\.seq) == [3, 4, 5])
        #expect(try store.syncState().ackedSeq == 2)
        // Sequence numbers keep counting after a later acknowledgement.
        try store.markAcked(upTo: 5, at: Date().addingTimeInterval(DeviceStore.ackedRetention + 60))
        try store.addEvent(SessionEventRecord(sessionId: "s", kind: .favourite, sku: "SKU-6"))
        #expect(try store.pendingOps().map(\.seq) == [6])
    }

    @Test func acknowledgedOpsAreKeptSevenDaysByTheTimeTheyAreAcknowledgedAt() throws {
        let store = try DeviceStore.inMemory()
        for index in 0..<5 {
            try store.addEvent(SessionEventRecord(sessionId: "s", kind: .favourite, sku: "SKU-\(index)"))
        }
        // The sync passes the hub's time, whatever the mirror's clock says.
        let hub = Date(timeIntervalSince1970: 1_800_000_000)
        try store.markAcked(upTo: 3, at: hub)
        try store.markAcked(upTo: 5, at: hub + 3600)
        #expect(try store.syncState().resendable == 5)
        try store.markAcked(upTo: 5, at: hub + DeviceStore.ackedRetention + 60)
        #expect(try store.syncState().resendable == 2)
        try store.markAcked(upTo: 5, at: hub + DeviceStore.ackedRetention + 3700)
        #expect(try store.syncState().resendable == 0)
    }

    @Test func aPulledPageAndItsCursorLandTogetherAndErasuresAreReportedOnce() throws {
        let store = try DeviceStore.inMemory()
        let subject = SubjectHash.of(loyaltyId: "L-9")
        let page = SyncPullResponse(
            epoch: "E1", cursor: 3,
            changes: [
                SyncChange(
                    seq: 1, kind: .catalogItem, key: "KN-101-RUS", body: .object(["sku": .string("KN-101-RUS")])),
                SyncChange(
                    seq: 2, kind: .inventory, key: "KN-101-RUS", body: .object(["sizes": .object(["M": .number(2)])])),
                SyncChange(seq: 3, kind: .erasure, key: subject, body: nil),
            ], more: false, serverHLC: HLC(millis: 5000, counter: 0))
        #expect(try store.applyPulled(page).erasures == [subject])
        #expect(try store.applyPulled(page).erasures.isEmpty)
        let state = try store.syncState()
        #expect(state.cursor == 3 && state.epoch == "E1")
        #expect(try store.hubData(kind: .catalogItem).keys.sorted() == ["KN-101-RUS"])
        #expect(try store.isErased(loyaltyId: "L-9") && !store.isErased(loyaltyId: "L-1"))
        // A device whose clock says 1970 still stamps its next change after what the hub has seen.
        let hubMillis = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
        try store.receive(hubStamp: HLC(millis: hubMillis, counter: 0))
        try store.addEvent(SessionEventRecord(sessionId: "s", kind: .favourite, sku: "X"))
        #expect(try store.pendingOps().first!.hlc.millis >= hubMillis)
    }
}
