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
        if window != InsightsQuery.defaultWindowMinutes { hidden.append(Hidden(name: "window", value: "\(window)")) }
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
                    notBought: count(row.notBought, k), share: share.map { String(format: "%.0f%%", $0 * 100) } ?? "",
                    shareWidth: share.map { String(format: "%.1f%%", $0 * 100) } ?? "0%", hasShare: share != nil,
                    scanned: count(row.scanned, k), recognised: count(row.recognised, k))
            }, tryOnsEmpty: shown.isEmpty, tryOnsMore: more(report.tryOns.count, shown.count, "try_ons"),
            window: report.boughtWindowMinutes, staffTiles: staffTiles, hours: hours(staff.byHour, k: k),
            ratingTiles: ratingTiles, faces: faces(rating.shares, k: k), weeks: weeks(rating.weeks),
            series: series(report.series, k: k, weekly: weekly), seriesTitle: weekly ? "Per week" : "Per day",
            seriesWithheld: report.series.contains { $0.visits == nil || $0.tryOns == nil || $0.requests == nil },
            withheld: withheld(report.withheld, k: k))
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

    // MARK: Column charts

    struct ColumnInput {
        var line1: String
        var line2: String
        var bars: [BarInput]
    }

    struct BarInput {
        /// nil and not absent: withheld.
        var value: Double?
        /// No figure at all (an hour with no row): nothing drawn.
        var absent: Bool
        var tone: String
        var text: String
        var title: String
    }

    static func columnChart(
        _ label: String, _ columns: [ColumnInput], k: Int, columnWidth: Int, height: Int = 170
    ) -> ColumnChart {
        let top = 30
        let bottom = 36
        let plot = height - top - bottom
        let baseline = top + plot
        let largest = max(1e-9, columns.flatMap { $0.bars.compactMap(\.value) }.max() ?? 0)
        let chartColumns = columns.enumerated().map { index, column in
            let left = 4 + index * columnWidth
            let gap = 4
            let count = column.bars.count
            let barWidth = min(26, (columnWidth - 14 - (count - 1) * gap) / count)
            let groupWidth = count * barWidth + (count - 1) * gap
            let start = left + (columnWidth - groupWidth) / 2
            let bars = column.bars.enumerated().compactMap { position, bar -> ColumnBar? in
                guard !bar.absent else { return nil }
                let x = start + position * (barWidth + gap)
                let withheld = bar.value == nil
                // A withheld value is a short hatched stub: its height says nothing.
                let h = bar.value.map { max($0 > 0 ? 2 : 0, Int(($0 / largest * Double(plot)).rounded())) } ?? 10
                return ColumnBar(
                    x: x, y: baseline - h, width: barWidth, height: h, center: x + barWidth / 2,
                    labelY: baseline - h - 5, tone: withheld ? "hatch" : bar.tone,
                    text: withheld ? "fewer" : bar.text, second: withheld ? "than \(k)" : "", twoLines: withheld,
                    withheld: withheld, title: bar.title)
            }
            return Column(
                center: left + columnWidth / 2, line1: column.line1, line2: column.line2, line1Y: baseline + 16,
                line2Y: baseline + 30, bars: bars)
        }
        let width = 8 + columns.count * columnWidth
        return ColumnChart(
            label: label, width: width, minWidth: width * 3 / 4, height: height, baseline: baseline,
            columns: chartColumns)
    }

    // MARK: Numbers and dates

    static func fewer(_ k: Int) -> Cell { Cell(text: "fewer than \(k)", withheld: true) }

    static func count(_ value: Int?, _ k: Int) -> Cell {
        value.map { Cell(text: grouped($0), withheld: false) } ?? fewer(k)
    }

    static func decimal(_ value: Double?, _ k: Int, digits: Int) -> Cell {
        value.map { Cell(text: String(format: "%.\(digits)f", $0), withheld: false) } ?? fewer(k)
    }

    static func percent(_ value: Double?, _ k: Int) -> Cell {
        value.map { Cell(text: String(format: "%.0f", $0 * 100), withheld: false, unit: "%") } ?? fewer(k)
    }

    /// 45 s, or 4:30 min, for a tile.
    static func duration(_ seconds: Double?, _ k: Int) -> Cell {
        guard let seconds else { return fewer(k) }
        return seconds < 59.5
            ? Cell(text: "\(Int(seconds.rounded()))", withheld: false, unit: "s")
            : Cell(text: clock(seconds), withheld: false, unit: seconds < 3600 ? "min" : "")
    }

    /// 45 s, 4 min 30 s, 2 h 5 min.
    static func durationText(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        switch total {
        case ..<60: return "\(total) s"
        case ..<3600: return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s"
        default: return "\(total / 3600) h \(total % 3600 / 60) min"
        }
    }

    /// Minutes and seconds, for chart labels: 1:30.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))"
            : "\(total / 60):\(String(format: "%02d", total % 60))"
    }

    /// 12,345.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    static func date(_ day: String) -> Date? {
        Day.millis(day).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// 2 Nov 2026.
    static func longDay(_ day: String) -> String { date(day).map { formatter("d MMM yyyy").string(from: $0) } ?? day }
    /// 2 Nov.
    static func shortDay(_ day: String) -> String { date(day).map { formatter("d MMM").string(from: $0) } ?? day }
    /// Mon.
    static func weekday(_ day: String) -> String { date(day).map { formatter("EEE").string(from: $0) } ?? "" }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
            ?? text
    }

    // MARK: Templates

    /// A figure, or "fewer than k" in the withheld style.
    static let cellSource = """
        {{#withheld}}<span class="fewer">{{text}}</span>{{/withheld}}{{^withheld}}{{text}}{{/withheld}}\
        {{#unit}}<small>{{.}}</small>{{/unit}}
        """

    static let columnsSource = """
        <svg class="chart" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" \
        style="min-width: {{minWidth}}px" role="img" aria-label="{{label}}">
        <line x1="0" x2="{{width}}" y1="{{baseline}}" y2="{{baseline}}" class="base"/>
        {{#columns}}{{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" rx="2" class="{{tone}}">\
        <title>{{title}}</title></rect>
        <text x="{{center}}" y="{{labelY}}" class="val{{#withheld}} few{{/withheld}}">\
        {{#twoLines}}<tspan x="{{center}}" dy="-1.1em">{{text}}</tspan><tspan x="{{center}}" dy="1.1em">{{second}}</tspan>\
        {{/twoLines}}{{^twoLines}}{{text}}{{/twoLines}}</text>
        {{/bars}}<text x="{{center}}" y="{{line1Y}}" class="tick">{{line1}}</text>\
        <text x="{{center}}" y="{{line2Y}}" class="tick sub">{{line2}}</text>
        {{/columns}}</svg>
        """

    static let source = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Insights · {{title}}</title>
        <style>
        * { box-sizing: border-box; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d1d1f;
          background: #f4f5f7; }
        main { max-width: 1260px; margin: 0 auto; padding: 1rem 1.25rem 2.5rem; }
        nav { display: flex; gap: .25rem; margin-bottom: .75rem; }
        nav a { padding: .3rem .8rem; border-radius: 999px; color: #374151; text-decoration: none; font-weight: 600; }
        nav a[aria-current] { background: #1d1d1f; color: #fff; }
        nav a:hover { background: #e5e7eb; }
        nav a[aria-current]:hover { background: #1d1d1f; }
        h1 { font-size: 1.9rem; font-weight: 650; margin: 0; }
        h1 small { font-size: .9rem; font-weight: 400; color: #6b7280; margin-left: .4rem; }
        h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
        h3 { font-size: .95rem; margin: .2rem 0 .3rem; color: #374151; }
        .range { font-size: 1.1rem; margin: .15rem 0; }
        .muted, .rules { color: #6b7280; font-size: .85rem; }
        form { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: .9rem 0 .4rem;
          padding: .75rem .9rem; background: #fff; border: 1px solid #e3e4e8; border-radius: 10px; }
        label { display: flex; flex-direction: column; font-size: .8rem; color: #4b5563; gap: .15rem; }
        select, input, button { font: inherit; padding: .35rem .5rem; border: 1px solid #c9ccd3; border-radius: 6px;
          background: #fff; color: #1d1d1f; min-height: 2.2rem; }
        button { background: #1d4ed8; border-color: #1d4ed8; color: #fff; font-weight: 600; padding: .35rem 1.1rem; }
        .quick { display: flex; flex-wrap: wrap; gap: .4rem; margin: .3rem 0 1rem; font-size: .85rem; }
        .quick a { color: #1d4ed8; text-decoration: none; padding: .15rem .6rem; border: 1px solid #c7d2fe;
          border-radius: 999px; background: #fff; }
        .quick a[aria-current] { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
        .error { background: #fef2f2; border: 1px solid #fca5a5; color: #991b1b; padding: .7rem 1rem;
          border-radius: 10px; }
        .card { background: #fff; border: 1px solid #e3e4e8; border-radius: 12px; padding: 1rem 1.1rem;
          margin-bottom: 1rem; min-width: 0; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 380px), 1fr)); gap: 1rem;
          align-items: start; }
        .grid > .card { margin-bottom: 0; }
        .row { margin-bottom: 1rem; }
        .split { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: start; }
        .split > .tiles.two { flex: 0 1 23rem; grid-template-columns: repeat(2, minmax(0, 1fr)); }
        .split > .grow { flex: 1 1 20rem; min-width: 0; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: .6rem; }
        .tile { border: 1px solid #eceef1; background: #fafbfc; border-radius: 10px; padding: .55rem .75rem; }
        .tile b { display: block; font-size: 1.9rem; font-weight: 650; line-height: 1.15; white-space: nowrap; }
        .tile b .fewer { font-size: 1.05rem; line-height: 2.2rem; }
        .tile b small { font-size: .95rem; font-weight: 600; margin-left: .15rem; color: #4b5563; }
        .tile span { display: block; font-weight: 600; font-size: .85rem; }
        .tile i { display: block; font-style: normal; color: #6b7280; font-size: .75rem; }
        .fewer { color: #6b7280; font-style: italic; font-weight: 500; white-space: nowrap; }
        .kinds { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 260px), 1fr));
          gap: .4rem 1.4rem; }
        svg { display: block; overflow: visible; }
        svg.chart { max-width: 100%; height: auto; }
        svg text { font-size: 12px; fill: #1d1d1f; }
        svg .stage { font-weight: 600; }
        svg .num { font-weight: 700; }
        svg .rate, svg .tick.sub { fill: #6b7280; }
        svg .few { fill: #6b7280; font-style: italic; font-size: 10.5px; }
        svg .val { text-anchor: middle; font-size: 11px; font-weight: 600; }
        svg .tick { text-anchor: middle; font-size: 11px; }
        svg .axis { font-size: 11px; fill: #6b7280; text-anchor: end; }
        .track { fill: #eef0f3; }
        .base, .gridline { stroke: #d1d5db; stroke-width: 1; }
        .gridline { stroke-dasharray: 3 3; }
        .hatch { fill: url(#hatch); stroke: #9ca3af; stroke-width: .6; }
        .shown { fill: #93c5fd; } .tapped { fill: #3b82f6; } .brought { fill: #1d4ed8; } .bought { fill: #16a34a; }
        .visits { fill: #2563eb; } .tryons { fill: #7c3aed; } .requests { fill: #d97706; }
        .p50 { fill: #0f766e; } .p95 { fill: #5eead4; }
        .face1 { fill: #dc2626; } .face2 { fill: #f97316; } .face3 { fill: #eab308; } .face4 { fill: #84cc16; }
        .face5 { fill: #16a34a; }
        .line { fill: none; stroke: #7c3aed; stroke-width: 2.5; }
        .dot { fill: #7c3aed; stroke: #fff; stroke-width: 2; }
        .legend { display: flex; flex-wrap: wrap; gap: .3rem 1rem; font-size: .8rem; color: #4b5563;
          margin: .1rem 0 .4rem; }
        .key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -.1rem;
          margin-right: .3rem; }
        .key.p50 { background: #0f766e; } .key.p95 { background: #5eead4; }
        .key.hatch { background: repeating-linear-gradient(45deg, #f3f4f6 0 3px, #b6bcc6 3px 4px);
          border: 1px solid #9ca3af; }
        .scroll { overflow-x: auto; padding-bottom: .2rem; }
        .charts { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
        .charts > div { min-width: 0; max-width: 100%; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; }
        th, td { text-align: left; padding: .4rem .45rem; border-bottom: 1px solid #eef0f3; }
        td .fewer { font-size: .82rem; }
        th { font-size: .78rem; color: #4b5563; font-weight: 600; background: #f7f8fa; }
        td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        td.sku { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .82rem;
          white-space: nowrap; }
        @media (min-width: 1000px) { .grid.tables { grid-template-columns: 5fr 4fr; } }
        .flag { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .78rem;
          font-weight: 600; white-space: nowrap; }
        .flag.small { background: #fee2e2; color: #991b1b; } .flag.large { background: #dbeafe; color: #1e3a8a; }
        .share { display: flex; align-items: center; gap: .4rem; min-width: 7rem; }
        .share svg { flex: 1; min-width: 0; }
        .share .bar { fill: #16a34a; }
        .note { color: #6b7280; font-size: .8rem; margin: .5rem 0 0; }
        footer { color: #6b7280; font-size: .8rem; margin-top: 1rem; }
        @media (max-width: 640px) {
          main { padding: .75rem .7rem 2rem; }
          h1 { font-size: 1.5rem; }
          .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
          .tile b { font-size: 1.5rem; }
          form { gap: .5rem; }
          form label { flex: 1 1 40%; }
          .hide-narrow, table.cards td.hide-narrow { display: none; }
          table.cards thead { display: none; }
          table.cards, table.cards tbody, table.cards td { display: block; }
          table.cards tr { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .15rem .6rem;
            padding: .45rem 0; border-bottom: 1px solid #eef0f3; }
          table.cards td { border: 0; padding: 0; text-align: left; }
          table.cards td.wide { grid-column: 1 / -1; }
          table.cards td.two { grid-column: span 2; }
          table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: .72rem;
            color: #6b7280; font-family: system-ui, sans-serif; }
          table.cards td.inline::before { display: inline; margin-right: .35rem; }
          table.cards td.sku { font-weight: 600; font-size: .9rem; }
        }
        </style>
        </head>
        <body>
        <svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
        <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#f3f4f6"/><rect width="1.6" height="6" fill="#b6bcc6"/></pattern>
        </defs></svg>
        <main>
        <nav><a href="/fleet">Fleet</a><a href="/insights" aria-current="page">Insights</a></nav>
        <header>
        <h1>{{storeLine}}{{#storeId}}<small>{{.}}</small>{{/storeId}}</h1>
        <div class="range">{{rangeLine}}</div>
        <div class="rules">{{rules}}</div>
        </header>
        <form method="get" action="/insights">
        <label>Store<select name="store">{{#stores}}<option value="{{value}}"{{#selected}} selected{{/selected}}>\
        {{label}}</option>{{/stores}}</select></label>
        <label>From<input type="date" name="from" value="{{from}}" required></label>
        <label>To<input type="date" name="to" value="{{to}}" required></label>
        <label>Series per<select name="step">{{#steps}}<option value="{{value}}"{{#selected}} selected{{/selected}}>\
        {{label}}</option>{{/steps}}</select></label>
        {{#hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/hidden}}
        <button type="submit">Show</button>
        </form>
        <div class="quick">{{#quick}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>\
        {{/quick}}</div>
        {{#error}}<p class="error" id="error">{{.}}</p>{{/error}}
        {{#body}}
        <section class="card" id="visits">
        <h2>Visits</h2>
        <div class="tiles">{{#visitTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b><span>{{label}}</span><i>{{note}}</i></div>\
        {{/visitTiles}}</div>
        </section>
        <div class="grid row">
        <section class="card" id="funnel">
        <h2>Suggestions: shown → tapped → brought → bought</h2>
        {{#funnelEmpty}}<p class="muted">No suggestion kind was shown in {{k}} visits or more.</p>{{/funnelEmpty}}
        <div class="kinds">
        {{#funnel}}<div class="kind"><h3>{{name}}</h3>
        <svg width="100%" height="{{height}}" role="img" aria-label="{{description}}">
        {{#stages}}<text x="0" y="{{textY}}" class="stage">{{label}}</text>\
        <text x="100%" y="{{textY}}" text-anchor="end"><tspan class="rate">{{rate}} </tspan>\
        {{#value.withheld}}<tspan class="few">{{value.text}}</tspan>{{/value.withheld}}\
        {{^value.withheld}}<tspan class="num">{{value.text}}</tspan>{{/value.withheld}}</text>
        <rect x="0" y="{{barY}}" width="100%" height="13" rx="3" class="track"/>\
        <rect x="0" y="{{barY}}" width="{{width}}" height="13" rx="3" class="{{tone}}"/>
        {{/stages}}</svg></div>
        {{/funnel}}
        </div>
        </section>
        <section class="card" id="rating">
        <h2>How shoppers rated their visit</h2>
        <div class="tiles">{{#ratingTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b><span>{{label}}</span><i>{{note}}</i></div>\
        {{/ratingTiles}}</div>
        <div class="charts">
        {{#faces}}<div><h3>Each face's share</h3><div class="scroll">{{>columns}}</div></div>{{/faces}}
        {{^faces}}<p class="muted">The faces' shares need {{k}} ratings or more.</p>{{/faces}}
        {{#weeks}}<div><h3>Average per week</h3><div class="scroll">
        <svg class="chart" width="{{width}}" height="{{height}}" role="img" aria-label="{{label}}">
        {{#grid}}<line x1="30" x2="{{right}}" y1="{{y}}" y2="{{y}}" class="gridline"/>\
        <text x="24" y="{{y}}" dy="4" class="axis">{{label}}</text>
        {{/grid}}<polyline points="{{points}}" class="line"/>
        {{#dots}}<circle cx="{{x}}" cy="{{y}}" r="5" class="dot"/><text x="{{x}}" y="{{labelY}}" class="val">{{text}}</text>\
        <text x="{{x}}" y="{{line1Y}}" class="tick">{{line1}}</text><text x="{{x}}" y="{{line2Y}}" class="tick sub">\
        {{line2}}</text>
        {{/dots}}</svg></div></div>{{/weeks}}
        {{^weeks}}<p class="muted">No week has {{k}} ratings yet.</p>{{/weeks}}
        </div>
        </section>
        </div>
        <div class="grid row tables">
        <section class="card" id="try-ons">
        <h2>Tried on, and bought within {{window}} min</h2>
        {{#tryOnsEmpty}}<p class="muted">No garment was tried on in {{k}} visits or more.</p>{{/tryOnsEmpty}}
        {{^tryOnsEmpty}}<div class="scroll"><table class="cards">
        <thead><tr><th>SKU</th><th>Size</th><th class="n">Tried</th><th class="n">Bought</th><th class="n">Not bought</th>
        <th>Bought share</th><th class="n hide-narrow">Scanned /<br>recognised</th></tr></thead>
        <tbody>
        {{#tryOns}}<tr><td class="sku two">{{sku}}</td><td class="inline" data-label="Size">{{size}}</td>\
        <td class="n" data-label="Tried">{{tried}}</td>\
        <td class="n" data-label="Bought">{{#bought}}{{>cell}}{{/bought}}</td>\
        <td class="n" data-label="Not bought">{{#notBought}}{{>cell}}{{/notBought}}</td><td class="wide">{{#hasShare}}<div class="share"><svg width="100%" height="10"><rect width="100%" height="10" rx="2" \
        class="track"/><rect width="{{shareWidth}}" height="10" rx="2" class="bar"/></svg>{{share}}</div>{{/hasShare}}\
        </td><td class="n hide-narrow">{{#scanned}}{{>cell}}{{/scanned}} / {{#recognised}}{{>cell}}{{/recognised}}</td></tr>
        {{/tryOns}}
        </tbody></table></div>{{/tryOnsEmpty}}
        {{#tryOnsMore}}<p class="note">{{.}}</p>{{/tryOnsMore}}
        </section>
        <section class="card" id="size-swaps">
        <h2>Size swaps: asked for another size</h2>
        {{#sizeSwapsEmpty}}<p class="muted">No garment had a size swap in {{k}} visits or more.</p>{{/sizeSwapsEmpty}}
        {{^sizeSwapsEmpty}}<div class="scroll"><table class="cards">
        <thead><tr><th>SKU</th><th class="n">Requests</th><th class="n">Larger</th><th class="n">Smaller</th>
        <th>Fit</th></tr></thead>
        <tbody>
        {{#sizeSwaps}}<tr><td class="sku two">{{sku}}</td>\
        <td class="n inline" data-label="Requests">{{requests}}</td>\
        <td class="n" data-label="Larger">{{#up}}{{>cell}}{{/up}}</td>\
        <td class="n" data-label="Smaller">{{#down}}{{>cell}}{{/down}}</td><td>{{#flag}}<span class="flag {{flagClass}}">{{.}}</span>{{/flag}}</td></tr>
        {{/sizeSwaps}}
        </tbody></table></div>{{/sizeSwapsEmpty}}
        {{#sizeSwapsMore}}<p class="note">{{.}}</p>{{/sizeSwapsMore}}
        <p class="note">Runs small: at least 3 asked for a larger size, twice as many as for a smaller one.</p>
        </section>
        </div>
        <section class="card" id="staff">
        <h2>Staff requests</h2>
        <div class="split"><div class="tiles two">{{#staffTiles}}<div class="tile"><b>{{#value}}{{>cell}}{{/value}}</b>\
        <span>{{label}}</span><i>{{note}}</i></div>{{/staffTiles}}</div>
        <div class="grow">{{#hours}}<h3>Answer time by hour of the day (UTC), minutes:seconds</h3>
        <div class="legend"><span><i class="key p50"></i>median</span><span><i class="key p95"></i>19 in 20 within</span>\
        <span>under each hour: requests answered</span></div>
        <div class="scroll">{{>columns}}</div>{{/hours}}
        {{^hours}}<p class="muted">No hour of the day has {{k}} answered visits yet.</p>{{/hours}}</div></div>
        </section>
        <section class="card" id="series">
        <h2>{{seriesTitle}}</h2>
        {{#seriesWithheld}}<div class="legend"><span><i class="key hatch"></i>fewer than {{k}} visits: withheld</span>\
        </div>{{/seriesWithheld}}
        <div class="charts">{{#series}}<div><h3>{{title}}</h3><div class="scroll">{{#chart}}{{>columns}}{{/chart}}</div>\
        </div>{{/series}}</div>
        </section>
        {{/body}}
        <footer>{{#body}}{{#withheld}}<p>{{.}}</p>{{/withheld}}{{/body}}<p>No figure names a shopper, a visit or a clip. \
        The same figures: GET /v1/insights, mirrorhub insights, mirrorctl insights.</p></footer>
        </main>
        </body>
        </html>

        """
}
