import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorTesting
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

    static let catalog: [CatalogItem] = [
        ("TS-1", ["XS", "S", "M", "L", "XL"]), ("TS-2", ["XS", "S", "M", "L", "XL"]),
        ("JN-1", ["26", "28", "30", "32"]),
        ("JN-2", ["26", "28", "30", "32"]), ("DR-1", ["34", "36", "38", "40"]), ("CO-1", ["S", "M", "L"]),
    ].map { sku, sizes in
        CatalogItem(
            sku: sku, style: sku, name: sku, brand: "X", price: 1000, category: .tops, colour: "navy", hex: "#000080",
            sizes: sizes)
    }

    static func month(_ hub: HubStore, clock: borrowing Atomic<Int64>) async throws -> [SaleLine] {
        try await InsightsHistory.load(into: hub, catalog: catalog, first: first) {
            clock.store($0, ordering: .relaxed)
        }
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
                // Days asked apart see the same matches as the month.
                (try .days(store: nil, from: "2026-10-30", to: "2026-10-30"), []),
                (try .days(store: nil, from: "2026-10-31", to: Self.last), []),
            ]
            for (query, arguments) in cases {
                let hubReport = try await hub.insights(query)
                let days = ["--from", hubReport.from, "--to", hubReport.to]
                var script = try Self.recompute(raw, days + arguments)
                // Which stores have no time zone is the hub's configuration, not a figure (all UTC here).
                script.unzonedStores = hubReport.unzonedStores
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
