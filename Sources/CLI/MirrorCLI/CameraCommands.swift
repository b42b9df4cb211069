import ArgumentParser
import Foundation
public import MirrorCapture
import MirrorCore
import MirrorImaging

/// `mirrorctl camera …`: works on the camera directly, without the daemon (stop mirrord first, or
/// use a camera it does not hold).
struct Camera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, adjust and test cameras (directly, without mirrord).",
        subcommands: [List.self, Formats.self, Controls.self, Set.self, Capture.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List video devices and their stable names.")
        @Flag(help: "Print JSON.") var json = false

        struct Entry: Codable {
            var path: String
            var card: String?
            var driver: String?
            var busInfo: String?
            var capture: Bool
            var links: [String]
            var problem: String?
        }

        func run() throws {
            let entries = CameraDirectory.nodes().map { path -> Entry in
                let links = CameraDirectory.links(to: path)
                do {
                    let caps = try V4L2Device.capabilities(of: path)
                    return Entry(
                        path: path, card: caps.card, driver: caps.driver, busInfo: caps.busInfo,
                        capture: caps.isCapture && caps.canStream, links: links, problem: nil)
                } catch {
                    return Entry(
                        path: path, card: nil, driver: nil, busInfo: nil, capture: false, links: links,
                        problem: "\(error)")
                }
            }
            if json { return try printJSON(entries) }
            guard !entries.isEmpty else {
                print("no video devices (/dev/video*)")
                return
            }
            var rows = [["DEVICE", "CAPTURE", "CARD", "DRIVER", "STABLE NAME"]]
            for entry in entries {
                rows.append([
                    entry.path, entry.capture ? "yes" : "no", entry.card ?? entry.problem ?? "-", entry.driver ?? "-",
                    entry.links.first ?? "-",
                ])
            }
            print(StatusFormatter.table(rows).joined(separator: "\n"))
        }
    }

    struct Formats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a camera's formats, sizes and frame rates.")
        @Argument(help: "The camera, e.g. /dev/video0.") var device: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let formats = try open(device).formats()
            if json { return try printJSON(formats) }
            var rows = [["FORMAT", "SIZE", "FPS", "DESCRIPTION"]]
            for format in formats {
                for size in format.sizes {
                    rows.append([
                        format.fourcc, "\(size.width)x\(size.height)",
                        size.fps.map { StatusFormatter.number($0) }.joined(separator: " "), format.description,
                    ])
                }
            }
            print(StatusFormatter.table(rows).joined(separator: "\n"))
        }
    }

    struct Controls: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a camera's controls with ranges and values.")
        @Argument(help: "The camera, e.g. /dev/video0.") var device: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let controls = try open(device).controls()
            if json { return try printJSON(controls) }
            print(CameraFormatter.controlsTable(controls))
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set camera controls: mirrorctl camera set /dev/video0 brightness=140 power_line_frequency=1")
        @Argument(help: "The camera, e.g. /dev/video0.") var device: String
        @Argument(help: "NAME=VALUE pairs (names as 'camera controls' shows them).") var settings: [String]
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let camera = try open(device)
            var changed: [CameraControl] = []
            for setting in settings {
                let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Int(parts[1]) else {
                    throw CLIError("'\(setting)' is not NAME=VALUE with a whole number", exitCode: 64)
                }
                do {
                    changed.append(try camera.setControl(parts[0], to: value))
                } catch {
                    throw CLIError("\(device): \(error)", exitCode: 65)
                }
            }
            if json { return try printJSON(changed) }
            for control in changed { print("\(control.name) = \(control.value.map(String.init) ?? "?")") }
        }
    }

    struct Capture: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture frames to a folder and report the frame rate, drops and first-frame latency.")
        @Option(help: "The camera, e.g. /dev/video0.") var device: String
        @Option(help: "How many frames.") var frames = 30
        @Option(help: "Folder to write frames to (JPEG for MJPG, raw .yuyv for YUYV).") var out: String
        @Option(
            name: .customLong("format"),
            help: "Wanted format, repeatable in order of preference, e.g. 'YUYV 640x360@30'.")
        var formats: [String] = ["MJPG 1920x1080@30", "MJPG 1280x720@30", "YUYV 1280x720@30", "YUYV 640x360@30"]
        @Option(help: "mmap buffers.") var buffers = 4
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let preferences = try formats.map { text in
                guard let preference = FormatPreference(text) else {
                    throw CLIError("'\(text)' is not FOURCC WIDTHxHEIGHT@FPS", exitCode: 64)
                }
                return preference
            }
            guard frames > 0 else { throw CLIError("--frames must be at least 1", exitCode: 64) }
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create \(out): \(error.localizedDescription)", exitCode: 73)
            }
            let report = try CameraCapture.run(
                device: device, preferences: preferences, frames: frames, buffers: buffers, folder: out)
            if json { return try printJSON(report) }
            print(CameraFormatter.captureSummary(report))
        }
    }
}

/// Opens `path`, turning failures into one line for staff.
private func open(_ path: String) throws -> V4L2Device {
    do {
        return try V4L2Device.open(path)
    } catch {
        throw CLIError("\(error)", exitCode: error.code == .notFound ? 69 : 65)
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Finds video nodes and the stable names udev gives them.
enum CameraDirectory {
    static func nodes() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return names.filter { $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil }
            .sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }.map { "/dev/\($0)" }
    }

    static func links(to node: String) -> [String] {
        ["/dev/v4l/by-id", "/dev/v4l/by-path"].flatMap { folder -> [String] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.sorted().map { "\(folder)/\($0)" }.filter {
                URL(fileURLWithPath: $0).resolvingSymlinksInPath().path == node
            }
        }
    }
}

/// What `mirrorctl camera capture` measured.
public struct CaptureReport: Codable, Sendable, Equatable {
    public var device: String
    public var format: String
    public var frames: Int
    /// Frames per second between the first and last kernel timestamps.
    public var fps: Double
    /// Frames the driver skipped (sequence gaps).
    public var dropped: Int
    /// MJPEG frames that failed validation.
    public var corrupt: Int
    /// From STREAMON to the first frame in hand, in milliseconds.
    public var firstFrameMs: Double
    public var folder: String
    /// Frames taken from the camera but not written because storage fell behind (more than the writer's queue
    /// held); absent from older reports.
    public var notWritten: Int?
}

enum CameraCapture {
    static func run(device: String, preferences: [FormatPreference], frames: Int, buffers: Int, folder: String)
        throws -> CaptureReport
    {
        let camera = try open(device)
        let format: StreamFormat
        do {
            format = try camera.negotiate(preferences)
            try camera.startStreaming(buffers: buffers)
        } catch {
            throw CLIError("\(error)", exitCode: 65)
        }
        let started = MonotonicInstant.now()
        var firstFrame: MonotonicInstant?
        var first: (sequence: UInt64, time: MonotonicInstant)?
        var last: (sequence: UInt64, time: MonotonicInstant)?
        // Taken from the camera: handed to the writer, which writes them off this loop.
        var taken = 0
        var corrupt = 0
        let writer = FrameWriter(folder: folder)
        var idle = Duration.zero
        while taken + corrupt < frames {
            let got = try camera.nextFrame(timeout: .milliseconds(200)) { bytes, sequence, timestamp in
                if firstFrame == nil { firstFrame = .now() }
                if first == nil { first = (sequence, timestamp) }
                last = (sequence, timestamp)
                var data = bytes
                var name = String(format: "frame-%05d.yuyv", taken)
                if format.format == .mjpeg {
                    guard case .success(let info) = JPEGMarkers.inspect(bytes) else {
                        corrupt += 1
                        return
                    }
                    data = UnsafeRawBufferPointer(rebasing: bytes[0..<info.length])
                    name = String(format: "frame-%05d.jpg", taken)
                }
                writer.submit(name, Data(data))
                taken += 1
            }
            if let failure = writer.failure {
                camera.stopStreaming()
                throw CLIError("cannot write frames to \(folder): \(failure)", exitCode: 73)
            }
            idle = got ? .zero : idle + .milliseconds(200)
            if idle >= .seconds(5) { throw CLIError("\(device) delivered no frame for 5 s", exitCode: 69) }
        }
        camera.stopStreaming()
        let (written, notWritten) = writer.finish()
        if let failure = writer.failure {
            throw CLIError("cannot write frames to \(folder): \(failure)", exitCode: 73)
        }
        var fps = 0.0
        var dropped = 0
        if let first, let last, last.sequence > first.sequence {
            let span = Double(last.time.nanoseconds - first.time.nanoseconds) / 1e9
            let count = Int(last.sequence - first.sequence)
            if span > 0 { fps = Double(count) / span }
            dropped = max(0, count + 1 - taken - corrupt)
        }
        let latency =
            firstFrame.map { $0.since(started).milliseconds } ?? 0
        return CaptureReport(
            device: device, format: "\(PreferenceText.describe(format))", frames: written,
            fps: (fps * 100).rounded() / 100, dropped: dropped, corrupt: corrupt,
            firstFrameMs: (latency * 10).rounded() / 10, folder: folder, notWritten: notWritten)
    }
}

enum PreferenceText {
    static func describe(_ format: StreamFormat) -> String {
        FormatPreference(fourcc: format.format.fourcc, width: format.width, height: format.height, fps: format.fps)
            .description
    }
}

/// Human output of the camera commands.
public enum CameraFormatter {
    public static func controlsTable(_ controls: [CameraControl]) -> String {
        var rows = [["CONTROL", "TYPE", "VALUE", "DEFAULT", "RANGE"]]
        for control in controls {
            var range = "\(control.minimum)…\(control.maximum)"
            if control.step > 1 { range += " step \(control.step)" }
            if let menu = control.menu {
                range = menu.sorted { Int($0.key)! < Int($1.key)! }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: ", ")
            }
            if control.readOnly { range += " (read-only)" }
            rows.append([
                control.name, control.type, control.value.map(String.init) ?? "-", "\(control.defaultValue)", range,
            ])
        }
        return StatusFormatter.table(rows).joined(separator: "\n")
    }

    public static func captureSummary(_ report: CaptureReport) -> String {
        "captured \(report.frames) frames of \(report.format) from \(report.device) into \(report.folder)\n"
            + "fps \(StatusFormatter.number(report.fps)) · dropped \(report.dropped) · corrupt \(report.corrupt) · "
            + "first frame after \(StatusFormatter.fixed(report.firstFrameMs)) ms"
            + ((report.notWritten ?? 0) > 0
                ? "\nnot written: \(report.notWritten ?? 0) (storage too slow for the camera's rate)" : "")
    }
}
