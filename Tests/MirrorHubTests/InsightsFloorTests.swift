import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import Testing

/// Every published cell floors on distinct visits, not on the pairs or requests it counts: twelve suggestions shown
/// in four visits, six taps from two visits, or five smaller-size requests from one visit give no one away.
@Suite struct InsightsFloorTests {
    @Test(arguments: Backend.allCases)
    func cellsFloorOnVisitsNotOnPairsOrRequests(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { InsightsTests.midnight + 20 * 3_600_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            _ = try await hub.putCatalog(InsightsTests.catalog)
            let outbox = InsightsTests.Outbox()
            for i in 0..<8 {
                let session = "v\(i)"
                let t = InsightsTests.midnight + 12 * 3_600_000 + Int64(i) * 600_000
                outbox.event(session, VisitEventKind.started, at: t)
                for (n, sku) in ["X1", "X2", "X3"].enumerated() {
                    // Three "also in" styles shown to every visit; the first two visits tap all three.
                    outbox.event(
                        session, VisitEventKind.suggestionShown, at: t + 100 + Int64(n),
                        ["sku": .string(sku), "suggestionKind": "also-in"])
                    if i < 2 {
                        outbox.event(
                            session, VisitEventKind.suggestionTapped, at: t + 200 + Int64(n),
                            ["sku": .string(sku), "suggestionKind": "also-in"])
                    }
                    // Three "similar" styles shown to the first four visits only: twelve pairs, four visits.
                    if i < 4 {
                        outbox.event(
                            session, VisitEventKind.suggestionShown, at: t + 300 + Int64(n),
                            ["sku": .string("S\(n)"), "suggestionKind": "similar"])
                    }
                }
                // Five visits ask for A a size up once; the sixth asks for it a size down five times.
                if i < 5 {
                    outbox.event(
                        session, VisitEventKind.sizeRequest, at: t + 400, ["sku": "A", "size": "L", "triedSize": "M"])
                } else if i == 5 {
                    for n in 0..<5 {
                        outbox.event(
                            session, VisitEventKind.sizeRequest, at: t + 400 + Int64(n),
                            ["sku": "A", "size": "S", "triedSize": "M"])
                    }
                }
                outbox.event(session, VisitEventKind.ended, at: t + 60_000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let day = InsightsTests.day
            let report = try await hub.insights(try InsightsQuery.days(store: "s1", from: day, to: day))
            #expect(report.visits.visits == 8)
            // "similar": twelve pairs from four visits, withheld; "also in": six taps from two visits, withheld.
            #expect(report.funnel.map(\.kind) == ["also-in"] && report.withheld["funnel"] == 1)
            #expect(report.funnel.first?.shown == 24 && report.funnel.first?.tapped == nil)
            // A's swaps: ten requests from six visits; down from one visit, so up and down are both withheld.
            #expect(report.sizeSwaps.map(\.sku) == ["A"])
            #expect(report.sizeSwaps.first?.up == nil && report.sizeSwaps.first?.down == nil)
        }
    }
}
