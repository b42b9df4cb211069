import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import Testing

/// Tried → bought is matched once, as try-ons, sales and erasures arrive, so it does not depend on the range asked:
/// two days asked apart add up to the two asked together; a line with another shopper's loyalty code is never an
/// anonymous visit's; a sale before the shopper had the garment is not "bought"; an erasure matches again.
@Suite struct InsightsMatchTests {
    static let day = InsightsTests.day
    static let next = "2026-11-03"
    static var midnight: Int64 { InsightsTests.midnight }
    static let dayMillis: Int64 = 86_400_000

    /// A hub (its clock the evening after the day) with store s1's mirror enrolled and the catalog.
    static func withMirror(
        _ backend: Backend, _ body: @Sendable (HubStore, Principal) async throws -> Void
    ) async throws {
        _ = try await withHub(backend, wallClock: { InsightsTests.midnight + 30 * 3_600_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            _ = try await hub.putCatalog(InsightsTests.catalog)
            try await body(hub, mirror)
        }
    }

    static func tryOn(_ outbox: InsightsTests.Outbox, _ session: String, at t: Int64, subject: String? = nil) {
        outbox.event(session, VisitEventKind.started, at: t)
        if let subject {
            outbox.event(
                session, VisitEventKind.identified, at: t + 500,
                ["subject": .string(SubjectHash.of(loyaltyId: subject))])
        }
        outbox.event(session, VisitEventKind.triedOn, at: t + 1000, ["sku": "A", "via": "vision"])
        outbox.event(session, VisitEventKind.ended, at: t + 120_000)
    }

    static func bought(_ hub: HubStore, _ from: String, _ to: String) async throws -> Int? {
        let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: from, to: to))
        return report.tryOns.first { $0.sku == "A" }?.bought
    }

    @Test(arguments: Backend.allCases)
    func daysAskedApartAddUpToTheDaysAskedTogether(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            // The sales arrive first: the try-ons pushed after them are matched when they arrive.
            let sales = (0..<5).map { InsightsTests.sale("l\($0)", at: Self.midnight + Self.dayMillis + 1_200_000) }
            _ = try await hub.importSales(sales)
            let outbox = InsightsTests.Outbox()
            for i in 0..<5 {
                Self.tryOn(outbox, "late\(i)", at: Self.midnight + Self.dayMillis - 600_000 + Int64(i) * 1000)
                Self.tryOn(outbox, "early\(i)", at: Self.midnight + Self.dayMillis + 600_000 + Int64(i) * 1000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let first = try await Self.bought(hub, Self.day, Self.day)
            let second = try await Self.bought(hub, Self.next, Self.next)
            let both = try await Self.bought(hub, Self.day, Self.next)
            #expect(first == 5 && second == 0 && both == 5)
        }
    }

    @Test(arguments: Backend.allCases)
    func aUnitCountsBoughtInOneRowAndInTheSizeSold(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            // Five visits scan A in M and in L; five scan it in M only. Ten units of A are sold, all in L.
            for i in 0..<10 {
                let session = "v\(i)"
                let t = Self.midnight + 36_000_000 + Int64(i) * 1000
                outbox.event(session, VisitEventKind.started, at: t)
                outbox.event(session, VisitEventKind.triedOn, at: t + 100, ["sku": "A", "size": "M", "via": "scan"])
                if i < 5 {
                    outbox.event(
                        session, VisitEventKind.triedOn, at: t + 200, ["sku": "A", "size": "L", "via": "scan"])
                }
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let sales = (0..<10).map {
                SaleLine(lineId: "l\($0)", store: "s1", at: Self.midnight + 37_000_000, sku: "A", size: "L")
            }
            _ = try await hub.importSales(sales)
            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day))
            let rows = Dictionary(uniqueKeysWithValues: report.tryOns.map { ($0.size ?? "-", $0) })
            #expect(rows["L"]?.visits == 5 && rows["L"]?.bought == 5 && rows["L"]?.boughtOtherSize == 0)
            #expect(rows["M"]?.visits == 10 && rows["M"]?.bought == 0 && rows["M"]?.boughtOtherSize == 10)
            #expect(rows["M"]?.notBought == 0 && rows["L"]?.notBought == 0)
        }
    }

    /// Two mirrors of a store pushing at once, with sales already in (a live till feed): both change one SKU's match,
    /// and neither push may fail on the other's rows.
    @Test(arguments: Backend.allCases)
    func twoMirrorsPushingAtOnceBothLand(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { InsightsTests.midnight + 30 * 3_600_000 }) { hub in
            let mirrors = [
                try await HubStoreTests.enrolled(hub, store: "s1"), try await HubStoreTests.enrolled(hub, store: "s1"),
            ]
            _ = try await hub.putCatalog(InsightsTests.catalog)
            let sales = (0..<50).map {
                InsightsTests.sale("l\($0)", at: Self.midnight + 36_000_000 + Int64($0) * 60_000)
            }
            _ = try await hub.importSales(sales)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, mirror) in mirrors.enumerated() {
                    group.addTask {
                        for round in 0..<10 {
                            let outbox = InsightsTests.Outbox()
                            for visit in 0..<2 {
                                Self.tryOn(
                                    outbox, "m\(index)-\(round)-\(visit)",
                                    at: Self.midnight + 36_000_000 + Int64(round * 2 + visit) * 60_000 + Int64(index))
                            }
                            var ops = outbox.ops
                            for n in ops.indices {
                                ops[n].seq = Int64(round * ops.count + n + 1)
                                ops[n].key = "m\(index)-\(round)-e\(n)"
                            }
                            _ = try await hub.push(device: mirror, SyncPushRequest(ops: ops))
                        }
                    }
                }
                try await group.waitForAll()
            }
            // Forty try-ons two at a time, a minute apart; fifty units a minute apart: every try-on bought.
            #expect(try await Self.bought(hub, Self.day, Self.day) == 40)
        }
    }

    /// The bought window is the hub's: setting it matches every try-on again, and every report says which it is.
    @Test(arguments: Backend.allCases)
    func theHubsBoughtWindowMatchesEveryTryOnAgain(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            for i in 0..<5 { Self.tryOn(outbox, "v\(i)", at: Self.midnight + 36_000_000 + Int64(i) * 1000) }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            // Sold three hours after the try-ons.
            _ = try await hub.importSales((0..<5).map { InsightsTests.sale("l\($0)", at: Self.midnight + 46_800_000) })
            #expect(try await Self.bought(hub, Self.day, Self.day) == 0)
            try await hub.setBoughtWindow(minutes: 240)
            #expect(try await Self.bought(hub, Self.day, Self.day) == 5)
            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day))
            #expect(report.boughtWindowMinutes == 240)
            await #expect(throws: HubError.self) { try await hub.setBoughtWindow(minutes: 0) }
            try await hub.setBoughtWindow(minutes: 120)
            #expect(try await Self.bought(hub, Self.day, Self.day) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func aLineWithAnotherShoppersCodeIsNotAnAnonymousVisits(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            for i in 0..<5 { Self.tryOn(outbox, "v\(i)", at: Self.midnight + 36_000_000 + Int64(i) * 60_000) }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let sales = (0..<5).map {
                InsightsTests.sale("l\($0)", at: Self.midnight + 36_000_000 + 1_800_000, loyalty: "L9")
            }
            _ = try await hub.importSales(sales)
            #expect(try await Self.bought(hub, Self.day, Self.day) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func aSaleBeforeTheGarmentWasBroughtIsNotBought(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            for i in 0..<5 {
                // "Bring me this" at one minute; others buy five B at two; staff bring it at five.
                let session = "v\(i)"
                let t = Self.midnight + 36_000_000 + Int64(i) * 1000
                outbox.event(session, VisitEventKind.started, at: t)
                let card: [String: JSONValue] = ["sku": "B", "suggestionKind": "your-size"]
                outbox.event(session, VisitEventKind.suggestionShown, at: t + 30_000, card)
                outbox.event(session, VisitEventKind.suggestionAccepted, at: t + 60_000, card)
                outbox.request("r\(i)", session: session, sku: "B", at: t + 60_000, doneAt: t + 300_000)
                outbox.event(session, VisitEventKind.ended, at: t + 600_000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let sales = (0..<5).map {
                InsightsTests.sale("l\($0)", at: Self.midnight + 36_000_000 + 120_000, sku: "B")
            }
            _ = try await hub.importSales(sales)
            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day))
            #expect(report.funnel.first?.brought == 5 && report.funnel.first?.bought == 0, "\(report.funnel)")
        }
    }

    @Test(arguments: Backend.allCases)
    func notYouUnlinksTheShoppersPurchases(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            for i in 0..<5 {
                Self.tryOn(outbox, "v\(i)", at: Self.midnight + 36_000_000 + Int64(i) * 1000, subject: "L\(i)")
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let sales = (0..<5).map {
                InsightsTests.sale("l\($0)", at: Self.midnight + 37_000_000, loyalty: "L\($0)")
            }
            _ = try await hub.importSales(sales)
            #expect(try await Self.bought(hub, Self.day, Self.day) == 5)
            // Each shopper taps "Not you?": the visits are nobody's, and the lines with their codes are not theirs.
            let later = InsightsTests.Outbox()
            later.ops = outbox.ops
            for i in 0..<5 {
                later.event(
                    "v\(i)", VisitEventKind.unidentified, at: Self.midnight + 36_000_000 + Int64(i) * 1000 + 60_000,
                    ["subject": .string(SubjectHash.of(loyaltyId: "L\(i)"))])
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: Array(later.ops.dropFirst(outbox.ops.count))))
            #expect(try await Self.bought(hub, Self.day, Self.day) == 0)
        }
    }

    @Test(arguments: Backend.allCases)
    func erasingShoppersMatchesTheirVisitsAndLinesAgain(backend: Backend) async throws {
        try await Self.withMirror(backend) { hub, mirror in
            let outbox = InsightsTests.Outbox()
            // Five anonymous visits before midnight, five identified ones after; the five buy with their codes.
            for i in 0..<5 {
                Self.tryOn(outbox, "anonymous\(i)", at: Self.midnight + Self.dayMillis - 1_200_000 + Int64(i) * 1000)
                Self.tryOn(
                    outbox, "known\(i)", at: Self.midnight + Self.dayMillis + 300_000 + Int64(i) * 1000,
                    subject: "L\(i)")
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let sales = (0..<5).map {
                InsightsTests.sale("l\($0)", at: Self.midnight + Self.dayMillis + 1_800_000, loyalty: "L\($0)")
            }
            _ = try await hub.importSales(sales)
            #expect(try await Self.bought(hub, Self.day, Self.day) == 0)
            #expect(try await Self.bought(hub, Self.next, Self.next) == 5)
            // Erased: their visits are anonymous and their lines have no code; the earlier visits take them.
            for i in 0..<5 { try await hub.erase(loyaltyId: "L\(i)", by: "test") }
            #expect(try await Self.bought(hub, Self.day, Self.day) == 5)
            #expect(try await Self.bought(hub, Self.next, Self.next) == 0)
        }
    }
}
