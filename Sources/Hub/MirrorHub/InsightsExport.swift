import Foundation
import MirrorProtocol

/// The daily export of the figures for the data warehouse (`mirrorhub export-insights`): one CSV file per table,
/// per store and for all stores, under `DIR/DAY/STORE/TABLE.csv` and `DIR/DAY/all/TABLE.csv`.
///
/// A mirror's report counts on its own day even when it arrives up to 30 days late (`docs/insights.md`, "The hub's
/// rules for times"), and sales arrive when the tills send them. So a nightly run writes every day of that window
/// again, not only yesterday: a day's files always hold what the hub knows of it now (files are replaced whole).
public enum InsightsExport {
    /// Days a nightly run writes by default: yesterday and the 30 before it, the window late reports can reach.
    public static let window = Int(HubStore.maxOfflineMillis / Day.millis) + 1

    /// The `count` days up to yesterday (UTC) at `now`, oldest first.
    public static func days(now: Int64, count: Int = window) -> [String] {
        let today = now / Day.millis * Day.millis
        return (1...max(count, 1)).reversed().map { Day.text(today - Int64($0) * Day.millis) }
    }

    /// Writes each of `days`' figures, with at least `k` visits in a published cell; returns how many files.
    public static func write(_ store: HubStore, days: [String], into dir: String, k: Int) async throws -> Int {
        let ids = try await store.stores().map(\.id)
        // Stores added before their ids were checked as folder names: nothing is written rather than a file outside
        // the folder, or a store's figures over the chain's.
        if let unsafe = ids.first(where: HubStore.reservedStoreIDs.contains) {
            throw HubError(.badConfig, "store id '\(unsafe)' cannot name a folder of the export; nothing written")
        }
        var written = 0
        for day in days {
            for id in ids + [nil] as [String?] {
                let report = try await store.insights(try InsightsQuery.days(store: id, from: day, to: day, k: k))
                let folder = URL(fileURLWithPath: dir).appendingPathComponent(day).appendingPathComponent(id ?? "all")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for table in report.tables() {
                    let file = folder.appendingPathComponent("\(table.name).csv")
                    try Data(InsightsReport.csv(table).utf8).write(to: file, options: .atomic)
                    written += 1
                }
            }
        }
        return written
    }
}
