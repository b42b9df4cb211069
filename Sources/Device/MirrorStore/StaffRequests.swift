public import Foundation
import GRDB
import MirrorProtocol

/// What shoppers ask staff to bring (or help at the mirror): stored with the visit's event, closed once, by staff
/// (brought) or by the shopper (cancelled), each change queued for the hub.
extension DeviceStore {
    /// Stores a staff request and its session event in one transaction; `triedSize` is the size of that style the
    /// shopper has on, when known (the hub's size swaps).
    public func addStaffRequest(_ request: StaffRequestRecord, triedSize: String? = nil) throws(StoreError)
        -> StaffRequestRecord
    {
        try write("store a staff request") { db in
            var request = request
            try request.insert(db)
            let event = SessionEventRecord(
                sessionId: request.sessionId, at: request.at, kind: .sizeRequest, sku: request.sku, size: request.size,
                detail: request.description, triedSize: triedSize)
            try event.insert(db)
            try Self.enqueue(db, entity: .sessionEvent, key: event.id, patch: Self.eventPatch(event), at: event.at)
            try Self.enqueue(
                db, entity: .staffRequest, key: String(request.id ?? 0), patch: Self.requestPatch(request),
                at: request.at)
            return request
        }
    }

    /// Staff requests, newest first: the open ones (and those the shopper cancelled since `cancelledSince`, so a
    /// colleague already on the way hears of it), or all of the last `limit`.
    public func staffRequests(
        openOnly: Bool = true, cancelledSince: Date? = nil, limit: Int = 100
    ) throws(StoreError) -> [StaffRequestRecord] {
        try read("read staff requests") { db in
            var query = StaffRequestRecord.order(Column("id").desc).limit(limit)
            if openOnly {
                let recentlyCancelled = cancelledSince.map { Column("state") == "cancelled" && Column("at") >= $0 }
                query = query.filter(Column("state") == "open" || (recentlyCancelled ?? false.databaseValue))
            }
            return try query.fetchAll(db)
        }
    }

    /// The shopper cancelled request `id` on the glass: closed, and the hub told at the next sync. Nil when there
    /// is no such request; a request brought already stays brought.
    public func cancelStaffRequest(_ id: Int64, at: Date = Date()) throws(StoreError) -> StaffRequestRecord? {
        try write("cancel staff request \(id)") { db in
            guard var request = try StaffRequestRecord.fetchOne(db, key: id) else { return nil }
            guard request.state == "open" else { return request }
            request.state = "cancelled"
            try request.update(db)
            try Self.enqueue(db, entity: .staffRequest, key: String(id), patch: ["state": .string("cancelled")], at: at)
            return request
        }
    }

    /// Marks request `id` done (brought); nil when there is no such request. One the shopper cancelled stays
    /// cancelled.
    public func completeStaffRequest(_ id: Int64, at: Date = Date()) throws(StoreError) -> StaffRequestRecord? {
        try write("complete staff request \(id)") { db in
            guard var request = try StaffRequestRecord.fetchOne(db, key: id) else { return nil }
            if request.state == "open" {
                request.state = "done"
                request.doneAt = at
                try request.update(db)
                try Self.enqueue(
                    db, entity: .staffRequest, key: String(id),
                    patch: [
                        "state": .string("done"),
                        "doneAt": .number((at.timeIntervalSince1970 * 1000).rounded()),
                    ], at: at)
            }
            return request
        }
    }
}
