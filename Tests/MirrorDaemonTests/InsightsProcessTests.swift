import Foundation
import MirrorAPIModel
import MirrorCore
import MirrorProtocol
import MirrorSuggest
import MirrorTesting
import Testing

/// The whole loop with real processes: shoppers hold a price tag up to a real mirror, the mirror syncs what they
/// tried to a real hub, the till's sales are imported with `mirrorhub import-sales`, and head office reads the
/// figures with `mirrorctl insights --hub` (table, JSON and CSV) and `mirrorhub insights`.
@Suite struct InsightsProcessTests {
    @Test func whatShoppersTriedAtAMirrorAndBoughtAtTheTillReachHeadOffice() async throws {
        let catalog = try CatalogFolder("\(Binaries.repository)/config/catalog").loadCatalogFile()
        let jumper = try #require(catalog.items.first { $0.sku == "KN-101-RUS" })
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(interval: 1)
        defer { hub.crash() }
        // The mirror's camera sees the jumper's tag (size M), looping.
        try daemon.replayCamera(try PriceTagScene.mjpeg(try #require(jumper.barcodes?["M"])), named: "price-tag")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        // Six visits, each trying the jumper on (its tag held up), then Finish: five rate it (5, 4, 5, 4, 5) with
        // a tap on a face, the sixth skips.
        for visit in 0..<6 {
            #expect(try await ctl("ui", "event", "start").status == 0)
            let began = ContinuousClock.now
            var seen = false
            while !seen, ContinuousClock.now - began < .seconds(20) {
                let report = try JSONDecoder().decode(
                    SuggestionsReport.self, from: Data(try await ctl("suggestions", "--json").stdout.utf8))
                seen = report.tried.contains(jumper.sku)
                if !seen { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(seen, "visit \(visit + 1): the tag was not read within 20 s")
            #expect(try await ctl("ui", "press", "finish").status == 0)
            #expect(try await ctl("ui", "press", visit == 5 ? "skip" : "rate:\(visit % 2 == 0 ? 5 : 4)").status == 0)
            try await Task.sleep(for: .milliseconds(200))
        }
        // The last visit ends when its thank-you screen times out: its end (and so every dwell) is written then.
        let idle = try await eventuallyAsync(timeout: .seconds(30)) {
            (try? await ctl("ui", "state", "--json").stdout.contains("\"state\" : \"idle\"")) == true
        }
        #expect(idle, "the last visit did not end")

        // The till: a file with a bad row imports nothing and names it; the good one imports.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let bad = "\(hub.folder)/bad.csv"
        try "line_id,store,time,sku\nx1,demo-store,\(now),KN-101-RUS\nx2,demo-store,soon,KN-101-RUS\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try await run(
            Binaries.path("mirrorhub"), ["import-sales", bad, "--database", hub.database])
        #expect(refused.status == 65 && refused.stderr.contains("line 3: time"), "\(refused)")
        let sales = "\(hub.folder)/sales.jsonl"
        try (0..<3).map {
            #"{"line_id": "t\#($0)", "store": "demo-store", "time": \#(now + 1000), "sku": "KN-101-RUS", "size": "M"}"#
        }
        .joined(separator: "\n").write(toFile: sales, atomically: true, encoding: .utf8)
        #expect(try await hub.admin("import-sales", sales).hasPrefix("imported 3 sale lines"))

        let credential = "\(hub.folder)/head-office"
        try headOffice.write(toFile: credential, atomically: true, encoding: .utf8)
        func insights(_ format: String...) async throws -> Outcome {
            try await run(
                Binaries.path("mirrorctl"),
                ["insights", "--hub", hub.url, "--credential-file", credential, "--store", "demo-store"] + format)
        }
        // Synced within a few rounds: six visits, the jumper tried in M six times (scanned), three bought. A round
        // may carry a visit's start without its try-on or end (the next round brings them), so this waits for all
        // of it, and for two looks a sync round apart to agree.
        var report: InsightsReport?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let outcome = try await insights("--json")
            #expect(outcome.status == 0, "\(outcome)")
            let previous = report
            report = try? JSONDecoder().decode(InsightsReport.self, from: Data(outcome.stdout.utf8))
            if report?.visits.visits == 6, report?.tryOns.first?.visits == 6, report?.rating.ratings == 5,
                report == previous
            {
                break
            }
            try await Task.sleep(for: .milliseconds(1200))
        }
        let figures = try #require(report)
        #expect(figures.visits.visits == 6 && figures.visits.dwellP50Seconds != nil)
        #expect(figures.rating.ratings == 5 && figures.rating.average == 4.6, "\(figures.rating)")
        #expect(
            figures.tryOns == [
                TryOnFigures(
                    sku: jumper.sku, size: "M", visits: 6, scanned: 6, recognised: 0, bought: nil, boughtOtherSize: 0,
                    notBought: nil)
            ], "three bought and three not: both fewer than 5")
        let table = try await insights()
        #expect(table.status == 0 && table.stdout.contains("Tried on, per SKU and size"))
        #expect(table.stdout.contains("KN-101-RUS  M     6"), "\(table.stdout)")
        let csv = try await insights("--csv", "try_ons")
        #expect(
            csv.stdout.hasPrefix(
                "sku,size,visits,scanned,recognised,bought,bought_other_size,not_bought\r\nKN-101-RUS,M,6,6,0,,0,\r\n"))
        let lowered = try await insights("--k", "2")
        #expect(lowered.status == 65 && lowered.stderr.contains("never lowered"), "\(lowered)")
        let local = try await hub.admin("insights", "--store", "demo-store", "--json")
        let localFigures = try JSONDecoder().decode(InsightsReport.self, from: Data(local.utf8))
        #expect(localFigures == figures, "\(localFigures) vs \(figures)")
        #expect(try await daemon.stop() == 0)
    }
}
