import Foundation
import MirrorProtocol

/// The insights page's charts' geometry and its numbers and dates for people.
extension InsightsPage {
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
}
