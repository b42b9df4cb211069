import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import MirrorTesting
import Synchronization
import Testing

/// The hub's figures against a second implementation of `docs/insights.md` (`scripts/insights-recompute`, Python,
/// written from the document alone) from what the mirrors and tills sent, applying the hub's rules for times and
/// repeats itself, and from the hub's raw export; a generated month of three mirrors in two stores: reports
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

    /// Loads the month into `hub`, and answers what was sent: every push as the mirror sent it, every sale line
    /// as the till sent it, and the catalog's sizes, as JSON lines for `scripts/insights-recompute`.
    static func month(_ hub: HubStore, clock: borrowing Atomic<Int64>) async throws -> (sales: [SaleLine], sent: URL) {
        var pushes: [InsightsHistory.Push] = []
        let sales = try await InsightsHistory.load(
            into: hub, catalog: catalog, first: first, sent: { pushes.append($0) }
        ) {
            clock.store($0, ordering: .relaxed)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func line(_ table: String, _ body: some Encodable) throws -> String {
            var object = try JSONDecoder().decode([String: JSONValue].self, from: try encoder.encode(body))
            object["table"] = .string(table)
            return String(decoding: try encoder.encode(object), as: UTF8.self) + "\n"
        }
        var text = ""
        for push in pushes {
            let ops = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(push.ops))
            text += try line(
                "push",
                [
                    "device_id": .string(push.device), "store_id": .string(push.store),
                    "received_ms": .number(Double(push.receivedMillis)), "ops": ops,
                ] as [String: JSONValue])
        }
        for sale in sales { text += try line("sale_line", sale) }
        for item in catalog {
            let row: [String: JSONValue] = ["sku": .string(item.sku), "sizes": .array(item.sizes.map { .string($0) })]
            text += try line("catalog", row)
        }
        let sent = FileManager.default.temporaryDirectory.appendingPathComponent("sent-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: sent)
        return (sales, sent)
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
            let (sales, sent) = try await Self.month(hub, clock: clock)
            defer { try? FileManager.default.removeItem(at: sent) }
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
            // From what was sent (the hub's rules for times and repeats applied by the script), and from the raw
            // export (the rows the hub kept).
            for (query, arguments) in cases {
                for (input, name) in [(sent, "sent"), (raw, "export")] {
                    let hubReport = try await hub.insights(query)
                    let days = ["--from", hubReport.from, "--to", hubReport.to]
                    var script = try Self.recompute(input, days + arguments)
                    // Which stores have no time zone is the hub's configuration, not a figure (all UTC here).
                    script.unzonedStores = hubReport.unzonedStores
                    #expect(hubReport == script, "\(name): \(arguments)")
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
            }
            // The month is big enough to fill the tables, and the hub's rules for stamps applied.
            let month = try await hub.insights(all)
            #expect((month.visits.visits ?? 0) > 300 && month.tryOns.count >= 10 && !month.funnel.isEmpty)
            #expect(!month.sizeSwaps.isEmpty && !month.staff.byHour.isEmpty && month.rating.average != nil)
            #expect(sales.count > 100)
        }
    }
}
