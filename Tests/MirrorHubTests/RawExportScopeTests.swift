import Foundation
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// Issue: `export-raw --store s1` carried every store's visit-to-shopper links (the whole `visit_shoppers` table,
/// whatever the store or range). Now only the links of the visits the export holds go with it.
@Suite struct RawExportScopeTests {
    @Test(arguments: Backend.allCases)
    func aStoresExportHoldsOnlyItsOwnVisitsShoppers(backend: Backend) async throws {
        let clock = Atomic<Int64>(0)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            _ = try await InsightsRecomputeTests.month(hub, clock: clock)
            let week = try InsightsQuery.days(store: "s1", from: "2026-10-12", to: "2026-10-18")
            let rows = try await hub.rawExport(store: "s1", fromMillis: week.fromMillis, toMillis: week.toMillis)
            func table(_ name: String) -> [[String: JSONValue]] {
                rows.compactMap { row -> [String: JSONValue]? in
                    guard case .object(let object) = row, object["table"] == .string(name) else { return nil }
                    return object
                }
            }
            let visits = Set(table("session_events").map { "\($0["device_id"]!)/\($0["session_id"]!)" })
            let links = table("visit_shoppers").map { "\($0["device_id"]!)/\($0["session_id"]!)" }
            #expect(!links.isEmpty, "the week has identified visits at s1")
            #expect(links.allSatisfy(visits.contains), "every link is of a visit in the export")
            let everything = try await hub.rawExport(store: nil, fromMillis: 0, toMillis: Int64.max / 4)
            let allLinks = everything.filter {
                if case .object(let object) = $0 { object["table"] == .string("visit_shoppers") } else { false }
            }
            #expect(links.count < allLinks.count)
            // Read a page at a time (a long history is never held whole): the same rows, in the same order.
            let paged = Mutex<[JSONValue]>([])
            try await hub.rawExport(store: nil, fromMillis: 0, toMillis: Int64.max / 4, pageSize: 7) { row in
                paged.withLock { $0.append(row) }
            }
            #expect(paged.withLock { $0 } == everything)
        }
    }
}
