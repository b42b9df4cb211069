import Foundation
import MirrorCore
public import MirrorProtocol
import Synchronization

extension HubStore {
    // MARK: Sync

    /// A mirror's hello: marks it seen and answers what the hub holds. `address` (where the request came from) and
    /// `telemetryPort` say where the fleet view pulls its telemetry, over HTTPS trusting only the certificate whose
    /// SHA-256 is `telemetrySHA256` when the mirror gave one; `version` is the mirror's software.
    public func hello(
        device principal: Principal, address: String? = nil, telemetryPort: Int? = nil,
        telemetrySHA256: [UInt8]? = nil, version: String? = nil
    ) async throws -> SyncHello {
        let device = try deviceIdentity(principal)
        let at = now()
        let acked = try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE devices SET last_seen_ms = ?, address = COALESCE(?, address), telemetry_port = ?,
                    telemetry_sha256 = ?, version = COALESCE(?, version)
                WHERE id = ? RETURNING acked_seq
                """, .int(at), SQLValue(address), SQLValue(telemetryPort.map(Int64.init)),
                SQLValue(telemetrySHA256.map(CertificateFingerprint.hex)), SQLValue(version), .text(device.id)
            ).first?.int(0) ?? 0
        }
        return SyncHello(
            deviceId: device.id, storeId: device.store, epoch: epoch, ackedSeq: acked, serverHLC: stamp())
    }

    /// Applies a device's ops once each, in one transaction, and answers the highest gap-free sequence held.
    public func push(device principal: Principal, _ request: SyncPushRequest) async throws -> SyncPushResponse {
        let device = try deviceIdentity(principal)
        guard request.ops.count <= SyncPushRequest.maxOps else {
            throw HubError(.badRequest, "at most \(SyncPushRequest.maxOps) ops per push")
        }
        let at = now()
        var ops = request.ops.sorted(by: { $0.seq < $1.seq })
        for op in ops { try Validate.op(op) }
        // Clamped as one run, so a fast clock's ops keep the device's order (a request's "done" after its "open").
        let stamps = clock.withLock { $0.receive(run: ops.map(\.hlc), wallMillis: at) }
        for index in ops.indices { ops[index].hlc = stamps[index] }
        let frozen = ops
        let (acked, applied, duplicates) = try await database.transaction { tx -> (Int64, Int, Int) in
            var applied = 0
            var duplicates = 0
            var visits: Set<VisitKey> = []
            for op in frozen {
                let inserted = try await tx.query(
                    """
                    INSERT INTO device_ops (device_id, op_id, seq, hlc, entity, received_ms) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, .text(device.id), .text(op.opId), .int(op.seq), .int(op.hlc.raw), .text(op.entity.rawValue),
                    .int(at))
                if inserted.isEmpty {
                    let same = try await tx.query(
                        "SELECT seq FROM device_ops WHERE device_id = ? AND op_id = ?", .text(device.id),
                        .text(op.opId))
                    guard same.first?.int(0) == op.seq else {
                        throw HubError(
                            .conflict, "sequence \(op.seq) was already used by another op of this device")
                    }
                    duplicates += 1
                    continue
                }
                try await apply(op, device: device, received: at, tx: tx)
                applied += 1
                if let visit = try await visitOf(op, device: device.id, tx: tx) { visits.insert(visit) }
            }
            // What the ops changed in tried → bought, in the same transaction.
            try await refreshPairs(visits, tx: tx)
            var acked =
                try await tx.query("SELECT acked_seq FROM devices WHERE id = ?", .text(device.id)).first?.int(0) ?? 0
            while true {
                let next = try await tx.query(
                    "SELECT seq FROM device_ops WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT 500",
                    .text(device.id), .int(acked))
                var advanced = false
                for row in next where row.int(0) == acked + 1 {
                    acked += 1
                    advanced = true
                }
                if !advanced || next.count < 500 { break }
            }
            try await tx.query(
                "UPDATE devices SET acked_seq = ?, last_seen_ms = ?, last_hlc = ? WHERE id = ?", .int(acked), .int(at),
                .int(frozen.last?.hlc.raw ?? 0), .text(device.id))
            return (acked, applied, duplicates)
        }
        return SyncPushResponse(
            ackedSeq: acked, applied: applied, duplicates: duplicates, epoch: epoch, serverHLC: stamp())
    }

    /// The visit whose try-on pairs a session event (a try-on, a shopper identified or not) or a staff request may
    /// change (a request's later ops may not repeat its session: its row has it).
    func visitOf(_ op: SyncOp, device: String, tx: any SQLTransaction) async throws -> VisitKey? {
        switch op.entity {
        case .sessionEvent:
            let changes = [VisitEventKind.triedOn, VisitEventKind.identified, VisitEventKind.unidentified]
            guard let session = op.patch["sessionId"]?.string, !session.isEmpty,
                changes.contains(op.patch["kind"]?.string ?? "")
            else { return nil }
            return VisitKey(device: device, session: session)
        case .staffRequest:
            let row = try await tx.query(
                "SELECT session_id FROM staff_requests WHERE device_id = ? AND id = ?", .text(device), .text(op.key))
            guard let session = row.first?.text(0), !session.isEmpty else { return nil }
            return VisitKey(device: device, session: session)
        default: return nil
        }
    }

    /// When something a device reports happened, by the hub's rules for stamps: the device's own time, unless it
    /// is further ahead of the hub's clock than the clock's drift allows, or older than the longest a mirror may
    /// be offline (a clock at 1970): then the time the hub received it.
    static func eventTime(_ reported: Int64?, received: Int64) -> Int64 {
        guard let reported, reported <= received + HybridClock().maxDriftMillis,
            reported >= received - maxOfflineMillis
        else { return received }
        return reported
    }

    /// The longest a mirror's report may take to arrive and still count when the device says it happened.
    public static let maxOfflineMillis: Int64 = 30 * 24 * 3600 * 1000

    func apply(_ op: SyncOp, device: (id: String, store: String), received: Int64, tx: any SQLTransaction)
        async throws
    {
        let patch = op.patch
        switch op.entity {
        case .sessionEvent:
            let session = patch["sessionId"]?.string ?? ""
            let kind = patch["kind"]?.string ?? ""
            try await tx.query(
                """
                INSERT INTO session_events (device_id, id, store_id, session_id, at_ms, kind, sku, size, detail, hlc,
                    via, score, suggestion_kind, tried_size, rating, received_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, .text(device.id), .text(op.key), .text(device.store), .text(session),
                .int(Self.eventTime(patch["at"]?.int, received: received)), .text(kind),
                SQLValue(patch["sku"]?.string), SQLValue(patch["size"]?.string),
                .text(patch["detail"]?.string ?? ""), .int(op.hlc.raw), SQLValue(patch["via"]?.string),
                patch["score"]?.number.map { .double($0) } ?? .null, SQLValue(patch["suggestionKind"]?.string),
                SQLValue(patch["triedSize"]?.string), SQLValue(patch["rating"]?.int), .int(received))
            // Which shopper the visit was (by subject hash), for try-on to sale by loyalty code; never for an
            // erased one.
            if kind == VisitEventKind.identified, let subject = patch["subject"]?.string, !session.isEmpty {
                let erased = try await tx.query("SELECT 1 FROM erasures WHERE subject_hash = ?", .text(subject))
                if erased.isEmpty {
                    try await tx.query(
                        """
                        INSERT INTO visit_shoppers (device_id, session_id, subject_hash) VALUES (?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """, .text(device.id), .text(session), .text(subject))
                }
            }
            if kind == VisitEventKind.unidentified, let subject = patch["subject"]?.string, !session.isEmpty {
                try await tx.query(
                    "DELETE FROM visit_shoppers WHERE device_id = ? AND session_id = ? AND subject_hash = ?",
                    .text(device.id), .text(session), .text(subject))
            }
        case .staffRequest:
            // Fields set at creation fill in whichever op arrives first; state follows the latest stamp, so a
            // "done" that overtakes its "open" on the network is not undone by it.
            try await tx.query(
                """
                INSERT INTO staff_requests (device_id, id, store_id, session_id, at_ms, sku, size, description,
                    state, done_ms, hlc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (device_id, id) DO UPDATE SET
                    session_id = CASE WHEN staff_requests.session_id = '' THEN excluded.session_id
                        ELSE staff_requests.session_id END,
                    at_ms = CASE WHEN staff_requests.at_ms = 0 THEN excluded.at_ms ELSE staff_requests.at_ms END,
                    sku = CASE WHEN staff_requests.sku = '' THEN excluded.sku ELSE staff_requests.sku END,
                    size = COALESCE(staff_requests.size, excluded.size),
                    description = CASE WHEN staff_requests.description = '' THEN excluded.description
                        ELSE staff_requests.description END,
                    state = CASE WHEN excluded.hlc > staff_requests.hlc THEN excluded.state
                        ELSE staff_requests.state END,
                    done_ms = CASE WHEN excluded.hlc > staff_requests.hlc THEN excluded.done_ms
                        ELSE staff_requests.done_ms END,
                    hlc = CASE WHEN excluded.hlc > staff_requests.hlc THEN excluded.hlc ELSE staff_requests.hlc END
                """, .text(device.id), .text(op.key), .text(device.store), .text(patch["sessionId"]?.string ?? ""),
                .int(patch["at"]?.int.map { Self.eventTime($0, received: received) } ?? 0),
                .text(patch["sku"]?.string ?? ""), SQLValue(patch["size"]?.string),
                .text(patch["description"]?.string ?? ""), .text(patch["state"]?.string ?? "open"),
                SQLValue(patch["doneAt"]?.int.map { Self.eventTime($0, received: received) }), .int(op.hlc.raw))
        case .shopper:
            // Only shoppers head office knows, never erased ones; the mirror cannot create a profile.
            let known = try await tx.query("SELECT 1 FROM shoppers WHERE loyalty_id = ?", .text(op.key))
            guard !known.isEmpty, try await !isErased(op.key, tx: tx) else { return }
            for (field, value) in patch.sorted(by: { $0.key < $1.key }) {
                try await setField(
                    loyaltyId: op.key, field: field, value: value, hlc: op.hlc, writer: device.id, tx: tx)
            }
        case .savedLook:
            // Only for shoppers head office knows and has not erased.
            let loyaltyId = patch["loyaltyId"]?.string ?? ""
            let known = try await tx.query("SELECT 1 FROM shoppers WHERE loyalty_id = ?", .text(loyaltyId))
            guard !known.isEmpty, try await !isErased(loyaltyId, tx: tx) else { return }
            let garments = String(
                decoding: try JSONEncoder().encode(patch["garments"] ?? .array([])), as: UTF8.self)
            try await tx.query(
                """
                INSERT INTO saved_looks (loyalty_id, id, device_id, store_id, at_ms, garments)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, .text(loyaltyId), .text(op.key), .text(device.id), .text(device.store),
                .int(patch["at"]?.int ?? 0), .text(garments))
        case .consent:
            // An empty loyalty code: the device redacted it because the shopper was erased.
            let loyaltyId = patch["loyaltyId"]?.string ?? ""
            guard !loyaltyId.isEmpty, try await !isErased(loyaltyId, tx: tx) else { return }
            try await tx.query(
                """
                INSERT INTO consents (id, loyalty_id, purpose, version, granted, hlc, source)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, .text(op.key), .text(loyaltyId), .text(patch["purpose"]?.string ?? ""),
                .int(patch["version"]?.int ?? 1), .int(patch["granted"]?.bool == true ? 1 : 0), .int(op.hlc.raw),
                .text("device:\(device.id)"))
        }
    }

    /// Shared data changed since `cursor`: catalog and erasures for everyone, inventory for the device's store.
    public func pull(device principal: Principal, epoch clientEpoch: String?, cursor: Int64, limit: Int) async throws
        -> SyncPullResponse
    {
        let device = try deviceIdentity(principal)
        let start = clientEpoch == epoch ? max(0, cursor) : 0
        let page = min(max(1, limit), Self.maxPullPage)
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT seq, kind, key, body FROM changes WHERE seq > ? AND (store_id IS NULL OR store_id = ?)
                ORDER BY seq LIMIT ?
                """, .int(start), .text(device.store), .int(Int64(page + 1)))
        }
        let decoder = JSONDecoder()
        var changes: [SyncChange] = []
        for row in rows.prefix(page) {
            guard let kind = SyncChangeKind(rawValue: row.text(1)) else { continue }
            let body = try row.optionalText(3).map { try decoder.decode(JSONValue.self, from: Data($0.utf8)) }
            changes.append(SyncChange(seq: row.int(0), kind: kind, key: row.text(2), body: body))
        }
        return SyncPullResponse(
            epoch: epoch, cursor: changes.last?.seq ?? start, changes: changes, more: rows.count > page,
            serverHLC: stamp())
    }

    func deviceIdentity(_ principal: Principal) throws -> (id: String, store: String) {
        guard principal.role == .device, let id = principal.deviceId, let store = principal.storeId else {
            throw HubError(.forbidden, "only an enrolled device may sync")
        }
        return (id, store)
    }

    /// Appends to the pull log. On PostgreSQL the table is locked first, so sequence numbers become visible in
    /// order: a device never pulls change 11 while change 10 is still uncommitted and then skips it.
    func appendChange(
        _ kind: SyncChangeKind, key: String, store: String?, body: String?, tx: any SQLTransaction
    ) async throws {
        if database.dialect.name == SQLDialect.postgres.name {
            try await tx.query("LOCK TABLE changes IN EXCLUSIVE MODE")
        }
        try await tx.query(
            "INSERT INTO changes (kind, key, store_id, body, at_ms) VALUES (?, ?, ?, ?, ?)", .text(kind.rawValue),
            .text(key), SQLValue(store), SQLValue(body), .int(now()))
    }
}
