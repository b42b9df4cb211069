import ArgumentParser
import Foundation
import MirrorHub
import MirrorProtocol
import MirrorSuggest
import MirrorTesting
import Synchronization

/// A hub database with a generated month of the demo store's history (``InsightsHistory``), so the figures
/// (`mirrorhub insights`, the hub's insights page) have something to show on a new machine.
struct InsightsHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights-history",
        abstract: "Fill a hub database with a generated history of visits and sales (the demo's figures).",
        discussion: "Does nothing when the database holds visits already.")

    @Option(help: "The hub's SQLite file.") var database: String
    @Option(help: "The store the history is of (a second store, STORE-2, gets one mirror).") var store = "demo-store"
    @Option(help: "Days of history, ending yesterday (UTC).") var days = 28
    @Option(help: "The catalog folder whose items are tried.") var catalog = "config/catalog"

    func run() async throws {
        let items = try CatalogFolder(catalog).loadCatalogFile().items
        let clock = Atomic<Int64>(HubStore.systemMillis())
        let backend = try SQLiteHubDatabase(path: database)
        let hub = try await HubStore(database: backend) { clock.load(ordering: .relaxed) }
        let held = try await hub.database.transaction { tx in
            try await tx.query("SELECT COUNT(*) FROM session_events").first?.int(0) ?? 0
        }
        guard held == 0 else {
            print("\(database) holds visits already; nothing generated")
            return
        }
        let today = HubStore.systemMillis() / 86_400_000 * 86_400_000
        let first = InsightsQuery.dayText(today - Int64(days) * 86_400_000)
        let (store, days) = (store, days)
        let sales = try await InsightsHistory.load(
            into: hub, catalog: items, stores: (store, "\(store)-2"), first: first, days: days
        ) { clock.store($0, ordering: .relaxed) }
        print("generated \(days) days of visits from \(first) and \(sales.count) sale lines into \(database)")
    }
}
