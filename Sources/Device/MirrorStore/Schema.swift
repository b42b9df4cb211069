import GRDB

/// The database schema, as migrations applied in order; never edit a shipped migration, add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "sessions") { t in
                t.primaryKey("id", .text)
                t.column("started_at", .datetime).notNull()
                t.column("ended_at", .datetime)
                t.column("retention_elapsed_s", .double).notNull().defaults(to: 0)
            }
            try db.create(table: "consents") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull().indexed().references("sessions")
                t.column("kind", .text).notNull().check { ["record", "share", "save_profile"].contains($0) }
                t.column("granted", .boolean).notNull()
                t.column("at", .datetime).notNull()
                t.column("source", .text).notNull()
            }
            try db.create(table: "clips") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull().indexed().references("sessions")
                t.column("file", .text).notNull().unique()
                t.column("state", .text).notNull().check { ["recording", "ready"].contains($0) }
                t.column("wrapped_key", .blob).notNull()
                t.column("frames", .integer).notNull()
                t.column("width", .integer).notNull()
                t.column("height", .integer).notNull()
                t.column("fps", .double).notNull()
                t.column("bytes", .integer).notNull()
                t.column("created_at", .datetime).notNull().indexed()
                t.column("saved", .boolean).notNull().defaults(to: false)
            }
            // No foreign key to clips: audit rows must outlive the clips they mention.
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .datetime).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("clip_id", .text)
                t.column("detail", .text).notNull()
            }
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value")
            }
        }
        // The shopper's turn through each clip: whether a full turn was seen, and the phase per frame.
        migrator.registerMigration("v2") { db in
            try db.create(table: "clip_turns") { t in
                t.primaryKey("clip_id", .text).references("clips", onDelete: .cascade)
                t.column("complete", .boolean).notNull()
                // UInt16 little-endian per frame: phase × 65534 (0…1 of a turn), 65535 where unknown.
                t.column("phases", .blob).notNull()
            }
        }
        // What happened in the fitting room (for the hub and the suggestions), and the requests staff
        // bring garments for. No foreign key to sessions: a session's row is written only once it records.
        migrator.registerMigration("v3") { db in
            try db.create(table: "session_events") { t in
                t.primaryKey("id", .text)
                t.column("session_id", .text).notNull().indexed()
                t.column("at", .datetime).notNull()
                t.column("kind", .text).notNull()
                t.column("sku", .text)
                t.column("size", .text)
                t.column("detail", .text).notNull().defaults(to: "")
            }
            try db.create(table: "staff_requests") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .text).notNull()
                t.column("at", .datetime).notNull().indexed()
                t.column("sku", .text).notNull()
                t.column("size", .text)
                t.column("description", .text).notNull()
                t.column("state", .text).notNull().check { ["open", "done"].contains($0) }
                t.column("done_at", .datetime)
            }
        }
        // Sync with the hub: every change for the hub is an outbox row written in the same transaction as the
        // change; shared data pulled from the hub; shoppers erased at head office.
        migrator.registerMigration("v4") { db in
            try db.create(table: "outbox") { t in
                // The device sequence: 1, 2, 3… without gaps (numbered from meta `sync.next_seq`, never reused).
                t.primaryKey("seq", .integer)
                t.column("op_id", .text).notNull().unique()
                t.column("hlc", .integer).notNull()
                t.column("entity", .text).notNull()
                t.column("key", .text).notNull()
                t.column("patch", .text).notNull()
                t.column("schema", .integer).notNull()
                t.column("created_at", .datetime).notNull()
                // Acknowledged rows stay a while, to be sent again to a hub restored from an older backup.
                t.column("acked_at", .datetime).indexed()
            }
            try db.create(table: "hub_data") { t in
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull()
                t.column("body", .text).notNull()
                t.primaryKey(["kind", "key"])
            }
            try db.create(table: "erasures") { t in
                t.primaryKey("subject_hash", .text)
                t.column("at", .datetime).notNull()
            }
        }
        // Profiles fetched from the hub for offline use (by subject hash, with when they were fetched, for the
        // cache's time to live), and which shoppers identified in which session, so erasing a shopper at head
        // office can crypto-shred the clips of their sessions.
        migrator.registerMigration("v5") { db in
            try db.create(table: "profile_cache") { t in
                t.primaryKey("subject_hash", .text)
                t.column("body", .text).notNull()
                t.column("fetched_at", .datetime).notNull()
            }
            try db.create(table: "session_subjects") { t in
                t.column("session_id", .text).notNull()
                t.column("subject_hash", .text).notNull().indexed()
                t.column("at", .datetime).notNull()
                t.primaryKey(["session_id", "subject_hash"])
            }
        }
        // A saved look's code (shown once, when it was saved; kept salted and hashed) that opens it again at a
        // later visit, with the garments recognised in it; and wrong codes typed per shopper, to stop guessing.
        migrator.registerMigration("v6") { db in
            try db.create(table: "saved_look_codes") { t in
                t.primaryKey("clip_id", .text).references("clips", onDelete: .cascade)
                t.column("subject_hash", .text).notNull().indexed()
                t.column("salt", .blob).notNull()
                t.column("code_hash", .blob).notNull()
                t.column("garments", .text).notNull()
                t.column("saved_at", .datetime).notNull()
            }
            try db.create(table: "look_code_failures") { t in
                t.primaryKey("subject_hash", .text)
                t.column("failures", .integer).notNull()
                t.column("last_at", .datetime).notNull()
            }
        }
        // What the hub's figures need of an event beyond its kind: how a try-on was known and its score, a
        // suggestion's kind, the size tried beside the size asked for, a rating.
        migrator.registerMigration("v7") { db in
            try db.alter(table: "session_events") { t in
                t.add(column: "via", .text)
                t.add(column: "score", .double)
                t.add(column: "suggestion_kind", .text)
                t.add(column: "tried_size", .text)
                t.add(column: "rating", .integer)
            }
        }
        // A request the shopper cancelled on the glass: SQLite cannot change a CHECK, so the table is rebuilt.
        migrator.registerMigration("v8") { db in
            try db.create(table: "staff_requests_v8") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("session_id", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("sku", .text).notNull()
                t.column("size", .text)
                t.column("description", .text).notNull()
                t.column("state", .text).notNull().check { ["open", "done", "cancelled"].contains($0) }
                t.column("done_at", .datetime)
            }
            try db.execute(sql: "INSERT INTO staff_requests_v8 SELECT * FROM staff_requests")
            try db.drop(table: "staff_requests")
            try db.rename(table: "staff_requests_v8", to: "staff_requests")
            try db.create(index: "staff_requests_on_at", on: "staff_requests", columns: ["at"])
        }
        return migrator
    }
}
