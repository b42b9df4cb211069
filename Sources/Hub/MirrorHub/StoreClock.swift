import Foundation

/// Each store's own clock for its figures: a time as the wall clock in the store showed it, written as
/// milliseconds since 1970 as if that wall clock were UTC. Days, weeks and hours of day are then cut in the store's
/// own time by the same arithmetic for every store (`Day`), and an all-stores range uses each store's own days.
/// A store without a time zone keeps UTC (the insight report names it).
struct StoreClock: Sendable {
    /// Store id → its IANA zone; absent: UTC.
    var zones: [String: TimeZone] = [:]

    /// The widest offset from UTC of any zone (UTC+14): how far a store's day may lie from the UTC day.
    static let widestOffset: Int64 = 14 * 3_600_000

    /// `at` on the store's wall clock.
    func local(_ at: Int64, store: String) -> Int64 {
        guard let zone = zones[store] else { return at }
        let instant = Date(timeIntervalSince1970: TimeInterval(at) / 1000)
        return at + Int64(zone.secondsFromGMT(for: instant)) * 1000
    }
}
