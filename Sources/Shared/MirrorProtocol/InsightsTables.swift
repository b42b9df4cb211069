import Foundation

/// The report as tables: for people (`text()`, what `mirrorhub insights` and `mirrorctl insights` print), for
/// spreadsheets and the data warehouse (`csv(_:)`, RFC 4180, one file per table). A withheld cell reads
/// "fewer than k" in text and is empty in CSV.
extension InsightsReport {
    public struct Table: Sendable, Hashable {
        /// The file name stem of its CSV (`visits`, `try_ons`…) and its title for people.
        public var name: String
        public var title: String
        public var header: [String]
        public var rows: [[String?]]

        public init(name: String, title: String, header: [String], rows: [[String?]]) {
            self.name = name
            self.title = title
            self.header = header
            self.rows = rows
        }
    }

    public func tables() -> [Table] {
        func count(_ value: Int?) -> String? { value.map(String.init) }
        func decimal(_ value: Double?, _ digits: Int = 2) -> String? {
            value.map { String(format: "%.\(digits)f", $0) }
        }
        func percent(_ value: Double?) -> String? { value.map { String(format: "%.1f%%", $0 * 100) } }
        let v = visits
        let visitRows: [[String?]] = [
            ["visits", count(v.visits)], ["visits with a clip", count(v.withClip)],
            ["looks per visit", decimal(v.looksPerVisit)], ["shoppers identified", percent(v.identifiedShare)],
            ["recording consent granted", count(v.consentGranted)],
            ["recording consent declined", count(v.consentDeclined)],
            ["dwell p50 (s)", decimal(v.dwellP50Seconds, 0)], ["dwell p90 (s)", decimal(v.dwellP90Seconds, 0)],
            ["clips shared per visit", decimal(v.sharedPerVisit)], ["looks saved per visit", decimal(v.savedPerVisit)],
        ]
        let staffRows: [[String?]] =
            [
                ["requests", count(staff.requests)], ["still open", count(staff.open)],
                ["answer p50 (s)", decimal(staff.answerP50Seconds, 0)],
                ["answer p95 (s)", decimal(staff.answerP95Seconds, 0)],
            ]
            + staff.byHour.map { hour in
                [
                    String(format: "answer p50/p95 (s) %02d:00", hour.hour),
                    "\(Int(hour.p50Seconds)) / \(Int(hour.p95Seconds)) (\(hour.answered))",
                ]
            }
        var ratingRows: [[String?]] = [
            ["ratings", count(rating.ratings)], ["average (1-5)", decimal(rating.average)],
        ]
        for (index, share) in rating.shares.enumerated() { ratingRows.append(["face \(index + 1)", percent(share)]) }
        for week in rating.weeks {
            ratingRows.append(["week of \(week.week)", "\(String(format: "%.2f", week.average)) (\(week.ratings))"])
        }
        return [
            Table(name: "visits", title: "Visits", header: ["figure", "value"], rows: visitRows),
            Table(
                name: "try_ons", title: "Tried on, per SKU and size",
                header: [
                    "sku", "size", "visits", "scanned", "recognised", "bought", "bought_other_size", "not_bought",
                ],
                rows: tryOns.map {
                    [
                        $0.sku, $0.size ?? "-", String($0.visits), count($0.scanned), count($0.recognised),
                        count($0.bought), count($0.boughtOtherSize), count($0.notBought),
                    ]
                }),
            Table(
                name: "size_swaps", title: "Size swaps, per SKU", header: ["sku", "requests", "up", "down", "flag"],
                rows: sizeSwaps.map { [$0.sku, String($0.requests), count($0.up), count($0.down), $0.flag ?? ""] }),
            Table(
                name: "suggestions", title: "Suggestions: shown, tapped, brought, bought",
                header: ["kind", "shown", "tapped", "brought", "bought"],
                rows: funnel.map { [$0.kind, count($0.shown), count($0.tapped), count($0.brought), count($0.bought)] }
            ),
            Table(name: "staff", title: "Staff requests", header: ["figure", "value"], rows: staffRows),
            Table(name: "rating", title: "Rating", header: ["figure", "value"], rows: ratingRows),
            Table(
                name: "series", title: "Per day", header: ["start", "visits", "try_ons", "requests"],
                rows: series.map { [$0.start, count($0.visits), count($0.tryOns), count($0.requests)] }),
        ]
    }

    /// Every table, aligned, with the range and k above and what was withheld below.
    public func text() -> String {
        let fewer = "fewer than \(k)"
        var out = "\(store.map { "Store \($0)" } ?? "All stores") · \(from) to \(to) · cells of at least \(k) visits"
        out += " · bought within \(boughtWindowMinutes) min\n"
        for table in tables() {
            out += "\n\(table.title)\n"
            let cells = [table.header] + table.rows.map { $0.map { $0 ?? fewer } }
            if table.rows.isEmpty {
                out += "  (none with \(k) visits or more)\n"
                continue
            }
            var widths = [Int](repeating: 0, count: table.header.count)
            for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
            for row in cells {
                let line = row.enumerated().map { i, cell in
                    cell + String(repeating: " ", count: widths[i] - cell.count)
                }.joined(separator: "  ")
                out += "  " + line.trimmingCharacters(in: .whitespaces) + "\n"
            }
        }
        let left = withheld.sorted { $0.key < $1.key }.filter { $0.value > 0 }
        if !left.isEmpty {
            out += "\nWithheld (fewer than \(k) visits): "
            out += left.map { "\($0.value) \($0.key) rows" }.joined(separator: ", ") + "\n"
        }
        return out
    }

    /// `table` as CSV: a header line, then its rows; withheld cells empty. Text that a spreadsheet would run as a
    /// formula (SKUs, sizes and kinds are free text pushed by mirrors: `=HYPERLINK(…)`, `@SUM(…)`, `-2+3`) starts
    /// with an apostrophe, as OWASP's CSV-injection advice says; numbers (`-0.5`) are left as they are.
    public static func csv(_ table: Table) -> String {
        ([table.header] + table.rows.map { $0.map { $0 ?? "" } }).map { row in
            row.map { cell in
                let safe = neutralised(cell)
                return safe.contains(where: { ",\"\n\r".contains($0) })
                    ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    /// `cell`, with an apostrophe before it when a spreadsheet would take it for a formula.
    static func neutralised(_ cell: String) -> String {
        guard let first = cell.first, "=+-@\t\r".contains(first), Double(cell) == nil else { return cell }
        return "'" + cell
    }
}
