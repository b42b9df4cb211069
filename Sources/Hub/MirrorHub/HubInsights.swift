import Foundation
public import MirrorProtocol

extension HubStore {
    /// The figures for `query`, as `caller` may see them (staff: their own store only).
    ///
    /// Read from the raw events of the range; visits are counted on the day they began (a visit's events are read
    /// up to six hours either side of the range); what was brought and bought from the pairs and matches the hub
    /// keeps as rows arrive.
    public func insights(_ query: InsightsQuery, caller: Principal? = nil) async throws -> InsightsReport {
        var stores: [String]?
        if let store = query.store {
            try Validate.identifier(store, "store")
            if let caller, !caller.canAccess(store: store) { throw HubError(.forbidden, "not your store: \(store)") }
            stores = [store]
        } else if let caller, caller.role != .headOffice {
            stores = caller.storeId.map { [$0] } ?? []
        }
        // A visit's events are read six hours either side of the range, which widens by the widest time zone
        // offset: each store's days are its own (`StoreClock`), cut after reading.
        let margin: Int64 = 6 * 3600 * 1000 + StoreClock.widestOffset
        let widest = StoreClock.widestOffset
        // Matches and pairs of the visits read: they count from a try-on or a garment brought, within the visit.
        let pairsFrom = query.fromMillis - margin
        let pairsTo = query.toMillis + margin + 7 * Day.millis
        let filter = stores.map { "store_id IN (\($0.map { _ in "?" }.joined(separator: ", ")))" } ?? "1 = 1"
        let storeArguments = (stores ?? []).map { SQLValue.text($0) }
        let (events, requests, matches, brought, catalog, zones, window) = try await database.transaction { tx in
            let events = try await tx.query(
                """
                SELECT device_id, session_id, store_id, at_ms, kind, sku, size, via, suggestion_kind, tried_size,
                    rating, detail, id
                FROM session_events WHERE \(filter) AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, device_id, id
                """, storeArguments + [.int(query.fromMillis - margin), .int(query.toMillis + margin)])
            let requests = try await tx.query(
                """
                SELECT device_id, session_id, at_ms, sku, state, done_ms, store_id FROM staff_requests
                WHERE \(filter) AND at_ms >= ? AND at_ms < ?
                """, storeArguments + [.int(query.fromMillis - widest), .int(query.toMillis + widest)])
            let matches = try await tx.query(
                """
                SELECT device_id, session_id, sku, size_tried, size_sold FROM sale_matches
                WHERE \(filter) AND line_ms >= ? AND line_ms < ?
                """, storeArguments + [.int(pairsFrom), .int(pairsTo)])
            let brought = try await tx.query(
                """
                SELECT device_id, session_id, sku FROM tryon_pairs
                WHERE \(filter) AND at_ms >= ? AND at_ms < ? AND brought_ms IS NOT NULL
                """, storeArguments + [.int(pairsFrom), .int(pairsTo)])
            let catalog = try await tx.query("SELECT sku, body FROM catalog")
            let zones = try await tx.query("SELECT id, time_zone FROM stores")
            return (events, requests, matches, brought, catalog, zones, try await self.boughtWindowMinutes(tx: tx))
        }
        var clock = StoreClock()
        var unzoned: [String] = []
        for row in zones where stores?.contains(row.text(0)) ?? true {
            if let name = row.optionalText(1), let zone = TimeZone(identifier: name) {
                clock.zones[row.text(0)] = zone
            } else {
                unzoned.append(row.text(0))
            }
        }
        var sizes: [String: [String]] = [:]
        for row in catalog {
            if let item = try? JSONDecoder().decode(CatalogItem.self, from: Data(row.text(1).utf8)) {
                sizes[item.sku] = item.sizes
            }
        }
        var figures = InsightsFigures(query: query, sizes: sizes, clock: clock)
        for row in events { figures.add(event: row) }
        figures.closeVisits()
        for row in requests { figures.add(request: row) }
        // What was brought and bought, as the hub matched it when the rows arrived (HubSaleMatches.swift).
        for row in brought { figures.visits[VisitKey(row)]?.brought.insert(row.text(2)) }
        for row in matches {
            // The size sold (the size tried when the till did not say).
            let sold: String? = row.optionalText(4) ?? row.optionalText(3)
            figures.visits[VisitKey(row)]?.bought[row.text(2)] = .some(sold)
        }
        var report = figures.report(store: query.store)
        report.unzonedStores = unzoned.isEmpty ? nil : unzoned.sorted()
        report.boughtWindowMinutes = window
        return report
    }
}

/// The figures' arithmetic, over the rows of one request. The same rules are written out independently in
/// `scripts/insights-recompute` and a test holds the two to the same answers.
struct InsightsFigures {
    struct Visit {
        var store = ""
        var start = Int64.max
        var started: Int64?
        var ended: Int64?
        var looks = 0
        var identified = false
        var granted = 0
        var declined = 0
        var shared = 0
        var saved = 0
        var rating: Int?
        /// SKU → the first time it was tried, whether its tag was scanned, and the sizes scanned.
        var tried: [String: (at: Int64, scanned: Bool, sizes: [String])] = [:]
        /// SKU → the suggestion kind it was first shown as.
        var shown: [String: String] = [:]
        var tapped: Set<String> = []
        /// SKUs staff brought (a request for it marked done), and SKUs a unit sold was matched to, with the size sold.
        var brought: Set<String> = []
        var bought: [String: String?] = [:]
        var requested = 0
        /// Size requests with a tried size: SKU, size tried, size asked for.
        var swaps: [(sku: String, tried: String, asked: String)] = []
    }

    let query: InsightsQuery
    let sizes: [String: [String]]
    var visits: [VisitKey: Visit] = [:]
    var answers: [(at: Int64, seconds: Double, visit: VisitKey)] = []
    var requestCount = 0
    var requestVisits: Set<VisitKey> = []
    var openCount = 0
    var openVisits: Set<VisitKey> = []

    let clock: StoreClock

    init(query: InsightsQuery, sizes: [String: [String]], clock: StoreClock = .init()) {
        self.query = query
        self.sizes = sizes
        self.clock = clock
    }

    mutating func add(event row: SQLRow) {
        let key = VisitKey(device: row.text(0), session: row.text(1))
        let at = clock.local(row.int(3), store: row.text(2))
        let kind = row.text(4)
        let sku = row.optionalText(5)
        var visit = visits[key] ?? Visit()
        visit.store = row.text(2)
        visit.start = min(visit.start, at)
        switch kind {
        case VisitEventKind.started: visit.started = visit.started ?? at
        case VisitEventKind.ended: visit.ended = visit.ended ?? at
        case VisitEventKind.recordedLook: visit.looks += 1
        case VisitEventKind.identified: visit.identified = true
        case VisitEventKind.unidentified: visit.identified = false
        case VisitEventKind.consentAnswered:
            if row.text(11) == "granted" {
                visit.granted += 1
            } else if row.text(11) == "declined" {
                visit.declined += 1
            }
        case VisitEventKind.lookShared: visit.shared += 1
        case VisitEventKind.lookSaved: visit.saved += 1
        case VisitEventKind.rated: visit.rating = row.optionalInt(10).map(Int.init) ?? visit.rating
        case VisitEventKind.triedOn:
            guard let sku else { break }
            let scanned = row.optionalText(7) == TryOnSource.scan.rawValue
            var entry = visit.tried[sku] ?? (at, false, [])
            entry.scanned = entry.scanned || scanned
            if scanned, let size = row.optionalText(6), !entry.sizes.contains(size) { entry.sizes.append(size) }
            visit.tried[sku] = entry
        case VisitEventKind.suggestionShown:
            if let sku, visit.shown[sku] == nil { visit.shown[sku] = row.optionalText(8) ?? "unknown" }
        case VisitEventKind.suggestionTapped:
            if let sku { visit.tapped.insert(sku) }
        case VisitEventKind.suggestionAccepted:
            if let sku { visit.tapped.insert(sku) }
        case VisitEventKind.sizeRequest:
            if let sku, let tried = row.optionalText(9), let asked = row.optionalText(6), !sku.isEmpty {
                visit.swaps.append((sku, tried, asked))
            }
        default: break
        }
        visits[key] = visit
    }

    /// Keeps the visits that began in the range.
    mutating func closeVisits() {
        visits = visits.filter { _, visit in
            let start = visit.started ?? visit.start
            return start >= query.fromMillis && start < query.toMillis
        }
        for (key, visit) in visits { visits[key]?.start = visit.started ?? visit.start }
    }

    /// A request asked in the range, on its store's days; its answer time is what the two stamps say.
    mutating func add(request row: SQLRow) {
        let key = VisitKey(device: row.text(0), session: row.text(1))
        let asked = row.int(2)
        let at = clock.local(asked, store: row.text(6))
        guard at >= query.fromMillis, at < query.toMillis else { return }
        requestCount += 1
        requestVisits.insert(key)
        visits[key]?.requested += 1
        if row.text(4) == "done", let done = row.optionalInt(5) {
            answers.append((at, Double(max(0, done - asked)) / 1000, key))
        } else if row.text(4) == "open" {
            // A request the shopper cancelled is neither open nor answered.
            openCount += 1
            openVisits.insert(key)
        }
    }

    /// A count of visits as published: nil from 1 to k−1.
    func cell(_ count: Int) -> Int? { count == 0 || count >= query.k ? count : nil }

    /// A count of part of a published total, as published: nil when the part or the rest is from 1 to k−1 (the
    /// rest would give the part away, total minus rest).
    func cell(_ part: Int, of total: Int) -> Int? { cell(part) != nil && cell(total - part) != nil ? part : nil }

    /// Cells that add up to a published total (`counts`, their true values): the withheld ones together are the
    /// total less the published ones, so while one alone is withheld, or they add up to under k, the smallest other
    /// non-zero one is withheld too (the first on a tie): no withheld cell, nor any two that add up to 2, can then be
    /// worked out.
    static func secondary(_ cells: [Int?], counts: [Int], k: Int) -> [Int?] {
        var result = cells
        while true {
            let hidden = result.indices.filter { result[$0] == nil }
            let sum = hidden.reduce(0) { $0 + counts[$1] }
            guard !hidden.isEmpty, hidden.count == 1 || sum < k else { return result }
            let other = counts.indices.filter { result[$0] != nil && counts[$0] > 0 }.min {
                (counts[$0], $0) < (counts[$1], $1)
            }
            guard let other else { return result }
            result[other] = nil
        }
    }

    /// The nearest-rank percentile (`p` of 100) of `values`, sorted here.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    func report(store: String?) -> InsightsReport {
        let k = query.k
        let all = Array(visits.values)
        var withheld: [String: Int] = [:]
        var figures = VisitFigures(visits: cell(all.count))
        if all.count >= k {
            let n = Double(all.count)
            figures.withClip = cell(all.filter { $0.looks > 0 }.count, of: all.count)
            figures.looksPerVisit = Double(all.reduce(0) { $0 + $1.looks }) / n
            let identified = all.filter(\.identified).count
            figures.identifiedShare = cell(identified, of: all.count).map { Double($0) / n }
            figures.consentGranted = cell(all.filter { $0.granted > 0 }.count, of: all.count)
            figures.consentDeclined = cell(all.filter { $0.declined > 0 }.count, of: all.count)
            let dwell = all.compactMap { v in v.ended.map { Double(max(0, $0 - v.start)) / 1000 } }
            if dwell.count >= k {
                figures.dwellP50Seconds = Self.percentile(dwell, 50)
                figures.dwellP90Seconds = Self.percentile(dwell, 90)
            }
            figures.sharedPerVisit = Double(all.reduce(0) { $0 + $1.shared }) / n
            figures.savedPerVisit = Double(all.reduce(0) { $0 + $1.saved }) / n
        }

        // Try-ons per SKU and size scanned (nil: only recognised).
        struct TryOnCount {
            var visits = 0
            var scanned = 0
            var recognised = 0
            var bought = 0
            var otherSize = 0
        }
        var tryOns: [String: [String?: TryOnCount]] = [:]
        for visit in all {
            for (sku, tried) in visit.tried {
                let sizes: [String?] = tried.sizes.isEmpty ? [nil] : tried.sizes
                for size in sizes {
                    var count = tryOns[sku, default: [:]][size, default: TryOnCount()]
                    count.visits += 1
                    if tried.scanned { count.scanned += 1 } else { count.recognised += 1 }
                    if let sold = visit.bought[sku] {
                        // Size "-": nothing scanned, so bought in any size is bought.
                        if size == nil || sold == size { count.bought += 1 } else { count.otherSize += 1 }
                    }
                    tryOns[sku, default: [:]][size] = count
                }
            }
        }
        var tryOnRows: [TryOnFigures] = []
        for (sku, bySize) in tryOns {
            for (size, count) in bySize {
                guard count.visits >= k else {
                    withheld["tryOns", default: 0] += 1
                    continue
                }
                // Three parts of the row's visits: one withheld takes the smallest other along.
                let parts = [count.bought, count.otherSize, count.visits - count.bought - count.otherSize]
                let bought = Self.secondary(parts.map { cell($0) }, counts: parts, k: query.k)
                tryOnRows.append(
                    TryOnFigures(
                        sku: sku, size: size, visits: count.visits, scanned: cell(count.scanned, of: count.visits),
                        recognised: cell(count.recognised, of: count.visits),
                        bought: bought[0], boughtOtherSize: bought[1], notBought: bought[2]))
            }
        }
        tryOnRows.sort { ($1.visits, $0.sku, $0.size ?? "") < ($0.visits, $1.sku, $1.size ?? "") }

        // Size swaps per SKU; up and down floor on the visits that asked so.
        var swaps: [String: (requests: Int, up: Int, down: Int, visits: Set<Int>, ups: Set<Int>, downs: Set<Int>)] = [:]
        for (index, visit) in all.enumerated() {
            for swap in visit.swaps {
                var entry = swaps[swap.sku] ?? (0, 0, 0, [], [], [])
                entry.requests += 1
                entry.visits.insert(index)
                if let order = sizes[swap.sku], let tried = order.firstIndex(of: swap.tried),
                    let asked = order.firstIndex(of: swap.asked)
                {
                    if asked > tried {
                        entry.up += 1
                        entry.ups.insert(index)
                    } else if asked < tried {
                        entry.down += 1
                        entry.downs.insert(index)
                    }
                }
                swaps[swap.sku] = entry
            }
        }
        var swapRows: [SizeSwapFigures] = []
        for (sku, entry) in swaps {
            guard entry.visits.count >= k else {
                withheld["sizeSwaps", default: 0] += 1
                continue
            }
            // One withheld withholds the other (the requests less one give it).
            let both = cell(entry.ups.count) != nil && cell(entry.downs.count) != nil
            swapRows.append(
                SizeSwapFigures(
                    sku: sku, requests: entry.requests, up: both ? entry.up : nil, down: both ? entry.down : nil,
                    flag: SizeSwapFigures.flag(up: entry.up, down: entry.down)))
        }
        swapRows.sort { ($1.requests, $0.sku) < ($0.requests, $1.sku) }

        // The suggestion funnel per kind: (visit, SKU) pairs at each stage, each floored on the visits behind it
        // and on those behind the rest of the stage before.
        var funnel: [String: FunnelCount] = [:]
        for (index, visit) in all.enumerated() {
            for (sku, kind) in visit.shown {
                let stage =
                    !visit.tapped.contains(sku)
                    ? 0 : !visit.brought.contains(sku) ? 1 : !visit.bought.keys.contains(sku) ? 2 : 3
                funnel[kind, default: FunnelCount()].add(stage: stage, visit: index)
            }
        }
        let funnelRows = funnel.keys.sorted().compactMap { kind -> FunnelFigures? in
            let entry = funnel[kind]!
            guard entry.visits(from: 0) >= k else {
                withheld["funnel", default: 0] += 1
                return nil
            }
            func stage(_ n: Int) -> Int? {
                cell(entry.visits(from: n)) != nil && cell(entry.visits(at: n - 1)) != nil ? entry.pairs(from: n) : nil
            }
            return FunnelFigures(
                kind: kind, shown: entry.pairs(from: 0), tapped: stage(1), brought: stage(2), bought: stage(3))
        }

        // Staff answer times.
        let answered = answers.map(\.seconds)
        var byHour: [HourFigures] = []
        for hour in 0..<24 {
            let inHour = answers.filter { Int(Day.floorDiv($0.at, 3_600_000) % 24) == hour }
            guard Set(inHour.map(\.visit)).count >= k else {
                if !inHour.isEmpty { withheld["staffByHour", default: 0] += 1 }
                continue
            }
            let seconds = inHour.map(\.seconds)
            byHour.append(
                HourFigures(
                    hour: hour, answered: seconds.count, p50Seconds: Self.percentile(seconds, 50),
                    p95Seconds: Self.percentile(seconds, 95)))
        }
        // Hours add up to the answered requests (requests less those open): one hour alone withheld would show.
        let publishedTotal =
            (requestVisits.count >= k || requestCount == 0) && (openVisits.count >= k || openCount == 0)
        if publishedTotal, withheld["staffByHour"] == 1,
            let smallest = byHour.indices.min(by: { (byHour[$0].answered, $0) < (byHour[$1].answered, $1) })
        {
            byHour.remove(at: smallest)
            withheld["staffByHour", default: 0] += 1
        }
        let answeredVisits = Set(answers.map(\.visit)).count
        let staff = StaffFigures(
            requests: requestVisits.count >= k || requestCount == 0 ? requestCount : nil,
            open: (openVisits.count >= k || openCount == 0) && cell(requestCount - openCount) != nil ? openCount : nil,
            answerP50Seconds: answeredVisits >= k ? Self.percentile(answered, 50) : nil,
            answerP95Seconds: answeredVisits >= k ? Self.percentile(answered, 95) : nil, byHour: byHour)

        // Ratings.
        let ratings = all.compactMap(\.rating)
        var shares: [Double?] = []
        var average: Double?
        if ratings.count >= k {
            let counts = (1...5).map { face in ratings.filter { $0 == face }.count }
            shares = Self.secondary(counts.map { cell($0) }, counts: counts, k: k).map { count in
                count.map { Double($0) / Double(ratings.count) }
            }
            average = Double(ratings.reduce(0, +)) / Double(ratings.count)
        }
        var weeks: [Int64: [Int]] = [:]
        for visit in all {
            if let rating = visit.rating { weeks[Day.start(visit.start, weekly: true), default: []].append(rating) }
        }
        // Weeks add up to the ratings: a dropped week's count (and average) would follow from the totals.
        let weekStarts = weeks.keys.sorted()
        let weekCounts = weekStarts.map { weeks[$0]!.count }
        let keptWeeks = Self.secondary(weekCounts.map { $0 >= k ? $0 : nil }, counts: weekCounts, k: k)
        let ratingWeeks = weekStarts.indices.compactMap { index -> RatingWeek? in
            guard keptWeeks[index] != nil else { return nil }
            let values = weeks[weekStarts[index]]!
            return RatingWeek(
                week: Day.text(weekStarts[index]), ratings: values.count,
                average: Double(values.reduce(0, +)) / Double(values.count))
        }

        // The series, per day or week of the range; its visits and requests add up to published totals.
        var series: [SeriesPoint] = []
        var visitCounts: [Int] = []
        var requestCounts: [Int] = []
        var step = Day.start(query.fromMillis, weekly: query.weekly)
        while step < query.toMillis {
            let next = query.weekly ? step + 7 * Day.millis : step + Day.millis
            let these = all.filter { $0.start >= step && $0.start < next }
            let tried = these.reduce(0) { $0 + $1.tried.count }
            let asked = these.reduce(0) { $0 + $1.requested }
            series.append(
                SeriesPoint(
                    start: Day.text(step), visits: cell(these.count),
                    tryOns: these.count >= k ? tried : (tried == 0 ? 0 : nil),
                    requests: these.count >= k ? asked : (asked == 0 ? 0 : nil)))
            visitCounts.append(these.count)
            requestCounts.append(asked)
            step = next
        }
        let visitCells = Self.secondary(series.map(\.visits), counts: visitCounts, k: k)
        let requestCells = Self.secondary(series.map(\.requests), counts: requestCounts, k: k)
        for index in series.indices {
            series[index].visits = visitCells[index]
            series[index].requests = requestCells[index]
        }

        return InsightsReport(
            store: store, from: Day.text(query.fromMillis), to: Day.text(query.toMillis - Day.millis), k: k,
            boughtWindowMinutes: InsightsQuery.defaultWindowMinutes, visits: figures, tryOns: tryOnRows,
            sizeSwaps: swapRows, funnel: funnelRows,
            staff: staff,
            rating: RatingFigures(ratings: cell(ratings.count), shares: shares, average: average, weeks: ratingWeeks),
            series: series, withheld: withheld)
    }
}
