import Foundation
import MirrorCore
import MirrorSuggest
import Synchronization

/// The hub's data and rules, written once over ``HubDatabase`` so SQLite and PostgreSQL behave the same.
public final class HubStore: Sendable {
    public let database: any HubDatabase
    /// Changes at every start: a device whose pull cursor is from another epoch starts again from zero, so a hub
    /// restored from an older backup (whose change log went back) cannot leave devices skipping changes.
    public let epoch: String
    private let clock: Mutex<HybridClock>
    private let wallClock: @Sendable () -> Int64

    /// The most changes one pull returns.
    public static let maxPullPage = 1000
    /// How long an enrolment token stays valid.
    public static let enrolmentTokenLifetimeMillis: Int64 = 24 * 3600 * 1000

    /// Opens `database`, bringing its schema up to date.
    public init(
        database: any HubDatabase, wallClock: @escaping @Sendable () -> Int64 = { HubStore.systemMillis() }
    ) async throws {
        self.database = database
        self.wallClock = wallClock
        epoch = ULID.make()
        clock = Mutex(HybridClock())
        try await HubSchema.migrate(database)
    }

    public static func systemMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func now() -> Int64 { wallClock() }

    /// A stamp for a change made at the hub.
    public func stamp() -> HLC {
        let wall = now()
        return clock.withLock { $0.now(wallMillis: wall) }
    }

    // MARK: Stores and credentials

    public func addStore(id: String, name: String) async throws {
        try Validate.identifier(id, "store id")
        try Validate.text(name, "store name", max: 200)
        let created = now()
        let inserted = try await database.transaction { tx in
            try await tx.query(
                "INSERT INTO stores (id, name, created_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
                .text(id), .text(name), .int(created))
        }
        if inserted.isEmpty { throw HubError(.conflict, "store \(id) already exists") }
    }

    public func stores(visibleTo principal: Principal? = nil) async throws -> [StoreInfo] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT s.id, s.name, (SELECT COUNT(*) FROM devices d WHERE d.store_id = s.id)
                FROM stores s ORDER BY s.id
                """)
        }
        return rows.map { StoreInfo(id: $0.text(0), name: $0.text(1), devices: Int($0.int(2))) }
            .filter { principal?.canAccess(store: $0.id) ?? true }
    }

    /// A new bearer credential for a person (staff of one store, or head office), printed once by the caller.
    public func createCredential(role: HubRole, store: String?, name: String) async throws -> String {
        guard role != .device else { throw HubError(.badRequest, "devices get credentials by enrolling") }
        if role == .staff {
            guard let store else { throw HubError(.badRequest, "a staff credential needs --store") }
            try await requireStore(store)
        }
        try Validate.text(name, "name", max: 200)
        let id = "c" + ULID.make().lowercased()
        let secret = Secrets.random()
        let created = now()
        try await database.transaction { tx in
            try await tx.query(
                """
                INSERT INTO credentials (id, role, store_id, device_id, name, secret_hash, created_ms)
                VALUES (?, ?, ?, NULL, ?, ?, ?)
                """, .text(id), .text(role.rawValue), SQLValue(role == .staff ? store : nil), .text(name),
                .text(Secrets.hash(secret)), .int(created))
        }
        return "\(id).\(secret)"
    }

    /// Revokes a credential: it stops working at once.
    public func revokeCredential(id: String) async throws -> Bool {
        let at = now()
        return try await !database.transaction { tx in
            try await tx.query(
                "UPDATE credentials SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL RETURNING 1", .int(at),
                .text(id))
        }.isEmpty
    }

    /// The caller a bearer token stands for, or nil when it is unknown, wrong or revoked.
    public func authenticate(bearer token: String) async throws -> Principal? {
        guard let (id, secret) = Secrets.split(token) else { return nil }
        let rows = try await database.transaction { tx in
            try await tx.query(
                "SELECT role, store_id, device_id, secret_hash FROM credentials WHERE id = ? AND revoked_ms IS NULL",
                .text(id))
        }
        guard let row = rows.first, Secrets.equal(row.text(3), Secrets.hash(secret)),
            let role = HubRole(rawValue: row.text(0))
        else { return nil }
        return Principal(credentialId: id, role: role, storeId: row.optionalText(1), deviceId: row.optionalText(2))
    }

    /// A one-time token that enrols one device into `store`, valid for a day.
    public func createEnrolmentToken(store: String) async throws -> (token: String, expiresMillis: Int64) {
        try await requireStore(store)
        let id = "e" + ULID.make().lowercased()
        let secret = Secrets.random()
        let created = now()
        let expires = created + Self.enrolmentTokenLifetimeMillis
        try await database.transaction { tx in
            try await tx.query(
                """
                INSERT INTO enrolment_tokens (id, store_id, secret_hash, created_ms, expires_ms)
                VALUES (?, ?, ?, ?, ?)
                """, .text(id), .text(store), .text(Secrets.hash(secret)), .int(created), .int(expires))
        }
        return ("\(id).\(secret)", expires)
    }

    /// Trades an enrolment token for a device identity and credential; the token works once.
    public func enrol(_ request: EnrolRequest) async throws -> EnrolResponse {
        try Validate.text(request.name, "device name", max: 200)
        guard let (tokenId, secret) = Secrets.split(request.token) else {
            throw HubError(.unauthorized, "the enrolment token is not valid")
        }
        let at = now()
        let deviceId = "d" + ULID.make().lowercased()
        let credentialId = "c" + ULID.make().lowercased()
        let deviceSecret = Secrets.random()
        let store = try await database.transaction { tx -> String in
            // Marking the token used is the first write, so two enrolments racing on one token cannot both win.
            let rows = try await tx.query(
                """
                UPDATE enrolment_tokens SET used_ms = ?, device_id = ?
                WHERE id = ? AND used_ms IS NULL AND expires_ms > ? RETURNING store_id, secret_hash
                """, .int(at), .text(deviceId), .text(tokenId), .int(at))
            guard let row = rows.first, Secrets.equal(row.text(1), Secrets.hash(secret)) else {
                throw HubError(.unauthorized, "the enrolment token is unknown, used or expired; ask for a new one")
            }
            let store = row.text(0)
            try await tx.query(
                "INSERT INTO devices (id, store_id, name, enrolled_ms) VALUES (?, ?, ?, ?)", .text(deviceId),
                .text(store), .text(request.name), .int(at))
            try await tx.query(
                """
                INSERT INTO credentials (id, role, store_id, device_id, name, secret_hash, created_ms)
                VALUES (?, 'device', ?, ?, ?, ?, ?)
                """, .text(credentialId), .text(store), .text(deviceId), .text(request.name),
                .text(Secrets.hash(deviceSecret)), .int(at))
            return store
        }
        return EnrolResponse(deviceId: deviceId, storeId: store, credential: "\(credentialId).\(deviceSecret)")
    }

    public func devices(visibleTo principal: Principal? = nil) async throws -> [DeviceInfo] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT id, store_id, name, enrolled_ms, last_seen_ms, acked_seq,
                    (SELECT MAX(seq) FROM device_ops o WHERE o.device_id = d.id)
                FROM devices d ORDER BY store_id, name, id
                """)
        }
        return rows.map {
            DeviceInfo(
                id: $0.text(0), storeId: $0.text(1), name: $0.text(2), enrolledMillis: $0.int(3),
                lastSeenMillis: $0.optionalInt(4), ackedSeq: $0.int(5), highestSeq: $0.optionalInt(6) ?? 0)
        }.filter { principal?.canAccess(store: $0.storeId) ?? true }
    }

    private func requireStore(_ store: String) async throws {
        let rows = try await database.transaction { tx in
            try await tx.query("SELECT 1 FROM stores WHERE id = ?", .text(store))
        }
        if rows.isEmpty { throw HubError(.notFound, "no store \(store); add it first") }
    }

    // MARK: Sync

    /// A mirror's hello: marks it seen and answers what the hub holds. `address` (where the request came from) and
    /// `telemetryPort` say where the fleet view pulls its telemetry; `version` is the mirror's software.
    public func hello(
        device principal: Principal, address: String? = nil, telemetryPort: Int? = nil, version: String? = nil
    ) async throws -> SyncHello {
        let device = try deviceIdentity(principal)
        let at = now()
        let acked = try await database.transaction { tx in
            try await tx.query(
                """
                UPDATE devices SET last_seen_ms = ?, address = COALESCE(?, address), telemetry_port = ?,
                    version = COALESCE(?, version)
                WHERE id = ? RETURNING acked_seq
                """, .int(at), SQLValue(address), SQLValue(telemetryPort.map(Int64.init)), SQLValue(version),
                .text(device.id)
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
        var ops: [SyncOp] = []
        for op in request.ops.sorted(by: { $0.seq < $1.seq }) {
            try Validate.op(op)
            var op = op
            op.hlc = clock.withLock { $0.receive(op.hlc, wallMillis: at) }
            ops.append(op)
        }
        let frozen = ops
        let (acked, applied, duplicates) = try await database.transaction { tx -> (Int64, Int, Int) in
            var applied = 0
            var duplicates = 0
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
                try await apply(op, device: device, tx: tx)
                applied += 1
            }
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

    private func apply(_ op: SyncOp, device: (id: String, store: String), tx: any SQLTransaction) async throws {
        let patch = op.patch
        switch op.entity {
        case .sessionEvent:
            try await tx.query(
                """
                INSERT INTO session_events (device_id, id, store_id, session_id, at_ms, kind, sku, size, detail, hlc)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, .text(device.id), .text(op.key), .text(device.store), .text(patch["sessionId"]?.string ?? ""),
                .int(patch["at"]?.int ?? op.hlc.millis), .text(patch["kind"]?.string ?? ""),
                SQLValue(patch["sku"]?.string), SQLValue(patch["size"]?.string),
                .text(patch["detail"]?.string ?? ""), .int(op.hlc.raw))
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
                .int(patch["at"]?.int ?? 0), .text(patch["sku"]?.string ?? ""), SQLValue(patch["size"]?.string),
                .text(patch["description"]?.string ?? ""), .text(patch["state"]?.string ?? "open"),
                SQLValue(patch["doneAt"]?.int), .int(op.hlc.raw))
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

    private func deviceIdentity(_ principal: Principal) throws -> (id: String, store: String) {
        guard principal.role == .device, let id = principal.deviceId, let store = principal.storeId else {
            throw HubError(.forbidden, "only an enrolled device may sync")
        }
        return (id, store)
    }

    /// Appends to the pull log. On PostgreSQL the table is locked first, so sequence numbers become visible in
    /// order: a device never pulls change 11 while change 10 is still uncommitted and then skips it.
    private func appendChange(
        _ kind: SyncChangeKind, key: String, store: String?, body: String?, tx: any SQLTransaction
    ) async throws {
        if database.dialect.name == SQLDialect.postgres.name {
            try await tx.query("LOCK TABLE changes IN EXCLUSIVE MODE")
        }
        try await tx.query(
            "INSERT INTO changes (kind, key, store_id, body, at_ms) VALUES (?, ?, ?, ?, ?)", .text(kind.rawValue),
            .text(key), SQLValue(store), SQLValue(body), .int(now()))
    }

    // MARK: Catalog and inventory

    /// Replaces or adds catalog items; unchanged items are not sent to devices again. Returns how many changed.
    public func putCatalog(_ items: [CatalogItem]) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bodies = try items.map { item -> (String, String) in
            try Validate.identifier(item.sku, "sku")
            return (item.sku, String(decoding: try encoder.encode(item), as: UTF8.self))
        }
        let at = now()
        return try await database.transaction { tx in
            var changed = 0
            for (sku, body) in bodies {
                let rows = try await tx.query(
                    """
                    INSERT INTO catalog (sku, body, updated_ms) VALUES (?, ?, ?)
                    ON CONFLICT (sku) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms
                    WHERE catalog.body <> excluded.body RETURNING 1
                    """, .text(sku), .text(body), .int(at))
                if rows.isEmpty { continue }
                try await self.appendChange(.catalogItem, key: sku, store: nil, body: body, tx: tx)
                changed += 1
            }
            return changed
        }
    }

    /// Sets the stock of `store` for the SKUs given (units per size). Returns how many SKUs changed.
    public func putInventory(store: String, stock: [String: [String: Int]]) async throws -> Int {
        try await requireStore(store)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bodies = try stock.sorted(by: { $0.key < $1.key }).map { sku, sizes -> (String, String) in
            try Validate.identifier(sku, "sku")
            guard sizes.values.allSatisfy({ $0 >= 0 && $0 < 1_000_000 }) else {
                throw HubError(.badRequest, "stock of \(sku) must be whole units from 0")
            }
            return (sku, String(decoding: try encoder.encode(["sizes": sizes]), as: UTF8.self))
        }
        return try await database.transaction { tx in
            var changed = 0
            for (sku, body) in bodies {
                let rows = try await tx.query(
                    """
                    INSERT INTO inventory (store_id, sku, body) VALUES (?, ?, ?)
                    ON CONFLICT (store_id, sku) DO UPDATE SET body = excluded.body
                    WHERE inventory.body <> excluded.body RETURNING 1
                    """, .text(store), .text(sku), .text(body))
                if rows.isEmpty { continue }
                try await self.appendChange(.inventory, key: sku, store: store, body: body, tx: tx)
                changed += 1
            }
            return changed
        }
    }

    // MARK: Shoppers, consent, erasure

    /// Sets profile fields from head office (stamped by the hub's clock), creating the shopper if new.
    public func putShopper(loyaltyId: String, fields: [String: JSONValue], writer: String) async throws {
        try Validate.identifier(loyaltyId, "loyalty id")
        for (field, value) in fields { try Validate.shopperField(field, value) }
        let hlc = stamp()
        let at = now()
        try await database.transaction { tx in
            if try await self.isErased(loyaltyId, tx: tx) {
                throw HubError(.conflict, "this shopper was erased; a new profile needs a new loyalty id")
            }
            try await tx.query(
                "INSERT INTO shoppers (loyalty_id, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING",
                .text(loyaltyId), .int(at))
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                try await self.setField(
                    loyaltyId: loyaltyId, field: field, value: value, hlc: hlc, writer: writer, tx: tx)
            }
        }
    }

    /// Imports a profile from head office's customer records: its fields and purchases (purchase ids derive from
    /// the loyalty id and position, so importing the same file again adds nothing), and, with `consentSource`, a
    /// grant of the profile purpose for a shopper with no consent record for it yet: an import never overrides a
    /// withdrawal. Erased shoppers are skipped; returns whether the shopper was imported.
    public func importShopper(_ profile: ShopperProfile, consentSource: String?) async throws -> Bool {
        let id = profile.loyaltyID
        try Validate.identifier(id, "loyalty id")
        if try await database.transaction({ tx in try await self.isErased(id, tx: tx) }) { return false }
        var fields: [String: JSONValue] = [
            "colours": .array(profile.colours.map(JSONValue.string)),
            "dislikes.colours": .array(profile.dislikes.colours.map(JSONValue.string)),
            "dislikes.categories": .array(profile.dislikes.categories.map(JSONValue.string)),
            "dislikes.brands": .array(profile.dislikes.brands.map(JSONValue.string)),
            "dislikes.skus": .array(profile.dislikes.skus.map(JSONValue.string)),
        ]
        for (category, size) in profile.sizes { fields["sizes.\(category)"] = .string(size) }
        try await putShopper(loyaltyId: id, fields: fields, writer: "import")
        for (index, sku) in profile.purchases.enumerated() {
            try await addPurchase(loyaltyId: id, sku: sku, size: nil, atMillis: now(), id: "import-\(id)-\(index)")
        }
        guard let consentSource else { return true }
        let hlc = stamp()
        try await database.transaction { tx in
            let recorded = try await tx.query(
                "SELECT 1 FROM consents WHERE loyalty_id = ? AND purpose = ?", .text(id),
                .text(ConsentPurpose.profile))
            guard recorded.isEmpty else { return }
            try await tx.query(
                """
                INSERT INTO consents (id, loyalty_id, purpose, version, granted, hlc, source)
                VALUES (?, ?, ?, ?, 1, ?, ?)
                """, .text(ULID.make()), .text(id), .text(ConsentPurpose.profile), .int(ConsentPurpose.profileVersion),
                .int(hlc.raw), .text(consentSource))
        }
        return true
    }

    private func setField(
        loyaltyId: String, field: String, value: JSONValue, hlc: HLC, writer: String, tx: any SQLTransaction
    ) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        try await tx.query(
            """
            INSERT INTO shopper_fields (loyalty_id, field, value, hlc, writer) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (loyalty_id, field) DO UPDATE SET value = excluded.value, hlc = excluded.hlc,
                writer = excluded.writer
            WHERE excluded.hlc > shopper_fields.hlc
                OR (excluded.hlc = shopper_fields.hlc AND excluded.writer > shopper_fields.writer)
            """, .text(loyaltyId), .text(field), .text(text), .int(hlc.raw), .text(writer))
    }

    public func addPurchase(loyaltyId: String, sku: String, size: String?, atMillis: Int64, id: String? = nil)
        async throws
    {
        try Validate.identifier(sku, "sku")
        let purchaseId = id ?? ULID.make()
        try await database.transaction { tx in
            guard try await !self.isErased(loyaltyId, tx: tx) else { return }
            try await tx.query(
                "INSERT INTO purchases (id, loyalty_id, sku, size, at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                .text(purchaseId), .text(loyaltyId), .text(sku), SQLValue(size), .int(atMillis))
        }
    }

    /// Records a consent given or withdrawn by head office (a shopper's choice in the app or at the till).
    public func recordConsent(loyaltyId: String, purpose: String, version: Int64, granted: Bool, source: String)
        async throws
    {
        try Validate.identifier(purpose, "purpose")
        let hlc = stamp()
        try await database.transaction { tx in
            guard try await !self.isErased(loyaltyId, tx: tx) else {
                throw HubError(.conflict, "this shopper was erased")
            }
            try await tx.query(
                """
                INSERT INTO consents (id, loyalty_id, purpose, version, granted, hlc, source)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, .text(ULID.make()), .text(loyaltyId), .text(purpose), .int(version), .int(granted ? 1 : 0),
                .int(hlc.raw), .text(source))
        }
    }

    /// Whether `purpose` is consented at `version`: the latest grant for that version is later than every
    /// withdrawal (of any version). A tie goes to the withdrawal.
    public func consented(loyaltyId: String, purpose: String, version: Int64) async throws -> Bool {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT COALESCE(MAX(CASE WHEN granted = 1 AND version = ? THEN hlc END), -1),
                    COALESCE(MAX(CASE WHEN granted = 0 THEN hlc END), -1)
                FROM consents WHERE loyalty_id = ? AND purpose = ?
                """, .int(version), .text(loyaltyId), .text(purpose))
        }
        guard let row = rows.first else { return false }
        return row.int(0) >= 0 && row.int(0) > row.int(1)
    }

    /// A shopper's profile as the suggestion engine reads it, or nil when unknown or erased.
    public func shopper(loyaltyId: String) async throws -> ShopperProfile? {
        let found = try await database.transaction {
            tx -> (fields: [SQLRow], purchases: [SQLRow], looks: [SQLRow])? in
            let known = try await tx.query("SELECT 1 FROM shoppers WHERE loyalty_id = ?", .text(loyaltyId))
            guard !known.isEmpty else { return nil }
            let fields = try await tx.query(
                "SELECT field, value FROM shopper_fields WHERE loyalty_id = ? ORDER BY field", .text(loyaltyId))
            let purchases = try await tx.query(
                "SELECT sku FROM purchases WHERE loyalty_id = ? ORDER BY at_ms, id", .text(loyaltyId))
            let looks = try await tx.query(
                "SELECT id, store_id, at_ms, garments FROM saved_looks WHERE loyalty_id = ? ORDER BY at_ms, id",
                .text(loyaltyId))
            return (fields, purchases, looks)
        }
        guard let (fields, purchases, looks) = found else { return nil }
        var profile = ShopperProfile(loyaltyID: loyaltyId)
        let decoder = JSONDecoder()
        for row in fields {
            let value = try decoder.decode(JSONValue.self, from: Data(row.text(1).utf8))
            ShopperFields.apply(row.text(0), value, to: &profile)
        }
        profile.purchases = purchases.map { $0.text(0) }
        profile.savedLooks = looks.map { row in
            ShopperProfile.SavedLook(
                id: row.text(0), store: row.text(1), atMillis: row.int(2),
                garments: (try? decoder.decode([String].self, from: Data(row.text(3).utf8))) ?? [])
        }
        return profile
    }

    /// Erases a shopper: profile, consents and purchases deleted, a tombstone (by hash) kept and sent to every
    /// device, which purges what it cached and crypto-shreds the shopper's clips.
    public func erase(loyaltyId: String, by requester: String) async throws {
        let subject = SubjectHash.of(loyaltyId: loyaltyId)
        let at = now()
        try await database.transaction { tx in
            for table in ["shopper_fields", "consents", "purchases", "saved_looks", "shoppers"] {
                try await tx.query("DELETE FROM \(table) WHERE loyalty_id = ?", .text(loyaltyId))
            }
            let inserted = try await tx.query(
                """
                INSERT INTO erasures (subject_hash, requested_ms, requested_by) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING 1
                """, .text(subject), .int(at), .text(requester))
            if !inserted.isEmpty {
                try await self.appendChange(.erasure, key: subject, store: nil, body: nil, tx: tx)
            }
        }
    }

    private func isErased(_ loyaltyId: String, tx: any SQLTransaction) async throws -> Bool {
        try await !tx.query(
            "SELECT 1 FROM erasures WHERE subject_hash = ?", .text(SubjectHash.of(loyaltyId: loyaltyId))
        ).isEmpty
    }

    // MARK: What happened in stores

    public func events(store: String, afterMillis: Int64 = 0, limit: Int = 200) async throws -> [HubSessionEvent] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT device_id, id, session_id, at_ms, kind, sku, size, detail FROM session_events
                WHERE store_id = ? AND at_ms > ? ORDER BY at_ms, device_id, id LIMIT ?
                """, .text(store), .int(afterMillis), .int(Int64(min(max(1, limit), 1000))))
        }
        return rows.map {
            HubSessionEvent(
                deviceId: $0.text(0), id: $0.text(1), sessionId: $0.text(2), atMillis: $0.int(3), kind: $0.text(4),
                sku: $0.optionalText(5), size: $0.optionalText(6), detail: $0.text(7))
        }
    }

    public func staffRequests(store: String, openOnly: Bool) async throws -> [HubStaffRequest] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT device_id, id, session_id, at_ms, sku, size, description, state, done_ms FROM staff_requests
                WHERE store_id = ? AND (? = 0 OR state = 'open') ORDER BY at_ms, device_id, id
                """, .text(store), .int(openOnly ? 1 : 0))
        }
        return rows.map {
            HubStaffRequest(
                deviceId: $0.text(0), id: $0.text(1), sessionId: $0.text(2), atMillis: $0.int(3), sku: $0.text(4),
                size: $0.optionalText(5), description: $0.text(6), state: $0.text(7), doneMillis: $0.optionalInt(8))
        }
    }
}

public struct StoreInfo: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var devices: Int
}

public struct DeviceInfo: Codable, Sendable, Hashable {
    public var id: String
    public var storeId: String
    public var name: String
    public var enrolledMillis: Int64
    public var lastSeenMillis: Int64?
    /// The highest sequence held without a gap, and the highest held at all (above the first: ops in flight).
    public var ackedSeq: Int64
    public var highestSeq: Int64
}

public struct HubSessionEvent: Codable, Sendable, Hashable {
    public var deviceId: String
    public var id: String
    public var sessionId: String
    public var atMillis: Int64
    public var kind: String
    public var sku: String?
    public var size: String?
    public var detail: String
}

public struct HubStaffRequest: Codable, Sendable, Hashable {
    public var deviceId: String
    public var id: String
    public var sessionId: String
    public var atMillis: Int64
    public var sku: String
    public var size: String?
    public var description: String
    public var state: String
    public var doneMillis: Int64?
}
