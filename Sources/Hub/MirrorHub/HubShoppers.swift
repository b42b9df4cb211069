import Foundation
import MirrorCore
public import MirrorProtocol
import Synchronization

extension HubStore {
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

    func setField(
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
            // The visits lose their link to the shopper; the tills' lines stay (they are the store's sales), without
            // it; the match runs again around both, as anonymous visits and lines without a code.
            let (visits, lines) = try await self.matchesOf(subject: subject, tx: tx)
            try await tx.query("DELETE FROM visit_shoppers WHERE subject_hash = ?", .text(subject))
            try await tx.query(
                "UPDATE sales SET loyalty_id = NULL, subject_hash = NULL WHERE subject_hash = ?", .text(subject))
            try await self.refreshPairs(visits, alsoAround: lines, tx: tx)
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

    func isErased(_ loyaltyId: String, tx: any SQLTransaction) async throws -> Bool {
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
