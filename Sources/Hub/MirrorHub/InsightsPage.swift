import Foundation
import MirrorProtocol
import Mustache

/// The insights web page head office and store managers open in a browser, beside the fleet page: the figures of
/// `GET /v1/insights` (`docs/insights.md`) as server-rendered HTML (Mustache) with inline SVG charts, no script and
/// nothing loaded from elsewhere. Every value goes through Mustache's HTML escaping; the charts' geometry is worked
/// out here. A withheld value (nil in the report) reads "fewer than k", never 0.
enum InsightsPage {
    /// A figure as shown: its text, and whether it is withheld (then the text is "fewer than k").
    struct Cell {
        var text: String
        var withheld: Bool
        /// Written small after the number (min, %), in tiles.
        var unit: String?

        init(text: String, withheld: Bool, unit: String? = nil) {
            self.text = text
            self.withheld = withheld
            self.unit = unit
        }
    }

    struct Tile {
        var label: String
        var value: Cell
        var note: String
    }

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    struct Link {
        var label: String
        var href: String
        var current: Bool
    }

    struct Hidden {
        var name: String
        var value: String
    }

    /// One stage of a suggestion kind's funnel: a label and value above a horizontal bar.
    struct Stage {
        var label: String
        var value: Cell
        var rate: String
        var width: String
        var tone: String
        var textY: Int
        var barY: Int
    }

    struct FunnelKind {
        var name: String
        var height: Int
        var stages: [Stage]
        var description: String
    }

    /// A column chart: columns of one or more bars, each with its value above and a label (two lines) below.
    struct ColumnChart {
        var label: String
        var width: Int
        /// The chart shrinks to fit a narrow screen down to this width, then scrolls.
        var minWidth: Int
        var height: Int
        var baseline: Int
        var columns: [Column]
    }

    struct Column {
        var center: Int
        var line1: String
        var line2: String
        var line1Y: Int
        var line2Y: Int
        var bars: [ColumnBar]
    }

    struct ColumnBar {
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var center: Int
        var labelY: Int
        var tone: String
        var text: String
        var second: String
        var twoLines: Bool
        var withheld: Bool
        var title: String
    }

    /// The rating per week: a line over a 1-5 scale.
    struct LineChart {
        var label: String
        var width: Int
        var height: Int
        var points: String
        var grid: [GridLine]
        var dots: [Dot]
    }

    struct GridLine {
        var y: Int
        var label: String
        var right: Int
    }

    struct Dot {
        var x: Int
        var y: Int
        var labelY: Int
        var text: String
        var line1: String
        var line2: String
        var line1Y: Int
        var line2Y: Int
    }

    struct SizeSwapRow {
        var sku: String
        var requests: String
        var up: Cell
        var down: Cell
        var flag: String?
        var flagClass: String
    }

    struct TryOnRow {
        var sku: String
        var size: String
        var tried: String
        var bought: Cell
        var otherSize: Cell
        var notBought: Cell
        var share: String
        var shareWidth: String
        var hasShare: Bool
        var scanned: Cell
        var recognised: Cell
    }

    struct SeriesChart {
        var title: String
        var chart: ColumnChart
    }

    struct Body {
        var k: Int
        var visitTiles: [Tile]
        var funnel: [FunnelKind]
        var funnelEmpty: Bool
        var sizeSwaps: [SizeSwapRow]
        var sizeSwapsEmpty: Bool
        var sizeSwapsMore: String?
        var tryOns: [TryOnRow]
        var tryOnsEmpty: Bool
        var tryOnsMore: String?
        var window: Int
        var staffTiles: [Tile]
        var hours: ColumnChart?
        var ratingTiles: [Tile]
        var faces: ColumnChart?
        var weeks: LineChart?
        var series: [SeriesChart]
        var seriesTitle: String
        var seriesWithheld: Bool
        var withheld: String?
        /// Stores whose time zone is not set: their days are UTC (set it with `mirrorhub set-time-zone`).
        var unzoned: String?
    }

    struct Page {
        var title: String
        var storeLine: String
        var storeId: String?
        var rangeLine: String
        var rules: String
        var stores: [Option]
        var steps: [Option]
        var from: String
        var to: String
        var hidden: [Hidden]
        var quick: [Link]
        var error: String?
        var body: Body?
    }

    /// The most rows a table shows; the CSV export (`mirrorhub insights --csv`) has them all.
    static let maxRows = 12

    static let library: MustacheLibrary = {
        do {
            return MustacheLibrary(templates: [
                "page": try MustacheTemplate(string: source), "cell": try MustacheTemplate(string: cellSource),
                "columns": try MustacheTemplate(string: columnsSource),
            ])
        } catch {
            preconditionFailure("the insights page template does not parse: \(error)")
        }
    }()

    /// The page for `report`; `today` is the hub's day (midnight, ms) for the quick ranges.
    static func render(
        _ report: InsightsReport, query: InsightsQuery, stores: [StoreInfo], caller: Principal, today: Int64
    ) -> String {
        var page = header(
            store: report.store, from: report.from, to: report.to, weekly: query.weekly, k: report.k,
            window: report.boughtWindowMinutes, stores: stores, caller: caller, today: today)
        page.body = body(report, weekly: query.weekly)
        return library.render(page, withTemplate: "page") ?? ""
    }

    /// The page with only its header, its form and `message` (a range or store the hub refused).
    static func render(
        error message: String, store: String?, from: String, to: String, weekly: Bool, stores: [StoreInfo],
        caller: Principal, today: Int64
    ) -> String {
        var page = header(
            store: store, from: from, to: to, weekly: weekly, k: InsightsQuery.defaultK,
            window: InsightsQuery.defaultWindowMinutes, stores: stores, caller: caller, today: today)
        page.error = message
        page.rangeLine = "\(from) to \(to)"
        return library.render(page, withTemplate: "page") ?? ""
    }

    // MARK: The header and the form

    static func header(
        store: String?, from: String, to: String, weekly: Bool, k: Int, window: Int, stores: [StoreInfo],
        caller: Principal, today: Int64
    ) -> Page {
        let name = store.map { id in stores.first { $0.id == id }?.name ?? id }
        var options = stores.map { Option(value: $0.id, label: $0.name, selected: $0.id == store) }
        if caller.role == .headOffice {
            options.insert(Option(value: "", label: "All stores", selected: store == nil), at: 0)
        }
        var hidden: [Hidden] = []
        if k != InsightsQuery.defaultK { hidden.append(Hidden(name: "k", value: "\(k)")) }
        let storeQuery = store.map { "store=\(percentEncoded($0))&" } ?? ""
        let day = Day.millis
        func quick(_ label: String, days: Int64, week: Bool) -> Link {
            let first = InsightsQuery.dayText(today - (days - 1) * day)
            let last = InsightsQuery.dayText(today)
            return Link(
                label: label, href: "/insights?\(storeQuery)from=\(first)&to=\(last)&step=\(week ? "week" : "day")",
                current: first == from && last == to && week == weekly)
        }
        let days = ((Day.millis(to) ?? 0) - (Day.millis(from) ?? 0)) / day + 1
        return Page(
            title: name ?? "All stores", storeLine: name ?? "All stores",
            storeId: store.flatMap { $0 == name ? nil : $0 },
            rangeLine: from == to
                ? longDay(from) : "\(longDay(from)) – \(longDay(to)) · \(days) days",
            rules: "Every figure covers at least \(k) visits; a sale counts within \(window) min of a try-on. "
                + "Days are UTC.",
            stores: options,
            steps: [
                Option(value: "day", label: "day", selected: !weekly),
                Option(value: "week", label: "week", selected: weekly),
            ], from: from, to: to, hidden: hidden,
            quick: [
                quick("Last 7 days", days: 7, week: false), quick("Last 30 days", days: 30, week: false),
                quick("Last 12 weeks", days: 84, week: true),
            ], error: nil, body: nil)
    }

    // MARK: The figures

    static func body(_ report: InsightsReport, weekly: Bool) -> Body {
        let k = report.k
        let v = report.visits
        let visitTiles = [
            Tile(label: "visits", value: count(v.visits, k), note: ""),
            Tile(label: "with a recorded look", value: count(v.withClip, k), note: ""),
            Tile(label: "looks per visit", value: decimal(v.looksPerVisit, k, digits: 1), note: ""),
            Tile(label: "shoppers identified", value: percent(v.identifiedShare, k), note: "gave their loyalty code"),
            Tile(
                label: "time at the mirror", value: duration(v.dwellP50Seconds, k),
                note: v.dwellP90Seconds.map { "median; 9 in 10 under \(durationText($0))" } ?? "median"),
            Tile(
                label: "recording consent", value: count(v.consentGranted, k),
                note: "granted; declined: \(count(v.consentDeclined, k).text)"),
            Tile(label: "looks sent to a phone", value: decimal(v.sharedPerVisit, k, digits: 2), note: "per visit"),
            Tile(label: "looks saved", value: decimal(v.savedPerVisit, k, digits: 2), note: "per visit"),
        ]
        let staff = report.staff
        let staffTiles = [
            Tile(label: "requests to staff", value: count(staff.requests, k), note: ""),
            Tile(label: "still open", value: count(staff.open, k), note: ""),
            Tile(label: "answered in (median)", value: duration(staff.answerP50Seconds, k), note: "request to done"),
            Tile(label: "answered in (95%)", value: duration(staff.answerP95Seconds, k), note: "19 in 20 within"),
        ]
        let rating = report.rating
        let ratingTiles = [
            Tile(
                label: "average rating",
                value: rating.average.map { Cell(text: String(format: "%.1f", $0), withheld: false) } ?? fewer(k),
                note: "out of 5"),
            Tile(label: "visits rated", value: count(rating.ratings, k), note: ""),
        ]
        let shown = report.tryOns.prefix(maxRows)
        let swaps = report.sizeSwaps.prefix(maxRows)
        func more(_ total: Int, _ shown: Int, _ table: String) -> String? {
            total > shown ? "\(total - shown) more rows: mirrorhub insights --csv \(table) has them all." : nil
        }
        return Body(
            k: k, visitTiles: visitTiles, funnel: report.funnel.map { funnel($0, k: k) },
            funnelEmpty: report.funnel.isEmpty,
            sizeSwaps: swaps.map { swap in
                SizeSwapRow(
                    sku: swap.sku, requests: grouped(swap.requests), up: count(swap.up, k), down: count(swap.down, k),
                    flag: swap.flag,
                    flagClass: swap.flag == "runs small" ? "small" : swap.flag == "runs large" ? "large" : "")
            }, sizeSwapsEmpty: swaps.isEmpty, sizeSwapsMore: more(report.sizeSwaps.count, swaps.count, "size_swaps"),
            tryOns: shown.map { row in
                let share = row.bought.map { Double($0) / Double(max(1, row.visits)) }
                return TryOnRow(
                    sku: row.sku, size: row.size ?? "–", tried: grouped(row.visits), bought: count(row.bought, k),
                    otherSize: count(row.boughtOtherSize, k), notBought: count(row.notBought, k),
                    share: share.map { String(format: "%.0f%%", $0 * 100) } ?? "",
                    shareWidth: share.map { String(format: "%.1f%%", $0 * 100) } ?? "0%", hasShare: share != nil,
                    scanned: count(row.scanned, k), recognised: count(row.recognised, k))
            }, tryOnsEmpty: shown.isEmpty, tryOnsMore: more(report.tryOns.count, shown.count, "try_ons"),
            window: report.boughtWindowMinutes, staffTiles: staffTiles, hours: hours(staff.byHour, k: k),
            ratingTiles: ratingTiles, faces: faces(rating.shares, k: k), weeks: weeks(rating.weeks),
            series: series(report.series, k: k, weekly: weekly), seriesTitle: weekly ? "Per week" : "Per day",
            seriesWithheld: report.series.contains { $0.visits == nil || $0.tryOns == nil || $0.requests == nil },
            withheld: withheld(report.withheld, k: k),
            unzoned: report.unzonedStores.map {
                "No time zone set for \($0.joined(separator: ", ")): its days and hours are UTC "
                    + "(mirrorhub set-time-zone STORE ZONE)."
            })
    }

    static let kindNames = [
        "your-size": "In your size", "also-in": "Also in another colour", "completes-the-look": "Completes the look",
        "similar": "Similar",
    ]

    static func funnel(_ figures: FunnelFigures, k: Int) -> FunnelKind {
        let shown = max(1, figures.shown ?? k)
        // Label, value, and the stage's word (also its bar's class).
        let stages: [(String, Int?, String)] = [
            ("Shown", figures.shown, "shown"), ("Tapped", figures.tapped, "tapped"),
            ("Brought by staff", figures.brought, "brought"), ("Bought", figures.bought, "bought"),
        ]
        var previous: Int? = figures.shown
        let rows = stages.enumerated().map { index, stage in
            let (label, value, tone) = stage
            var rate = ""
            if index > 0, let value, let before = previous, before > 0 {
                rate =
                    String(format: "%.0f%%", Double(value) / Double(before) * 100) + " of "
                    + stages[index - 1].2
            }
            previous = value
            // A withheld count lies between 1 and k-1: the hatched bar shows that much room.
            let fraction = value.map { Double($0) / Double(shown) } ?? Double(k - 1) / Double(shown)
            return Stage(
                label: label, value: count(value, k), rate: rate,
                width: String(format: "%.1f%%", min(1, fraction) * 100), tone: value == nil ? "hatch" : tone,
                textY: index * 40 + 14, barY: index * 40 + 20)
        }
        return FunnelKind(
            name: kindNames[figures.kind] ?? figures.kind, height: stages.count * 40, stages: rows,
            description: "\(figures.kind): \(rows.map { "\($0.label) \($0.value.text)" }.joined(separator: ", "))")
    }

    /// Answer times per hour of the day: the median and the 95th percentile side by side.
    static func hours(_ hours: [HourFigures], k: Int) -> ColumnChart? {
        guard let first = hours.map(\.hour).min(), let last = hours.map(\.hour).max() else { return nil }
        let byHour = Dictionary(uniqueKeysWithValues: hours.map { ($0.hour, $0) })
        let columns: [ColumnInput] = (first...last).map { hour in
            let figures = byHour[hour]
            return ColumnInput(
                line1: String(format: "%02d:00", hour), line2: figures.map { "\($0.answered)" } ?? "",
                bars: [
                    BarInput(
                        value: figures?.p50Seconds, absent: figures == nil, tone: "p50",
                        text: figures.map { clock($0.p50Seconds) } ?? "",
                        title: figures.map {
                            "\(String(format: "%02d", hour)):00, median \(durationText($0.p50Seconds))"
                        }
                            ?? ""),
                    BarInput(
                        value: figures?.p95Seconds, absent: figures == nil, tone: "p95",
                        text: figures.map { clock($0.p95Seconds) } ?? "",
                        title: figures.map {
                            "\(String(format: "%02d", hour)):00, 95% within \(durationText($0.p95Seconds))"
                        }
                            ?? ""),
                ])
        }
        return columnChart("Staff answer time per hour of the day", columns, k: k, columnWidth: 60)
    }

    static let faceNames = ["unhappy", "", "", "", "delighted"]

    static func faces(_ shares: [Double?], k: Int) -> ColumnChart? {
        guard shares.count == 5 else { return nil }
        let columns = shares.enumerated().map { index, share in
            ColumnInput(
                line1: "\(index + 1)", line2: faceNames[index],
                bars: [
                    BarInput(
                        value: share, absent: false, tone: "face\(index + 1)",
                        text: share.map { String(format: "%.0f%%", $0 * 100) } ?? "",
                        title:
                            "\(index + 1) of 5: \(share.map { String(format: "%.0f%%", $0 * 100) } ?? "fewer than \(k)")"
                    )
                ])
        }
        return columnChart("Share of each rating, 1 to 5", columns, k: k, columnWidth: 66, height: 150)
    }

    static func weeks(_ weeks: [RatingWeek]) -> LineChart? {
        guard !weeks.isEmpty else { return nil }
        let left = 34
        let columnWidth = 76
        let top = 22
        let plot = 110
        let width = left + weeks.count * columnWidth + 8
        func y(_ rating: Double) -> Int { top + Int((5 - rating) / 4 * Double(plot)) }
        let dots = weeks.enumerated().map { index, week in
            let x = left + index * columnWidth + columnWidth / 2
            return Dot(
                x: x, y: y(week.average), labelY: y(week.average) - 9, text: String(format: "%.1f", week.average),
                line1: "w/c \(shortDay(week.week))", line2: "\(week.ratings) rated", line1Y: top + plot + 20,
                line2Y: top + plot + 34)
        }
        return LineChart(
            label: "Average rating per week: "
                + weeks.map { "\($0.week) \(String(format: "%.2f", $0.average))" }.joined(separator: ", "),
            width: width, height: top + plot + 40, points: dots.map { "\($0.x),\($0.y)" }.joined(separator: " "),
            grid: (1...5).reversed().map { GridLine(y: y(Double($0)), label: "\($0)", right: width - 4) }, dots: dots)
    }

    static func series(_ points: [SeriesPoint], k: Int, weekly: Bool) -> [SeriesChart] {
        let charts: [(String, String, KeyPath<SeriesPoint, Int?>)] = [
            ("Visits", "visits", \.visits), ("Garments tried on", "tryons", \.tryOns),
            ("Requests to staff", "requests", \.requests),
        ]
        return charts.map { title, tone, path in
            let columns = points.map { point in
                let value = point[keyPath: path]
                return ColumnInput(
                    line1: weekly ? "w/c" : weekday(point.start), line2: shortDay(point.start),
                    bars: [
                        BarInput(
                            value: value.map(Double.init), absent: false, tone: tone, text: value.map(grouped) ?? "",
                            title: "\(point.start): \(value.map(grouped) ?? "fewer than \(k)")")
                    ])
            }
            return SeriesChart(
                title: title,
                chart: columnChart("\(title) per \(weekly ? "week" : "day")", columns, k: k, columnWidth: 46))
        }
    }

    static func withheld(_ withheld: [String: Int], k: Int) -> String? {
        let names = [
            "tryOns": "try-on rows", "sizeSwaps": "size-swap rows", "funnel": "suggestion kinds",
            "staffByHour": "hours of answer times",
        ]
        let parts = withheld.sorted { $0.key < $1.key }.filter { $0.value > 0 }.map {
            "\($0.value) \(names[$0.key] ?? $0.key)"
        }
        return parts.isEmpty
            ? nil : "Left out, as each covers fewer than \(k) visits: \(parts.joined(separator: ", "))."
    }

}
