import Foundation

/// What a figure request asks: a store (nil: every store the caller may see), a range of UTC days, the least
/// number of visits a published cell covers, how long after a try-on a sale still counts, and the series' step.
public struct InsightsQuery: Sendable, Hashable {
    public var store: String?
    /// Milliseconds since 1970 of the first day's midnight (UTC), and of the midnight after the last day.
    public var fromMillis: Int64
    public var toMillis: Int64
    public var k: Int
    public var weekly: Bool

    public static let defaultK = 5
    /// The bought window until the hub sets another (`mirrorhub set-bought-window`).
    public static let defaultWindowMinutes = 120
    /// The longest range one request covers.
    public static let maxDays = 400

    public init(
        store: String?, fromMillis: Int64, toMillis: Int64, k: Int = defaultK,
        weekly: Bool = false
    ) {
        self.store = store
        self.fromMillis = fromMillis
        self.toMillis = toMillis
        self.k = k
        self.weekly = weekly
    }

    /// The UTC day of `millis`, `YYYY-MM-DD`.
    public static func dayText(_ millis: Int64) -> String { Day.text(millis) }

    /// A query from days written `YYYY-MM-DD` (both inclusive); k may only be raised above the default.
    public static func days(
        store: String?, from: String, to: String, k: Int = defaultK, weekly: Bool = false
    ) throws -> InsightsQuery {
        guard let start = Day.millis(from) else { throw HubError(.badRequest, "from must be a day, YYYY-MM-DD") }
        guard let last = Day.millis(to) else { throw HubError(.badRequest, "to must be a day, YYYY-MM-DD") }
        guard last >= start else { throw HubError(.badRequest, "to must not be before from") }
        guard (last - start) / Day.millis < Int64(maxDays) else {
            throw HubError(.badRequest, "a range covers at most \(maxDays) days")
        }
        guard (defaultK...1000).contains(k) else {
            throw HubError(.badRequest, "k must be from \(defaultK) to 1000: it may be raised, never lowered")
        }
        return InsightsQuery(
            store: store, fromMillis: start, toMillis: last + Day.millis, k: k,
            weekly: weekly)
    }
}

/// UTC days, as the figures count them.
enum Day {
    static let millis: Int64 = 86_400_000

    static func millis(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (2000...2099).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
            calendar.dateComponents([.year, .month, .day], from: date) == components
        else { return nil }
        return Int64(date.timeIntervalSince1970) * 1000
    }

    static func text(_ millis: Int64) -> String {
        let start = Date(timeIntervalSince1970: TimeInterval(floorDiv(millis, Self.millis) * 86_400))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Midnight of the day of `millis`, or of its week's Monday (1970-01-01 was a Thursday).
    static func start(_ millis: Int64, weekly: Bool) -> Int64 {
        let day = floorDiv(millis, Self.millis)
        return (weekly ? day - (day + 3) % 7 : day) * Self.millis
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
