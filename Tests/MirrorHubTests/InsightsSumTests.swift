import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import Testing

/// Withheld cells that add up with published ones to a published total must not add up to under k together: two
/// days of one visit each, withheld in a week of 32 published visits, were each 1 (32 less the 30 published, and
/// neither can be 0). A rating week under k was dropped while its count (and so its average) followed from the
/// range's totals.
@Suite struct InsightsSumTests {
    static func visit(
        _ outbox: InsightsTests.Outbox, _ session: String, day: Int, minute: Int, rating: Int? = nil
    ) {
        let t = InsightsTests.midnight + Int64(day) * 86_400_000 + 36_000_000 + Int64(minute) * 60_000
        outbox.event(session, VisitEventKind.started, at: t)
        if let rating { outbox.event(session, VisitEventKind.rated, at: t + 1000, ["rating": .number(Double(rating))]) }
        outbox.event(session, VisitEventKind.ended, at: t + 30_000)
    }

    @Test(arguments: Backend.allCases)
    func withheldDaysNeverAddUpToUnderK(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { InsightsTests.midnight + 8 * 86_400_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            let outbox = InsightsTests.Outbox()
            // Monday and Tuesday one visit each; Wednesday to Sunday six each.
            for day in 0..<7 {
                for n in 0..<(day < 2 ? 1 : 6) { Self.visit(outbox, "d\(day)-\(n)", day: day, minute: n) }
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let report = try await hub.insights(
                try InsightsQuery.days(store: "s1", from: "2026-11-02", to: "2026-11-08"))
            #expect(report.visits.visits == 32)
            let withheld = report.series.filter { $0.visits == nil }
            let published = report.series.compactMap(\.visits).reduce(0, +)
            // What the withheld days hold together, as anyone can work it out, covers at least k visits.
            #expect(withheld.count >= 3 && 32 - published >= report.k, "\(report.series)")
        }
    }

    @Test(arguments: Backend.allCases)
    func aDroppedRatingWeekCannotBeWorkedOutFromTheTotals(backend: Backend) async throws {
        _ = try await withHub(backend, wallClock: { InsightsTests.midnight + 15 * 86_400_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            let outbox = InsightsTests.Outbox()
            // Six ratings in the first week, two in the second.
            for n in 0..<6 { Self.visit(outbox, "a\(n)", day: 1, minute: n, rating: 4) }
            for n in 0..<2 { Self.visit(outbox, "b\(n)", day: 8, minute: n, rating: 1) }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let report = try await hub.insights(
                try InsightsQuery.days(store: "s1", from: "2026-11-02", to: "2026-11-15"))
            #expect(report.rating.ratings == 8 && report.rating.average != nil)
            let published = report.rating.weeks.map(\.ratings).reduce(0, +)
            #expect(8 - published == 0 || 8 - published >= report.k, "\(report.rating.weeks)")
        }
    }
}
