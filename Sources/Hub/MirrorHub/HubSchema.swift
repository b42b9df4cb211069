/// The hub's schema, as numbered migrations run once each in order, in the same words for SQLite and PostgreSQL.
/// Never edit a shipped migration: add the next one.
///
/// Times are milliseconds since 1970 (`*_ms`), stamps are packed hybrid logical clocks (`hlc`), JSON is text.
enum HubSchema {
    static let migrations: [[String]] = [
        // 1: stores, credentials, devices, the sync log, shoppers, catalog, inventory, events.
        [
            "CREATE TABLE stores (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms BIGINT NOT NULL)",
            // Every credential is a random secret of which only the SHA-256 is kept; nothing ships with one.
            """
            CREATE TABLE credentials (id TEXT PRIMARY KEY, role TEXT NOT NULL, store_id TEXT REFERENCES stores(id),
                device_id TEXT, name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_ms BIGINT NOT NULL,
                revoked_ms BIGINT,
                CHECK (role IN ('device', 'staff', 'head_office')))
            """,
            """
            CREATE TABLE enrolment_tokens (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                secret_hash TEXT NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL, used_ms BIGINT,
                device_id TEXT)
            """,
            """
            CREATE TABLE devices (id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                name TEXT NOT NULL, enrolled_ms BIGINT NOT NULL, last_seen_ms BIGINT,
                acked_seq BIGINT NOT NULL DEFAULT 0, last_hlc BIGINT NOT NULL DEFAULT 0)
            """,
            // Every op a device pushed: unique per (device, op id) and per (device, sequence).
            """
            CREATE TABLE device_ops (device_id TEXT NOT NULL, op_id TEXT NOT NULL, seq BIGINT NOT NULL,
                hlc BIGINT NOT NULL, entity TEXT NOT NULL, received_ms BIGINT NOT NULL,
                PRIMARY KEY (device_id, op_id), UNIQUE (device_id, seq))
            """,
            "CREATE TABLE shoppers (loyalty_id TEXT PRIMARY KEY, created_ms BIGINT NOT NULL)",
            // Profile fields, last writer wins per field by (hlc, writer).
            """
            CREATE TABLE shopper_fields (loyalty_id TEXT NOT NULL REFERENCES shoppers(loyalty_id) ON DELETE CASCADE,
                field TEXT NOT NULL, value TEXT NOT NULL, hlc BIGINT NOT NULL, writer TEXT NOT NULL,
                PRIMARY KEY (loyalty_id, field))
            """,
            """
            CREATE TABLE consents (id TEXT PRIMARY KEY, loyalty_id TEXT NOT NULL, purpose TEXT NOT NULL,
                version BIGINT NOT NULL, granted BIGINT NOT NULL, hlc BIGINT NOT NULL, source TEXT NOT NULL)
            """,
            "CREATE INDEX consents_subject ON consents (loyalty_id, purpose)",
            """
            CREATE TABLE purchases (id TEXT PRIMARY KEY, loyalty_id TEXT NOT NULL, sku TEXT NOT NULL, size TEXT,
                at_ms BIGINT NOT NULL)
            """,
            "CREATE INDEX purchases_subject ON purchases (loyalty_id)",
            "CREATE TABLE catalog (sku TEXT PRIMARY KEY, body TEXT NOT NULL, updated_ms BIGINT NOT NULL)",
            """
            CREATE TABLE inventory (store_id TEXT NOT NULL REFERENCES stores(id), sku TEXT NOT NULL,
                body TEXT NOT NULL, PRIMARY KEY (store_id, sku))
            """,
            // What devices pull: shared data by an ever-growing sequence; store-scoped rows carry their store.
            """
            CREATE TABLE changes (seq {serial}, kind TEXT NOT NULL, key TEXT NOT NULL, store_id TEXT,
                body TEXT, at_ms BIGINT NOT NULL)
            """,
            """
            CREATE TABLE session_events (device_id TEXT NOT NULL, id TEXT NOT NULL, store_id TEXT NOT NULL,
                session_id TEXT NOT NULL, at_ms BIGINT NOT NULL, kind TEXT NOT NULL, sku TEXT, size TEXT,
                detail TEXT NOT NULL, hlc BIGINT NOT NULL, PRIMARY KEY (device_id, id))
            """,
            "CREATE INDEX session_events_store ON session_events (store_id, at_ms)",
            """
            CREATE TABLE staff_requests (device_id TEXT NOT NULL, id TEXT NOT NULL, store_id TEXT NOT NULL,
                session_id TEXT NOT NULL, at_ms BIGINT NOT NULL, sku TEXT NOT NULL, size TEXT,
                description TEXT NOT NULL, state TEXT NOT NULL, done_ms BIGINT, hlc BIGINT NOT NULL,
                PRIMARY KEY (device_id, id))
            """,
            // Erased shoppers by the hash of their id, for ever: a late push about them is dropped, not applied.
            """
            CREATE TABLE erasures (subject_hash TEXT PRIMARY KEY, requested_ms BIGINT NOT NULL,
                requested_by TEXT NOT NULL)
            """,
        ],
        // 2: the fleet view. Where each mirror serves its telemetry (the address it syncs from and the port it
        // names), its version, the last telemetry pulled, and a compact history of pulls.
        [
            "ALTER TABLE devices ADD COLUMN address TEXT",
            "ALTER TABLE devices ADD COLUMN telemetry_port BIGINT",
            "ALTER TABLE devices ADD COLUMN version TEXT",
            "ALTER TABLE devices ADD COLUMN polled_ms BIGINT",
            "ALTER TABLE devices ADD COLUMN poll_error TEXT",
            "ALTER TABLE devices ADD COLUMN telemetry_ms BIGINT",
            "ALTER TABLE devices ADD COLUMN telemetry TEXT",
            """
            CREATE TABLE device_telemetry (device_id TEXT NOT NULL, at_ms BIGINT NOT NULL, reached BIGINT NOT NULL,
                healthy BIGINT, fps DOUBLE PRECISION, frames_dropped BIGINT, disk_free BIGINT, alerts BIGINT,
                PRIMARY KEY (device_id, at_ms))
            """,
            "CREATE INDEX device_telemetry_at ON device_telemetry (at_ms)",
        ],
        // Looks shoppers saved to their profile at a mirror: when, where and the garments recognised (no video).
        [
            """
            CREATE TABLE saved_looks (loyalty_id TEXT NOT NULL, id TEXT NOT NULL, device_id TEXT NOT NULL,
                store_id TEXT NOT NULL, at_ms BIGINT NOT NULL, garments TEXT NOT NULL, PRIMARY KEY (loyalty_id, id))
            """
        ],
        // 4: head-office insight. What a session event says beyond its kind (how a try-on was known, the
        // suggestion's kind, the size tried, a rating), when the hub received it; which shopper a visit was, by
        // subject hash (until an erasure); and the tills' sale lines, with the subject hash of their loyalty code.
        [
            "ALTER TABLE session_events ADD COLUMN via TEXT",
            "ALTER TABLE session_events ADD COLUMN score DOUBLE PRECISION",
            "ALTER TABLE session_events ADD COLUMN suggestion_kind TEXT",
            "ALTER TABLE session_events ADD COLUMN tried_size TEXT",
            "ALTER TABLE session_events ADD COLUMN rating BIGINT",
            "ALTER TABLE session_events ADD COLUMN received_ms BIGINT",
            """
            CREATE TABLE visit_shoppers (device_id TEXT NOT NULL, session_id TEXT NOT NULL,
                subject_hash TEXT NOT NULL, PRIMARY KEY (device_id, session_id))
            """,
            "CREATE INDEX visit_shoppers_subject ON visit_shoppers (subject_hash)",
            """
            CREATE TABLE sales (line_id TEXT PRIMARY KEY, store_id TEXT NOT NULL REFERENCES stores(id),
                at_ms BIGINT NOT NULL, sku TEXT NOT NULL, size TEXT, quantity BIGINT NOT NULL, loyalty_id TEXT,
                subject_hash TEXT, basket TEXT, imported_ms BIGINT NOT NULL)
            """,
            "CREATE INDEX sales_store_sku ON sales (store_id, sku, at_ms)",
            "CREATE INDEX sales_subject ON sales (loyalty_id)",
        ],
        // 5: the SHA-256 of the certificate a mirror serves its telemetry with (over HTTPS), as it said in its
        // authenticated hello: the fleet poller trusts that certificate and no other.
        ["ALTER TABLE devices ADD COLUMN telemetry_sha256 TEXT"],
        // 6: a sale line's id is its store's: one store's import can neither block another's line of the same id
        // nor learn that it exists (the key was the line id alone, across the chain).
        [
            """
            CREATE TABLE sales_by_store (line_id TEXT NOT NULL, store_id TEXT NOT NULL REFERENCES stores(id),
                at_ms BIGINT NOT NULL, sku TEXT NOT NULL, size TEXT, quantity BIGINT NOT NULL, loyalty_id TEXT,
                subject_hash TEXT, basket TEXT, imported_ms BIGINT NOT NULL, PRIMARY KEY (store_id, line_id))
            """,
            """
            INSERT INTO sales_by_store (line_id, store_id, at_ms, sku, size, quantity, loyalty_id, subject_hash, basket,
                imported_ms)
            SELECT line_id, store_id, at_ms, sku, size, quantity, loyalty_id, subject_hash, basket, imported_ms FROM sales
            """,
            "DROP TABLE sales",
            "ALTER TABLE sales_by_store RENAME TO sales",
            "CREATE INDEX sales_store_sku ON sales (store_id, sku, at_ms)",
            "CREATE INDEX sales_subject ON sales (loyalty_id)",
        ],
        // 7: a store's IANA time zone: its days and hours of day are its own. NULL (a store added before): UTC,
        // and the insight page says so.
        ["ALTER TABLE stores ADD COLUMN time_zone TEXT"],
        // 8: tried → bought, matched once as rows arrive (HubSaleMatches.swift): each visit's SKUs tried or brought,
        // and one row per unit sold after one. A database from before gets them derived from its rows at open.
        [
            """
            CREATE TABLE tryon_pairs (device_id TEXT NOT NULL, session_id TEXT NOT NULL, sku TEXT NOT NULL,
                store_id TEXT NOT NULL, at_ms BIGINT NOT NULL, tried_ms BIGINT, brought_ms BIGINT, sizes TEXT NOT NULL,
                PRIMARY KEY (device_id, session_id, sku))
            """,
            "CREATE INDEX tryon_pairs_match ON tryon_pairs (store_id, sku, at_ms)",
            "CREATE INDEX tryon_pairs_store ON tryon_pairs (store_id, at_ms)",
            """
            CREATE TABLE sale_matches (store_id TEXT NOT NULL, line_id TEXT NOT NULL, unit BIGINT NOT NULL,
                line_ms BIGINT NOT NULL, sku TEXT NOT NULL, device_id TEXT NOT NULL, session_id TEXT NOT NULL,
                size_tried TEXT, size_sold TEXT, PRIMARY KEY (store_id, line_id, unit))
            """,
            "CREATE INDEX sale_matches_visit ON sale_matches (device_id, session_id)",
            "CREATE INDEX sale_matches_span ON sale_matches (store_id, sku, line_ms)",
            "CREATE INDEX sale_matches_store ON sale_matches (store_id, line_ms)",
            "CREATE INDEX session_events_visit ON session_events (device_id, session_id)",
            "CREATE INDEX staff_requests_visit ON staff_requests (device_id, session_id)",
            "CREATE INDEX sales_subject_hash ON sales (subject_hash)",
        ],
        // 9: the hub's settings (the bought window: `mirrorhub set-bought-window`).
        ["CREATE TABLE hub_settings (name TEXT PRIMARY KEY, value BIGINT NOT NULL)"],
    ]

    /// The migration that brought the kept sale match.
    static let saleMatchesVersion: Int64 = 8

    /// Brings the database up to date; refuses one written by a newer hub. Answers the version it found.
    @discardableResult
    static func migrate(_ database: any HubDatabase) async throws -> Int64 {
        let dialect = database.dialect
        try await database.transaction { tx in
            try await tx.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
        }
        let applied = try await database.transaction { tx in
            try await tx.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").first?.int(0) ?? 0
        }
        if applied > migrations.count {
            throw HubError(
                .schemaTooNew, "the hub database is at schema \(applied), newer than this mirrorhub knows; upgrade it")
        }
        for (index, statements) in migrations.enumerated() where index + 1 > applied {
            let version = Int64(index + 1)
            try await database.transaction { tx in
                for statement in statements { try await tx.query(dialect.ddl(statement)) }
                try await tx.query("INSERT INTO schema_migrations (version) VALUES (?)", .int(version))
            }
        }
        return applied
    }
}
