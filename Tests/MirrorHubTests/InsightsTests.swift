import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// Head-office figures from what mirrors push and tills sell: sale import, the arithmetic of each figure, the
/// hub's rules for late, repeated and clock-skewed reports, and the floor of k visits under every cell.
@Suite struct InsightsTests {
    static let day = "2026-11-02"
    static var midnight: Int64 { try! InsightsQuery.days(store: nil, from: day, to: day).fromMillis }

    /// A mirror's outbox, as the device writes it: ops numbered 1, 2, 3…
    final class Outbox: @unchecked Sendable {  // used from one test task only
        var ops: [SyncOp] = []

        func event(_ session: String, _ kind: String, at: Int64, _ fields: [String: JSONValue] = [:]) {
            var patch: [String: JSONValue] = [
                "sessionId": .string(session), "at": .number(Double(at)), "kind": .string(kind), "detail": .string(""),
            ]
            patch.merge(fields) { $1 }
            if kind == VisitEventKind.consentAnswered { patch["detail"] = fields["detail"] ?? .string("granted") }
            append(.sessionEvent, key: "e\(ops.count + 1)", patch)
        }

        func request(_ id: String, session: String, sku: String, at: Int64, doneAt: Int64?) {
            var patch: [String: JSONValue] = [
                "sessionId": .string(session), "at": .number(Double(at)), "sku": .string(sku),
                "description": .string(sku), "state": .string(doneAt == nil ? "open" : "done"),
            ]
            if let doneAt { patch["doneAt"] = .number(Double(doneAt)) }
            append(.staffRequest, key: id, patch)
        }

        private func append(_ entity: SyncEntity, key: String, _ patch: [String: JSONValue]) {
            let seq = Int64(ops.count + 1)
            ops.append(
                SyncOp(
                    opId: ULID.make(), seq: seq, hlc: HLC(millis: 1_000_000 + seq, counter: 0), entity: entity,
                    key: key, patch: patch))
        }
    }

    static func sale(_ id: String, at: Int64, sku: String = "A", loyalty: String? = nil) -> SaleLine {
        SaleLine(lineId: id, store: "s1", at: at, sku: sku, size: "M", loyaltyId: loyalty)
    }

    static let catalog = [
        CatalogItem(
            sku: "A", style: "a", name: "Shirt", brand: "X", price: 1000, category: .tops, colour: "navy",
            hex: "#000080", sizes: ["S", "M", "L"]),
        CatalogItem(
            sku: "B", style: "b", name: "Chinos", brand: "X", price: 3000, category: .trousers, colour: "sand",
            hex: "#c2b280", sizes: ["30", "32"]),
    ]

    /// Ten visits on the day, ten minutes apart: dwell 1 to 10 minutes; all try A (scanned, M); the first five
    /// gave their loyalty code and buy A at the till 20 minutes later; the first six ask for A in L; all see B
    /// suggested as their size, the first six tap it and staff bring it to the first five; ratings 5 and 4.
    /// An eleventh visit comes from a mirror whose clock is three days fast.
    static func week(_ outbox: Outbox) {
        let base = midnight + 10 * 3_600_000
        for i in 0..<10 {
            let session = "v\(i)"
            let t = base + Int64(i) * 600_000
            outbox.event(session, VisitEventKind.started, at: t)
            outbox.event(
                session, VisitEventKind.triedOn, at: t + 1000,
                ["sku": "A", "size": "M", "via": .string(TryOnSource.scan.rawValue)])
            if i < 5 {
                outbox.event(
                    session, VisitEventKind.identified, at: t + 2000,
                    ["subject": .string(SubjectHash.of(loyaltyId: "L\(i)"))])
            }
            outbox.event(
                session, VisitEventKind.suggestionShown, at: t + 3000, ["sku": "B", "suggestionKind": "your-size"])
            if i < 6 {
                outbox.event(
                    session, VisitEventKind.suggestionTapped, at: t + 4000, ["sku": "B", "suggestionKind": "your-size"])
                outbox.event(
                    session, VisitEventKind.sizeRequest, at: t + 5000, ["sku": "A", "size": "L", "triedSize": "M"])
            }
            if i < 5 {
                outbox.request(
                    "r\(i)", session: session, sku: "B", at: t + 6000, doneAt: t + 6000 + Int64(i + 1) * 30_000)
            } else if i == 5 {
                outbox.request("r\(i)", session: session, sku: "A", at: t + 6000, doneAt: nil)
            }
            outbox.event(session, VisitEventKind.recordedLook, at: t + 7000)
            outbox.event(session, VisitEventKind.rated, at: t + 8000, ["rating": .number(i < 5 ? 5 : 4)])
            outbox.event(session, VisitEventKind.ended, at: t + Int64(i + 1) * 60_000)
        }
        let future = midnight + 3 * 86_400_000
        outbox.event("v10", VisitEventKind.started, at: future)
        outbox.event("v10", VisitEventKind.ended, at: future + 60_000)
    }

    @Test(arguments: Backend.allCases)
    func everyFigureOfAGeneratedDay(backend: Backend) async throws {
        // The hub's clock: late that day (the skewed mirror's reports count when they arrived).
        let clock = Atomic<Int64>(Self.midnight + 23 * 3_600_000)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            _ = try await hub.putCatalog(Self.catalog)
            let outbox = Outbox()
            Self.week(outbox)
            // Pushed twice (a lost answer): counted once.
            for _ in 0..<2 {
                for chunk in stride(from: 0, to: outbox.ops.count, by: 400) {
                    _ = try await hub.push(
                        device: mirror,
                        SyncPushRequest(ops: Array(outbox.ops[chunk..<min(chunk + 400, outbox.ops.count)])))
                }
            }
            let base = Self.midnight + 10 * 3_600_000
            var sales = (0..<5).map { i in
                Self.sale("till-\(i)", at: base + Int64(i) * 600_000 + 1_200_000, loyalty: "L\(i)")
            }
            sales.append(Self.sale("late", at: base + 4 * 3_600_000))  // beyond the two-hour window
            #expect(try await hub.importSales(sales) == SalesImportResult(imported: 6, alreadyHeld: 0))
            #expect(try await hub.importSales(sales) == SalesImportResult(imported: 0, alreadyHeld: 6))

            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day))
            let v = report.visits
            #expect(v.visits == 11)
            // Ten of eleven visits have a clip: the one without would show, so the count is withheld.
            #expect(v.withClip == nil && v.looksPerVisit == 10.0 / 11)
            #expect(v.identifiedShare == 5.0 / 11)
            // Dwell 0 (the skewed visit: both reports clamped to when they arrived), 60 … 600 s; nearest rank.
            #expect(v.dwellP50Seconds == 300 && v.dwellP90Seconds == 540)
            #expect(
                report.tryOns == [
                    TryOnFigures(sku: "A", size: "M", visits: 10, scanned: 10, recognised: 0, bought: 5, notBought: 5)
                ])
            #expect(report.sizeSwaps == [SizeSwapFigures(sku: "A", requests: 6, up: 6, down: 0, flag: "runs small")])
            // Six of ten tapped (four did not) and five of six brought (one was not): both withheld with their rest.
            #expect(
                report.funnel == [FunnelFigures(kind: "your-size", shown: 10, tapped: nil, brought: nil, bought: 0)])
            #expect(report.staff.requests == 6 && report.staff.open == nil)
            // Answers after 30, 60, 90, 120, 150 s.
            #expect(report.staff.answerP50Seconds == 90 && report.staff.answerP95Seconds == 150)
            #expect(report.staff.byHour.map(\.hour) == [10])
            #expect(report.rating.ratings == 10 && report.rating.average == 4.5)
            #expect(report.rating.shares == [0, 0, 0, 0.5, 0.5])
            #expect(report.series == [SeriesPoint(start: Self.day, visits: 11, tryOns: 10, requests: 6)])

            // Erasing a shopper removes their link to the visit and to the till's line; the line stays.
            try await hub.erase(loyaltyId: "L0", by: "test")
            let links = try await hub.database.transaction { tx in
                (
                    try await tx.query(
                        "SELECT COUNT(*) FROM visit_shoppers WHERE subject_hash = ?",
                        .text(SubjectHash.of(loyaltyId: "L0"))
                    ).first?.int(0),
                    try await tx.query("SELECT COUNT(*) FROM sales WHERE loyalty_id = 'L0'").first?.int(0),
                    try await tx.query("SELECT COUNT(*) FROM sales").first?.int(0)
                )
            }
            #expect(links.0 == 0 && links.1 == 0 && links.2 == 6)
        }
    }

    /// "Not you?" on the mirror: the visit's link to that shopper goes, so no sale of theirs is matched to it; a
    /// visit they really made keeps its link.
    @Test(arguments: Backend.allCases)
    func notYouDropsTheVisitsLinkToThatShopper(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { Self.midnight + 20 * 3_600_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            let outbox = Outbox()
            let subject: JSONValue = .string(SubjectHash.of(loyaltyId: "L7"))
            let t = Self.midnight + 12 * 3_600_000
            outbox.event("mistaken", VisitEventKind.identified, at: t, ["subject": subject])
            outbox.event("mistaken", VisitEventKind.unidentified, at: t + 1000, ["subject": subject])
            outbox.event("theirs", VisitEventKind.identified, at: t + 2000, ["subject": subject])
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let linked = try await hub.database.transaction { tx in
                try await tx.query(
                    "SELECT session_id FROM visit_shoppers WHERE subject_hash = ? ORDER BY session_id",
                    .text(SubjectHash.of(loyaltyId: "L7"))
                ).map { $0.text(0) }
            }
            #expect(linked == ["theirs"])
        }
    }

    @Test(arguments: Backend.allCases)
    func aStoreWithFourVisitsShowsNoPerSKUCell(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { Self.midnight + 20 * 3_600_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            let outbox = Outbox()
            for i in 0..<4 {
                let t = Self.midnight + 12 * 3_600_000 + Int64(i) * 60_000
                outbox.event("v\(i)", VisitEventKind.started, at: t)
                outbox.event("v\(i)", VisitEventKind.triedOn, at: t + 1, ["sku": "A", "via": "vision", "score": 0.8])
                outbox.event("v\(i)", VisitEventKind.rated, at: t + 2, ["rating": 1])
                outbox.event("v\(i)", VisitEventKind.ended, at: t + 30_000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day))
            #expect(report.tryOns.isEmpty && report.withheld["tryOns"] == 1)
            #expect(report.visits.visits == nil && report.visits.dwellP50Seconds == nil)
            #expect(report.rating.ratings == nil && report.rating.shares.isEmpty && report.rating.average == nil)
            #expect(report.series.first?.visits == nil && report.series.first?.tryOns == nil)
            #expect(report.text().contains("fewer than 5"))
            // k may be raised, never lowered.
            #expect(throws: HubError.self) { try InsightsQuery.days(store: "s1", from: Self.day, to: Self.day, k: 2) }
        }
    }

    @Test func aSalesFileWithBadRowsIsRefusedWholeWithEveryBadRowNamed() throws {
        let csv = """
            line_id,store,time,sku,size,quantity,loyalty_id,basket
            t1,s1,2026-11-02T10:20:00Z,A,M,1,,b1
            t2,s1,yesterday,A,M,1,,b1
            t3,s1,2026-11-02T10:21:00Z,A,M,0,,b1
            t4,s1,2026-11-02T10:22:00Z,,M,1,,b1
            t1,s1,2026-11-02T10:23:00Z,A,M,1,,b2
            t6,s1,2026-11-02T10:24:00+01:00,A,M
            """
        let error = #expect(throws: HubError.self) { try SalesFile.parse(csv, format: .csv) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("nothing imported: 5 bad rows"))
        for expected in [
            "line 3: time", "line 4: quantity", "line 5: sku: missing", "line 6: line_id: t1 of s1 is also on line 2",
            "line 7: (row): 5 fields, the header has 8",
        ] {
            #expect(message.contains(expected), "\(expected) in \(message)")
        }
        let good = try SalesFile.parse(
            """
            {"line_id": "j1", "store": "s1", "time": "2026-11-02T10:20:00.250Z", "sku": "A", "quantity": 2}
            {"line_id": "j2", "store": "s1", "time": 1793000000000, "sku": "B", "size": "32", "loyalty_id": "L1"}
            """, format: .jsonLines)
        #expect(good.map(\.quantity) == [2, 1] && good[0].at == 1_793_614_800_250 && good[1].loyaltyId == "L1")
        #expect(throws: HubError.self) {
            try SalesFile.parse(#"{"line_id": "j1", "shop": "s1"}"#, format: .jsonLines)
        }
    }

    @Test(arguments: Backend.allCases)
    func salesForAStoreTheHubDoesNotKnowImportNothing(backend: Backend) async throws {
        _ = try await withHub(backend) { hub in
            try await hub.addStore(id: "s1", name: "One")
            let lines = [
                Self.sale("a", at: Self.midnight), SaleLine(lineId: "b", store: "nowhere", at: Self.midnight, sku: "A"),
            ]
            let error = await #expect(throws: HubError.self) { try await hub.importSales(lines) }
            #expect(error?.message.contains("line 2: store: no store nowhere at the hub") == true)
            let count = try await hub.database.transaction { tx in
                try await tx.query("SELECT COUNT(*) FROM sales").first?.int(0)
            }
            #expect(count == 0)
            // A line id held with other values is refused too.
            _ = try await hub.importSales([Self.sale("a", at: Self.midnight)])
            await #expect(throws: HubError.self) { try await hub.importSales([Self.sale("a", at: Self.midnight + 1)]) }
        }
    }
}
