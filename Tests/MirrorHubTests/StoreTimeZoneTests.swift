import Foundation
import MirrorHub
import MirrorProtocol
import Testing

/// Every store counts its own days and hours: a Los Angeles store's evening visits are on its own day, not the next
/// UTC day, and its staff answer in its own hours; a store with no time zone keeps UTC and the report says so.
@Suite struct StoreTimeZoneTests {
    @Test(arguments: Backend.allCases)
    func aStoreCountsItsOwnDaysAndHours(backend: Backend) async throws {
        let midnight = InsightsTests.midnight  // 2026-11-02, UTC
        _ = try await withHub(backend, wallClock: { midnight + 3 * 86_400_000 }) { hub in
            try await hub.addStore(id: "la", name: "Los Angeles", timeZone: "America/Los_Angeles")
            try await hub.addStore(id: "plain", name: "No zone yet")
            let mirror = try await HubStoreTests.enrolled(hub, store: "la")
            // Five visits from 20:00 on 2 November in Los Angeles (UTC−8): 04:00 on 3 November in UTC. Each asks
            // for a garment a minute in, brought 30 s later.
            let outbox = InsightsTests.Outbox()
            let evening = midnight + 28 * 3_600_000
            for i in 0..<5 {
                let t = evening + Int64(i) * 600_000
                outbox.event("v\(i)", VisitEventKind.started, at: t)
                outbox.request("r\(i)", session: "v\(i)", sku: "A", at: t + 60_000, doneAt: t + 90_000)
                outbox.event("v\(i)", VisitEventKind.ended, at: t + 300_000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))

            let second = try await hub.insights(try .days(store: "la", from: "2026-11-02", to: "2026-11-02"))
            #expect(second.visits.visits == 5 && second.staff.requests == 5)
            #expect(second.staff.byHour.map(\.hour) == [20])
            #expect(second.series.map(\.start) == ["2026-11-02"] && second.series.first?.visits == 5)
            #expect(second.unzonedStores == nil)
            let third = try await hub.insights(try .days(store: "la", from: "2026-11-03", to: "2026-11-03"))
            #expect(third.visits.visits == 0 && third.staff.requests == 0)
            // Over all stores each keeps its own days; the store without a zone is named.
            let chain = try await hub.insights(try .days(store: nil, from: "2026-11-02", to: "2026-11-02"))
            #expect(chain.visits.visits == 5 && chain.unzonedStores == ["plain"])

            // A zone is set later, and refused when the system does not know it.
            try await hub.setTimeZone(store: "plain", timeZone: "Europe/Paris")
            #expect(
                try await hub.insights(try .days(store: nil, from: "2026-11-02", to: "2026-11-02")).unzonedStores == nil
            )
            #expect(try await hub.stores().first { $0.id == "plain" }?.timeZone == "Europe/Paris")
            await #expect(throws: HubError.self) { try await hub.setTimeZone(store: "plain", timeZone: "Mars/Olympus") }
            await #expect(throws: HubError.self) { try await hub.setTimeZone(store: "nowhere", timeZone: "UTC") }
            await #expect(throws: HubError.self) {
                try await hub.addStore(id: "bad", name: "Bad zone", timeZone: "Not/AZone")
            }
        }
    }
}
