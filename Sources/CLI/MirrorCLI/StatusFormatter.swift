import Foundation
public import MirrorAPIModel
import MirrorCore

/// Renders a ``StatusReport`` for people (a table) or for scripts (JSON).
public enum StatusFormatter {
    public static func human(_ status: StatusReport) -> String {
        let camera = status.camera
        let display = status.display
        var lines: [String] = []
        lines.append("mirrord \(status.version) · profile \(status.profile) · up \(duration(status.uptimeSeconds))")
        lines.append("")
        lines.append(pad("CAMERA", 10) + camera.state + "  " + camera.device)
        lines.append(
            pad("", 10) + "\(camera.format) \(camera.width)x\(camera.height) @ \(fixed(camera.fps)) fps · "
                + "captured \(camera.framesCaptured) · dropped \(camera.framesDropped) · corrupt \(camera.framesCorrupt)"
        )
        if let problem = camera.problem { lines.append(pad("PROBLEM", 10) + problem) }
        lines.append(
            pad("DISPLAY", 10) + "\(display.device) \(display.width)x\(display.height) \(display.pixelFormat) "
                + "rotation \(display.rotation)")
        lines.append(
            pad("", 10) + "\(fixed(display.fps)) fps · shown \(display.framesShown) · latency p50 "
                + "\(fixed(display.latencyP50Ms)) ms · p99 \(fixed(display.latencyP99Ms)) ms"
                + (display.decodeErrors.map { $0 > 0 ? " · undecodable \($0)" : "" } ?? ""))
        if let listeners = status.listeners, !listeners.isEmpty {
            lines.append(
                pad("LISTENING", 10)
                    + listeners.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                    .joined(separator: " · "))
        }
        if !status.consumers.isEmpty {
            lines.append("")
            let rows =
                [["CONSUMER", "QUEUE", "RECEIVED", "DROPPED"]]
                + status.consumers.map { ["\($0.name)", "\($0.capacity)", "\($0.received)", "\($0.dropped)"] }
            lines.append(contentsOf: table(rows, rightAligned: [1, 2, 3]))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ status: StatusReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(status), as: UTF8.self) + "\n"
    }

    /// Column-aligned rows, two spaces apart.
    static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        let widths = rows.reduce(into: [Int]()) { widths, row in
            for (index, cell) in row.enumerated() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let gap = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? gap + cell : (index == row.count - 1 ? cell : cell + gap)
            }.joined(separator: "  ")
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A number with at most two decimals and no trailing zeros: 30, 12.5, 29.97.
    static func number(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds)
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        if h > 0 { return "\(h)h \(String(format: "%02d", m))m" }
        if m > 0 { return "\(m)m \(String(format: "%02d", s))s" }
        return "\(s)s"
    }
}
