import Foundation
public import MirrorCore
public import MirrorProtocol
import Synchronization

/// The hub's data and rules, written once over ``HubDatabase`` so SQLite and PostgreSQL behave the same.
public final class HubStore: Sendable {
    public let database: any HubDatabase
    /// Changes at every start: a device whose pull cursor is from another epoch starts again from zero, so a hub
    /// restored from an older backup (whose change log went back) cannot leave devices skipping changes.
    public let epoch: String
    let clock: Mutex<HybridClock>
    let wallClock: @Sendable () -> Int64
    /// Whether a push, a sales import or an erasure keeps the tried → bought match up to date (HubSaleMatches.swift).
    /// Off only to measure what keeping it costs (`scripts/bench insights`): the figures would not see new matches.
    let keepsSaleMatches: Bool

    /// The most changes one pull returns.
    public static let maxPullPage = 1000
    /// How long an enrolment token stays valid.
    public static let enrolmentTokenLifetimeMillis: Int64 = 24 * 3600 * 1000

    /// Opens `database`, bringing its schema up to date.
    public init(
        database: any HubDatabase, wallClock: @escaping @Sendable () -> Int64 = { HubStore.systemMillis() },
        keepsSaleMatches: Bool = true
    ) async throws {
        self.database = database
        self.wallClock = wallClock
        self.keepsSaleMatches = keepsSaleMatches
        epoch = ULID.make()
        clock = Mutex(HybridClock())
        let found = try await HubSchema.migrate(database)
        if found > 0, found < HubSchema.saleMatchesVersion { try await rebuildSaleMatches() }
    }

    public static func systemMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func now() -> Int64 { wallClock() }

    /// A stamp for a change made at the hub.
    public func stamp() -> HLC {
        let wall = now()
        return clock.withLock { $0.now(wallMillis: wall) }
    }

    // MARK: Stores and credentials

    /// Names no store may take: `export-insights` names each store's folder by its id, beside the chain's `all`.
    public static let reservedStoreIDs: Set<String> = [".", "..", "all"]

    /// Adds a store; `timeZone` (IANA) makes its insight days and hours its own (nil: UTC until one is set).
    public func addStore(id: String, name: String, timeZone: String? = nil) async throws {
        try Validate.storeIdentifier(id)
        try Validate.text(name, "store name", max: 200)
        if let timeZone { _ = try Validate.timeZone(timeZone) }
        let created = now()
        let inserted = try await database.transaction { tx in
            try await tx.query(
                """
                INSERT INTO stores (id, name, created_ms, time_zone) VALUES (?, ?, ?, ?)
                ON CONFLICT DO NOTHING RETURNING 1
                """, .text(id), .text(name), .int(created), SQLValue(timeZone))
        }
        if inserted.isEmpty { throw HubError(.conflict, "store \(id) already exists") }
    }

    /// Sets a store's time zone: its figures count its own days and hours from then on (for every range asked).
    public func setTimeZone(store: String, timeZone: String) async throws {
        try Validate.identifier(store, "store")
        _ = try Validate.timeZone(timeZone)
        let updated = try await database.transaction { tx in
            try await tx.query(
                "UPDATE stores SET time_zone = ? WHERE id = ? RETURNING 1", .text(timeZone), .text(store))
        }
        if updated.isEmpty { throw HubError(.notFound, "no store \(store)") }
    }

    public func stores(visibleTo principal: Principal? = nil) async throws -> [StoreInfo] {
        let rows = try await database.transaction { tx in
            try await tx.query(
                """
                SELECT s.id, s.name, (SELECT COUNT(*) FROM devices d WHERE d.store_id = s.id), s.time_zone
                FROM stores s ORDER BY s.id
                """)
        }
        return rows.map {
            StoreInfo(id: $0.text(0), name: $0.text(1), devices: Int($0.int(2)), timeZone: $0.optionalText(3))
        }
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

    func requireStore(_ store: String) async throws {
        let rows = try await database.transaction { tx in
            try await tx.query("SELECT 1 FROM stores WHERE id = ?", .text(store))
        }
        if rows.isEmpty { throw HubError(.notFound, "no store \(store); add it first") }
    }

}
