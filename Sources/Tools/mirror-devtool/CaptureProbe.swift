import ArgumentParser
import Foundation
import Logging
import MirrorCapture
import MirrorCore
import Prometheus

/// Runs the capture service alone on a V4L2 node and prints its state, for tests that unplug the camera and measure
/// this process (its memory and descriptors) without anything else in it. Runs until SIGTERM.
struct CaptureProbe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture-probe",
        abstract: "Capture from a V4L2 node through the capture service; print 'state captured reconnects' lines.")

    @Option(help: "The V4L2 capture node.") var device: String
    @Option(help: "The format to ask for, e.g. \"YUYV 640x360@30\".") var format = "YUYV 640x360@30"

    func run() async throws {
        guard let preference = FormatPreference(format) else {
            throw ValidationError("--format \(format) is not FOURCC WxH@FPS")
        }
        let stats = CaptureStats(registry: PrometheusCollectorRegistry())
        let bus = FrameBus()
        let frames = bus.subscribe("probe", capacity: 4)
        var logger = Logger(label: "capture-probe")
        logger.logLevel = .error
        let camera = V4L2Camera(path: device, preferences: [preference], stallTimeout: .seconds(1))
        let service = Task { [logger] in
            try await CaptureService(device: camera, bus: bus, stats: stats, logger: logger).run()
        }
        let drain = Task { for await _ in frames {} }
        signal(SIGTERM, SIG_IGN)
        let stop = DispatchSource.makeSignalSource(signal: SIGTERM)
        stop.setEventHandler { service.cancel() }
        stop.resume()
        // A line whenever something changed, at most every 10 ms: the parent reads the newest.
        var last = ""
        while !service.isCancelled {
            let line = "\(stats.state.rawValue) \(stats.captured) \(stats.reconnects)"
            if line != last {
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
                last = line
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        drain.cancel()
        _ = await service.result
    }
}
