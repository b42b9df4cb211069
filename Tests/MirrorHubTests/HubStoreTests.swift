import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorSuggest
import MirrorTesting
import Synchronization
import Testing

/// The hub's rules, the same on SQLite and PostgreSQL.
@Suite struct HubStoreTests {
    /// A store with one enrolled device; returns the device's principal and head office's.
    static func enrolled(_ hub: HubStore, store: String = "s1", name: String = "mirror") async throws -> Principal {
        if try await !hub.stores().contains(where: { $0.id == store }) {
            try await hub.addStore(id: store, name: "Store \(store)")
        }
        let (token, _) = try await hub.createEnrolmentToken(store: store)
        let enrolment = try await hub.enrol(EnrolRequest(token: token, name: name))
        return try #require(await hub.authenticate(bearer: enrolment.credential))
    }

    static func event(_ seq: Int64, key: String? = nil, opId: String? = nil, hlc: HLC = HLC(millis: 1000, counter: 0))
        -> SyncOp
    {
        SyncOp(
            opId: opId ?? ULID.make(), seq: seq, hlc: hlc, entity: .sessionEvent, key: key ?? "event-\(seq)",
            patch: ["sessionId": .string("session-1"), "at": .number(1000), "kind": .string("tried_on")])
    }

    @Test(arguments: Backend.allCases)
    func enrolmentTokenWorksOnceAndCredentialsAreChecked(backend: Backend) async throws {
        let clock = Atomic<Int64>(1_000_000)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            try await hub.addStore(id: "s1", name: "One")
            let (token, _) = try await hub.createEnrolmentToken(store: "s1")
            let enrolment = try await hub.enrol(EnrolRequest(token: token, name: "fitting room 1"))
            #expect(enrolment.storeId == "s1")
            await #expect(throws: HubError.self) { try await hub.enrol(EnrolRequest(token: token, name: "again")) }
            let device = try #require(await hub.authenticate(bearer: enrolment.credential))
            #expect(device.role == .device && device.storeId == "s1" && device.deviceId == enrolment.deviceId)
            let wrong = enrolment.credential.dropLast(2) + "xx"
            #expect(try await hub.authenticate(bearer: String(wrong)) == nil)
            #expect(try await hub.authenticate(bearer: "nonsense") == nil)

            let (late, _) = try await hub.createEnrolmentToken(store: "s1")
            clock.store(1_000_000 + HubStore.enrolmentTokenLifetimeMillis + 1, ordering: .relaxed)
            await #expect(throws: HubError.self) { try await hub.enrol(EnrolRequest(token: late, name: "late")) }

            let staff = try await hub.createCredential(role: .staff, store: "s1", name: "Ann")
            let id = String(staff.prefix { $0 != "." })
            #expect(try await hub.authenticate(bearer: staff)?.role == .staff)
            #expect(try await hub.revokeCredential(id: id))
            #expect(try await hub.authenticate(bearer: staff) == nil)
            #expect(try await hub.devices().count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func pushIsIdempotentAndAcksOnlyWithoutGaps(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            let device = try await Self.enrolled(hub)
            let ops = (1...6).map { Self.event(Int64($0)) }
            // Reordered: 3 to 6 first, nothing below them yet.
            var response = try await hub.push(device: device, SyncPushRequest(ops: Array(ops[2...])))
            #expect(response.ackedSeq == 0 && response.applied == 4)
            response = try await hub.push(device: device, SyncPushRequest(ops: Array(ops[0...1])))
            #expect(response.ackedSeq == 6 && response.applied == 2)
            // Everything again, as after a reply lost on the way back.
            response = try await hub.push(device: device, SyncPushRequest(ops: ops))
            #expect(response.ackedSeq == 6 && response.applied == 0 && response.duplicates == 6)
            #expect(try await hub.events(store: "s1").count == 6)
            #expect(try await hub.hello(device: device).ackedSeq == 6)

            // A sequence reused by another op: refused, and the whole push stores nothing.
            let reuse = [Self.event(7), Self.event(3, key: "other")]
            await #expect(throws: HubError.self) {
                try await hub.push(device: device, SyncPushRequest(ops: reuse))
            }
            #expect(try await hub.events(store: "s1").count == 6)
            #expect(try await hub.hello(device: device).ackedSeq == 6)
        }
    }

    @Test(arguments: Backend.allCases)
    func profileFieldsMergeByLatestStampAndFutureStampsAreClamped(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            try await hub.putShopper(
                loyaltyId: "L-1", fields: ["sizes.knitwear": .string("S"), "colours": .array([.string("navy")])],
                writer: "hub")
            // Device stamps relative to the hub's last one, however long the set-up took on a loaded machine.
            let now = hub.stamp().millis
            let a = try await Self.enrolled(hub, name: "a")
            let b = try await Self.enrolled(hub, name: "b")
            func size(_ value: String, _ hlc: HLC, _ seq: Int64) -> SyncOp {
                SyncOp(
                    opId: ULID.make(), seq: seq, hlc: hlc, entity: .shopper, key: "L-1",
                    patch: ["sizes.knitwear": .string(value)])
            }
            // B's older change arrives after A's newer one: A's stays.
            _ = try await hub.push(device: a, SyncPushRequest(ops: [size("M", HLC(millis: now + 2000, counter: 0), 1)]))
            _ = try await hub.push(device: b, SyncPushRequest(ops: [size("L", HLC(millis: now + 1000, counter: 0), 1)]))
            #expect(try await hub.shopper(loyaltyId: "L-1")?.sizes["knitwear"] == "M")
            #expect(try await hub.shopper(loyaltyId: "L-1")?.colours == ["navy"])

            // A device a year ahead is clamped to now + 5 minutes, so head office's later change still wins.
            let year: Int64 = 365 * 24 * 3600 * 1000
            _ = try await hub.push(
                device: b, SyncPushRequest(ops: [size("XL", HLC(millis: now + year, counter: 0), 2)]))
            #expect(try await hub.shopper(loyaltyId: "L-1")?.sizes["knitwear"] == "XL")
            try await Task.sleep(for: .milliseconds(5))
            let stamp = hub.stamp()
            #expect(stamp.millis < now + year)
            try await hub.putShopper(loyaltyId: "L-1", fields: ["sizes.knitwear": .string("M")], writer: "hub")
            #expect(try await hub.shopper(loyaltyId: "L-1")?.sizes["knitwear"] == "M")

            // The mirror cannot create a profile.
            _ = try await hub.push(
                device: a,
                SyncPushRequest(ops: [
                    SyncOp(
                        opId: ULID.make(), seq: 2, hlc: HLC(millis: now, counter: 0), entity: .shopper, key: "L-2",
                        patch: ["sizes.knitwear": .string("M")])
                ]))
            #expect(try await hub.shopper(loyaltyId: "L-2") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func consentWithdrawalWins(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            try await hub.putShopper(loyaltyId: "L-1", fields: [:], writer: "hub")
            #expect(try await !hub.consented(loyaltyId: "L-1", purpose: "profile", version: 1))
            try await hub.recordConsent(loyaltyId: "L-1", purpose: "profile", version: 1, granted: true, source: "t")
            #expect(try await hub.consented(loyaltyId: "L-1", purpose: "profile", version: 1))
            #expect(try await !hub.consented(loyaltyId: "L-1", purpose: "profile", version: 2))
            // A withdrawal and a grant with the same stamp (two devices at once): withdrawn.
            let device = try await Self.enrolled(hub)
            let stamp = hub.stamp()
            func consent(_ granted: Bool, _ seq: Int64) -> SyncOp {
                SyncOp(
                    opId: ULID.make(), seq: seq, hlc: stamp, entity: .consent, key: ULID.make(),
                    patch: [
                        "loyaltyId": .string("L-1"), "purpose": .string("profile"), "version": .number(1),
                        "granted": .bool(granted),
                    ])
            }
            _ = try await hub.push(device: device, SyncPushRequest(ops: [consent(true, 1), consent(false, 2)]))
            #expect(try await !hub.consented(loyaltyId: "L-1", purpose: "profile", version: 1))
            try await hub.recordConsent(loyaltyId: "L-1", purpose: "profile", version: 1, granted: true, source: "t")
            #expect(try await hub.consented(loyaltyId: "L-1", purpose: "profile", version: 1))
        }
    }

    @Test(arguments: Backend.allCases)
    func erasureIsSentToDevicesAndNothingResurrects(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            try await hub.putShopper(loyaltyId: "L-9", fields: ["colours": .array([.string("rust")])], writer: "hub")
            try await hub.addPurchase(loyaltyId: "L-9", sku: "KN-101-RUS", size: "M", atMillis: 1)
            let device = try await Self.enrolled(hub)
            try await hub.erase(loyaltyId: "L-9", by: "test")
            #expect(try await hub.shopper(loyaltyId: "L-9") == nil)
            let pulled = try await hub.pull(device: device, epoch: nil, cursor: 0, limit: 100)
            #expect(pulled.changes.map(\.kind) == [.erasure])
            #expect(pulled.changes.first?.key == SubjectHash.of(loyaltyId: "L-9"))

            // A device that was offline pushes a change and a consent for the erased shopper: neither lands.
            let late = hub.stamp()
            _ = try await hub.push(
                device: device,
                SyncPushRequest(ops: [
                    SyncOp(
                        opId: ULID.make(), seq: 1, hlc: late, entity: .shopper, key: "L-9",
                        patch: ["colours": .array([.string("navy")])]),
                    SyncOp(
                        opId: ULID.make(), seq: 2, hlc: late, entity: .consent, key: ULID.make(),
                        patch: [
                            "loyaltyId": .string("L-9"), "purpose": .string("profile"), "version": .number(1),
                            "granted": .bool(true),
                        ]),
                ]))
            #expect(try await hub.shopper(loyaltyId: "L-9") == nil)
            #expect(try await !hub.consented(loyaltyId: "L-9", purpose: "profile", version: 1))
            // A consent whose loyalty code the device redacted after the erasure is dropped, not stored for "".
            _ = try await hub.push(
                device: device,
                SyncPushRequest(ops: [
                    SyncOp(
                        opId: ULID.make(), seq: 3, hlc: late, entity: .consent, key: ULID.make(),
                        patch: [
                            "loyaltyId": .string(""), "purpose": .string("profile"), "version": .number(1),
                            "granted": .bool(true),
                        ])
                ]))
            #expect(try await !hub.consented(loyaltyId: "", purpose: "profile", version: 1))
            await #expect(throws: HubError.self) {
                try await hub.putShopper(loyaltyId: "L-9", fields: [:], writer: "hub")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func importingShoppersIsRepeatableAndNeverOverridesAWithdrawal(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            let profile = ShopperProfile(
                loyaltyID: "L-5", sizes: ["knitwear": "M"], colours: ["rust"],
                dislikes: .init(colours: ["coral"]), purchases: ["TS-201-WHI", "KN-101-NAV"])
            #expect(try await hub.importShopper(profile, consentSource: "loyalty app"))
            #expect(try await hub.shopper(loyaltyId: "L-5") == profile)
            #expect(try await hub.consented(loyaltyId: "L-5", purpose: "profile", version: 1))
            // Again: no second purchase, still consented.
            #expect(try await hub.importShopper(profile, consentSource: "loyalty app"))
            #expect(try await hub.shopper(loyaltyId: "L-5")?.purchases == ["TS-201-WHI", "KN-101-NAV"])
            // The shopper withdraws; a later import does not grant again.
            try await hub.recordConsent(
                loyaltyId: "L-5", purpose: "profile", version: 1, granted: false, source: "till")
            #expect(try await hub.importShopper(profile, consentSource: "loyalty app"))
            #expect(try await !hub.consented(loyaltyId: "L-5", purpose: "profile", version: 1))
            // A look saved at a mirror shows in the profile (sent twice: once).
            let device = try await Self.enrolled(hub)
            let look = SyncOp(
                opId: ULID.make(), seq: 1, hlc: hub.stamp(), entity: .savedLook, key: "clip-1",
                patch: ["loyaltyId": .string("L-5"), "at": .number(1000), "garments": .array([.string("rust top")])])
            _ = try await hub.push(device: device, SyncPushRequest(ops: [look]))
            _ = try await hub.push(device: device, SyncPushRequest(ops: [look]))
            let looks = try await hub.shopper(loyaltyId: "L-5")?.savedLooks ?? []
            #expect(looks.map(\.id) == ["clip-1"] && looks.first?.garments == ["rust top"])
            // Erased shoppers are not brought back, and their saved looks go with them.
            try await hub.erase(loyaltyId: "L-5", by: "test")
            #expect(try await !hub.importShopper(profile, consentSource: "loyalty app"))
            #expect(try await hub.shopper(loyaltyId: "L-5") == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func pullPagesScopesInventoryAndRestartsInANewEpoch(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            let device = try await Self.enrolled(hub, store: "s1")
            try await hub.addStore(id: "s2", name: "Two")
            let items = DemoCatalog.items
            #expect(try await hub.putCatalog(items) == items.count)
            #expect(try await hub.putCatalog(items) == 0)
            #expect(try await hub.putInventory(store: "s1", stock: ["KN-101-RUS": ["M": 2]]) == 1)
            #expect(try await hub.putInventory(store: "s2", stock: ["KN-101-NAV": ["M": 5]]) == 1)

            var cursor: Int64 = 0
            var seen: [SyncChange] = []
            while true {
                let page = try await hub.pull(device: device, epoch: hub.epoch, cursor: cursor, limit: 10)
                seen += page.changes
                cursor = page.cursor
                if !page.more { break }
            }
            #expect(seen.filter { $0.kind == .catalogItem }.count == items.count)
            #expect(seen.filter { $0.kind == .inventory }.map(\.key) == ["KN-101-RUS"])
            let empty = try await hub.pull(device: device, epoch: hub.epoch, cursor: cursor, limit: 10)
            #expect(empty.changes.isEmpty && empty.cursor == cursor)
            // A cursor from another epoch (the hub restarted, maybe from a backup) starts again from zero.
            let restarted = try await hub.pull(device: device, epoch: "an-older-epoch", cursor: cursor, limit: 10)
            #expect(restarted.changes.first?.seq == 1)
        }
    }
}
