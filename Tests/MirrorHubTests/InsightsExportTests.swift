import Foundation
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// Issue: `export-insights` wrote only yesterday (UTC), so a report that arrived late (mirrors may be up to 30
/// days late, and the tills' sales come when they come) never reached a day's files once written. A nightly run now
/// writes yesterday and the days before it that late reports can reach, each day's files replaced whole.
@Suite struct InsightsExportTests {
    @Test func aNightlyRunCoversTheDaysLateReportsCanReach() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-04T12:00:00Z")).timeIntervalSince1970
        let days = InsightsExport.days(now: Int64(now * 1000))
        #expect(days.count == 31 && days.first == "2026-10-04" && days.last == "2026-11-03")
        #expect(InsightsExport.days(now: Int64(now * 1000), count: 1) == ["2026-11-03"])
    }

    @Test func aDayWrittenBeforeIsWrittenAgainWhole() async throws {
        let clock = Atomic<Int64>(0)
        _ = try await withHub(.sqlite, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            _ = try await InsightsRecomputeTests.month(hub, clock: clock)
            let dir = NSTemporaryDirectory() + "insights-export-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let days = ["2026-10-20", "2026-10-21"]
            let written = try await InsightsExport.write(hub, days: days, into: dir, k: 5)
            let folders = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/2026-10-21").sorted()
            #expect(folders == ["all", "s1", "s2"])
            let tables = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/2026-10-21/s1")
            #expect(written == days.count * folders.count * tables.count && !tables.isEmpty)
            let file = "\(dir)/2026-10-20/all/\(tables.sorted()[0])"
            let first = try String(contentsOfFile: file, encoding: .utf8)
            try "stale".write(toFile: file, atomically: true, encoding: .utf8)
            _ = try await InsightsExport.write(hub, days: days, into: dir, k: 5)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == first)
        }
    }
}
