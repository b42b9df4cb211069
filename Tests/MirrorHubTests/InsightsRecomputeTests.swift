import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// The hub's figures against a second implementation of `docs/insights.md` (`scripts/insights-recompute`, Python,
/// written from the document alone), both from the same generated month of three mirrors in two stores: reports
/// pushed twice, a mirror offline for its last three days, one whose clock ran three days fast for a day, one
/// visit stamped 1970, and the tills' sales. Every figure must agree exactly.
@Suite struct InsightsRecomputeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let first = "2026-10-05"
    static let last = "2026-11-03"

    /// A small seeded generator (SplitMix64): the same month every run.
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) < p * 10_000 }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static let catalog: [CatalogItem] = [
        ("TS-1", ["XS", "S", "M", "L", "XL"]), ("TS-2", ["XS", "S", "M", "L", "XL"]),
        ("JN-1", ["26", "28", "30", "32"]),
        ("JN-2", ["26", "28", "30", "32"]), ("DR-1", ["34", "36", "38", "40"]), ("CO-1", ["S", "M", "L"]),
    ].map { sku, sizes in
        CatalogItem(
            sku: sku, style: sku, name: sku, brand: "X", price: 1000, category: .tops, colour: "navy", hex: "#000080",
            sizes: sizes)
    }

    /// One mirror's outbox and when each of its ops reaches the hub.
    struct Mirror {
        var principal: Principal
        var ops: [(op: SyncOp, arrives: Int64)] = []

        mutating func add(_ entity: SyncEntity, key: String, _ patch: [String: JSONValue], arrives: Int64) {
            let seq = Int64(ops.count + 1)
            ops.append(
                (
                    SyncOp(
                        opId: ULID.make(), seq: seq, hlc: HLC(millis: 1_000_000 + seq, counter: 0), entity: entity,
                        key: key, patch: patch), arrives
                ))
        }
    }

    static func month(_ hub: HubStore, clock: borrowing Atomic<Int64>) async throws -> [SaleLine] {
        _ = try await hub.putCatalog(catalog)
        var mirrors = [
            Mirror(principal: try await HubStoreTests.enrolled(hub, store: "s1", name: "m1")),
            Mirror(principal: try await HubStoreTests.enrolled(hub, store: "s1", name: "m2")),
            Mirror(principal: try await HubStoreTests.enrolled(hub, store: "s2", name: "m3")),
        ]
        let start = try InsightsQuery.days(store: nil, from: first, to: first).fromMillis
        var random = Seeded(state: 20_261_105)
        var sales: [SaleLine] = []
        var eventNumber = 0
        for day in 0..<30 {
            let midnight = start + Int64(day) * 86_400_000
            for (index, _) in mirrors.enumerated() {
                let store = index == 2 ? "s2" : "s1"
                // When this day's reports arrive: that night; the second mirror's last three days, two days late.
                var arrives = midnight + 86_400_000 + 60_000
                if index == 1, day >= 27 { arrives = start + 32 * 86_400_000 }
                // The third mirror's clock runs three days fast on day 10.
                let skew: Int64 = index == 2 && day == 10 ? 3 * 86_400_000 : 0
                for visit in 0..<random.int(4...9) {
                    let session = "d\(day)-m\(index)-v\(visit)"
                    var t = midnight + Int64(random.int(9 * 3600...19 * 3600)) * 1000
                    let stamp1970 = index == 0 && day == 3 && visit == 0
                    func event(_ kind: String, _ fields: [String: JSONValue] = [:]) {
                        eventNumber += 1
                        var patch: [String: JSONValue] = [
                            "sessionId": .string(session), "kind": .string(kind), "detail": "",
                            "at": .number(Double(stamp1970 ? 86_400_000 : t + skew)),
                        ]
                        patch.merge(fields) { $1 }
                        mirrors[index].add(.sessionEvent, key: "e\(eventNumber)", patch, arrives: arrives)
                    }
                    event(VisitEventKind.started)
                    let code: String? = random.chance(0.3) ? "L\(random.int(1...15))" : nil
                    if let code { event(VisitEventKind.identified, ["loyaltyId": .string(code)]) }
                    event(VisitEventKind.consentAnswered, ["detail": random.chance(0.8) ? "granted" : "declined"])
                    var tried: [(sku: String, size: String?)] = []
                    for _ in 0..<random.int(1...3) {
                        t += Int64(random.int(10...120)) * 1000
                        let item = random.pick(catalog)
                        if random.chance(0.5) {
                            let size = random.pick(item.sizes)
                            tried.append((item.sku, size))
                            event(
                                VisitEventKind.triedOn,
                                ["sku": .string(item.sku), "size": .string(size), "via": "scan"])
                        } else {
                            tried.append((item.sku, nil))
                            event(VisitEventKind.triedOn, ["sku": .string(item.sku), "via": "vision", "score": 0.8])
                        }
                    }
                    for _ in 0..<random.int(0...2) { event(VisitEventKind.recordedLook) }
                    for _ in 0..<random.int(0...2) {
                        let item = random.pick(catalog)
                        let kind = random.pick(["your-size", "also-in", "completes-the-look", "similar"])
                        t += Int64(random.int(5...60)) * 1000
                        event(
                            VisitEventKind.suggestionShown, ["sku": .string(item.sku), "suggestionKind": .string(kind)])
                        guard random.chance(0.6) else { continue }
                        event(
                            VisitEventKind.suggestionTapped,
                            ["sku": .string(item.sku), "suggestionKind": .string(kind)])
                        guard random.chance(0.6) else { continue }
                        event(
                            VisitEventKind.suggestionAccepted,
                            ["sku": .string(item.sku), "suggestionKind": .string(kind), "size": .string(item.sizes[0])])
                        let done: Int64? = random.chance(0.8) ? t + skew + Int64(random.int(30...900)) * 1000 : nil
                        var patch: [String: JSONValue] = [
                            "sessionId": .string(session), "at": .number(Double(t + skew)), "sku": .string(item.sku),
                            "description": "", "state": .string(done == nil ? "open" : "done"),
                        ]
                        if let done { patch["doneAt"] = .number(Double(done)) }
                        mirrors[index].add(.staffRequest, key: "r-\(session)-\(item.sku)", patch, arrives: arrives)
                    }
                    for garment in tried where garment.size != nil && random.chance(0.5) {
                        let sizes = catalog.first { $0.sku == garment.sku }!.sizes
                        let at = sizes.firstIndex(of: garment.size!)!
                        let asked = sizes[max(0, min(sizes.count - 1, at + (random.chance(0.7) ? 1 : -1)))]
                        event(
                            VisitEventKind.sizeRequest,
                            ["sku": .string(garment.sku), "size": .string(asked), "triedSize": .string(garment.size!)])
                    }
                    if random.chance(0.2) { event(VisitEventKind.lookShared) }
                    if random.chance(0.1) { event(VisitEventKind.lookSaved) }
                    if random.chance(0.7) {
                        event(VisitEventKind.rated, ["rating": .number(Double(random.int(1...5)))])
                    }
                    t += Int64(random.int(60...1200)) * 1000
                    if random.chance(0.9) { event(VisitEventKind.ended) }
                    // What the till sold: some of what was tried, by the shopper's code when they gave it.
                    for garment in tried where random.chance(0.4) {
                        sales.append(
                            SaleLine(
                                lineId: "line-\(sales.count)", store: store,
                                at: t + Int64(random.int(5...180)) * 60_000, sku: garment.sku, size: garment.size,
                                quantity: random.int(1...2), loyaltyId: random.chance(0.8) ? code : nil))
                    }
                }
            }
            // Sales of things nobody tried at a mirror.
            for _ in 0..<random.int(2...6) {
                let item = random.pick(catalog)
                sales.append(
                    SaleLine(
                        lineId: "line-\(sales.count)", store: random.chance(0.5) ? "s1" : "s2",
                        at: midnight + Int64(random.int(9 * 3600...20 * 3600)) * 1000, sku: item.sku,
                        size: random.pick(item.sizes), loyaltyId: random.chance(0.3) ? "L\(random.int(1...15))" : nil))
            }
        }
        // Every mirror pushes in order of arrival, each batch twice (a lost answer); the hub's clock is then.
        for mirror in mirrors {
            var batch: [SyncOp] = []
            var batchArrives: Int64 = 0
            for (op, arrives) in mirror.ops + [
                (
                    SyncOp(opId: ULID.make(), seq: 0, hlc: .zero, entity: .sessionEvent, key: "end", patch: [:]),
                    Int64.max
                )
            ] {
                if (arrives != batchArrives || batch.count == 400), !batch.isEmpty {
                    clock.store(batchArrives, ordering: .relaxed)
                    for _ in 0..<2 { _ = try await hub.push(device: mirror.principal, SyncPushRequest(ops: batch)) }
                    batch = []
                }
                batchArrives = arrives
                if arrives != .max { batch.append(op) }
            }
        }
        clock.store(start + 33 * 86_400_000, ordering: .relaxed)
        for chunk in stride(from: 0, to: sales.count, by: 1000) {
            _ = try await hub.importSales(Array(sales[chunk..<min(sales.count, chunk + 1000)]))
        }
        return sales
    }

    static func recompute(_ raw: URL, _ arguments: [String]) throws -> InsightsReport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(repository)/scripts/insights-recompute", raw.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(InsightsReport.self, from: data)
    }

    @Test(arguments: Backend.allCases)
    func everyFigureAgreesWithAnIndependentRecomputation(backend: Backend) async throws {
        let clock = Atomic<Int64>(0)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            let sales = try await Self.month(hub, clock: clock)
            let all = try InsightsQuery.days(store: nil, from: Self.first, to: Self.last)
            let rows = try await hub.rawExport(store: nil, fromMillis: all.fromMillis, toMillis: all.toMillis)
            let raw = FileManager.default.temporaryDirectory.appendingPathComponent("raw-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: raw) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            try Data(rows.map { String(decoding: try encoder.encode($0), as: UTF8.self) + "\n" }.joined().utf8)
                .write(to: raw)

            let cases: [(InsightsQuery, [String])] = [
                (all, []),
                (try .days(store: "s1", from: Self.first, to: Self.last), ["--store", "s1"]),
                (
                    try .days(store: "s2", from: Self.first, to: Self.last, weekly: true),
                    ["--store", "s2", "--step", "week"]
                ),
                (try .days(store: "s1", from: "2026-10-14", to: "2026-10-20", k: 7), ["--store", "s1", "--k", "7"]),
                (
                    try .days(store: nil, from: "2026-10-30", to: Self.last, boughtWindowMinutes: 30),
                    ["--window", "30"]
                ),
            ]
            for (query, arguments) in cases {
                let hubReport = try await hub.insights(query)
                let days = ["--from", hubReport.from, "--to", hubReport.to]
                let script = try Self.recompute(raw, days + arguments)
                #expect(hubReport == script, "\(arguments)")
                if hubReport != script {
                    let pretty = JSONEncoder()
                    pretty.outputFormatting = [.sortedKeys, .prettyPrinted]
                    let a = String(decoding: try pretty.encode(hubReport), as: UTF8.self).split(separator: "\n")
                    let b = String(decoding: try pretty.encode(script), as: UTF8.self).split(separator: "\n")
                    let differing = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.prefix(10)
                    Issue.record(
                        "first differences: \(differing.map { "\($0.offset): \($0.element.0) | \($0.element.1)" })")
                }
            }
            // The month is big enough to fill the tables, and the hub's rules for stamps applied.
            let month = try await hub.insights(all)
            #expect((month.visits.visits ?? 0) > 300 && month.tryOns.count >= 10 && !month.funnel.isEmpty)
            #expect(!month.sizeSwaps.isEmpty && !month.staff.byHour.isEmpty && month.rating.average != nil)
            #expect(sales.count > 100)
        }
    }
}
