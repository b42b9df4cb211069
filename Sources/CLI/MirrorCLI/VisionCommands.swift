import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorCore

/// `mirrorctl vision`: what the recognition core sees now and over the session.
struct VisionStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision", abstract: "Show the recognition core: model, presence and recognised garments.")
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let report = try await daemon.client.getJSON("/v1/vision", as: VisionReport.self)
        if json { return try printJSON(report) }
        print(VisionFormatter.text(report))
    }
}

/// `mirrorctl calibrate`: learn the empty fitting-room view that presence detection compares against.
struct Calibrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn the empty fitting-room view (step out of the camera's view first).")
    @OptionGroup var daemon: DaemonOptions
    @Option(help: "Camera frames to learn from (5-100; the answer comes when they are in).") var frames = 30
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (5...100).contains(frames) else { throw ValidationError("--frames must be 5 to 100") }
    }

    func run() async throws {
        let report = try await daemon.client.post("/v1/vision/calibrate?frames=\(frames)", as: VisionReport.self)
        if json { return try printJSON(report) }
        print("calibrated from \(frames) frames; \(report.present ? "someone is in view" : "the view is empty")")
    }
}

/// Human-readable vision reports.
enum VisionFormatter {
    static func text(_ report: VisionReport) -> String {
        var lines = [
            "vision      \(report.enabled ? "on" : "off")\(report.problem.map { " — \($0)" } ?? "")",
            "model       \(report.model), \(report.threads) thread\(report.threads == 1 ? "" : "s")",
            "calibrated  \(report.calibrated ? "yes" : "no (run mirrorctl calibrate with the view empty)")",
            "present     \(report.present ? "yes" : "no")",
            "catalog     \(report.catalogItems) items",
            String(
                format: "analysed    %llu frames, last %.1f ms", report.framesAnalysed, report.lastAnalysisMilliseconds),
        ]
        for (title, observations) in [("now", report.current), ("session", report.session)] {
            lines.append("\(title):" + (observations.isEmpty ? " nothing recognised" : ""))
            for observation in observations {
                let category =
                    observation.category.map {
                        "\($0.rawValue) \(Int((observation.categoryConfidence * 100).rounded())) %"
                    } ?? "unknown"
                let colours = observation.colours.map { "\($0.name) \(Int(($0.share * 100).rounded())) %" }
                let skus = observation.candidates.prefix(3).map { "\($0.sku) \(String(format: "%.2f", $0.score))" }
                lines.append(
                    "  \(observation.region.rawValue): \(category); colours \(colours.joined(separator: ", "))"
                        + (skus.isEmpty ? "" : "; matches \(skus.joined(separator: ", "))")
                        + (observation.frames > 1 ? " (\(observation.frames) frames)" : ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
