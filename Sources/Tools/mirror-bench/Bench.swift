import ArgumentParser
import Foundation
import Logging
import MirrorCapture
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorTesting
import Prometheus

/// Benchmarks that print figures; scripts/bench runs them beside their peers (tjbench) for ratios.
@main
struct MirrorBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror-bench", abstract: "Performance figures of the mirror's hot paths.",
        subcommands: [
            Decode.self, MakeJPEG.self, Replay.self, Compose.self, Record.self, Vision.self, KNN.self,
            VisionPipeline.self, Retrieval.self, Suggest.self, HubLoad.self, HubHTTPLoad.self, FleetPull.self,
            Mask.self, InsightsLoad.self, ScreenText.self,
        ])
}

/// Seconds of CPU (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

struct MakeJPEG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-jpeg",
        abstract: "Write a 4:2:2 JPEG of the turntable scene with sensor-like noise (a camera-like test image).")
    @Option var width = 1920
    @Option var height = 1080
    @Option var quality = 90
    @Argument var output: String

    func run() throws {
        let scene = TurntableScene(width: width, height: height, framesPerTurn: 48)
        let image = PixelBuffer()
        scene.render(5, into: image)
        // Deterministic grain (a small LCG), so the image has a camera's entropy rather than flat colour.
        var state: UInt32 = 12345
        for y in 0..<height {
            let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                state = state &* 1_664_525 &+ 1_013_904_223
                let noise = Int32(state >> 28) - 8
                let pixel = row[x]
                var out: UInt32 = 0
                for shift: UInt32 in [0, 8, 16] {
                    let channel = min(max(Int32((pixel >> shift) & 0xFF) + noise, 0), 255)
                    out |= UInt32(channel) << shift
                }
                row[x] = out
            }
        }
        let jpeg = try JPEGEncoder().encode(image, quality: quality)
        try Data(jpeg).write(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(width)x\(height) 4:2:2 q\(quality), \(jpeg.count) bytes")
    }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode one JPEG repeatedly into a reused buffer; print megapixels per second.")
    @Argument var file: String
    @Option(help: "DCT scale denominator: 1, 2, 4 or 8.") var scale = 1
    @Option(help: "Seconds to measure.") var seconds = 5.0
    @Flag(help: "Accurate (slow) IDCT instead of the fast one.") var accurate = false

    func run() throws {
        guard let jpegScale = JPEGScale(rawValue: scale) else { throw ValidationError("scale must be 1, 2, 4 or 8") }
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let decoder = try JPEGDecoder()
        let output = PixelBuffer()
        var size = (width: 0, height: 0)
        try jpeg.withUnsafeBytes { bytes in
            // Warm-up: one second, as tjbench does.
            let warm = ContinuousClock.now + .seconds(1)
            while ContinuousClock.now < warm {
                size = try decoder.decode(bytes, into: output, scale: jpegScale, fast: !accurate)
            }
            var count = 0
            let start = ContinuousClock.now
            let end = start + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < end {
                try decoder.decode(bytes, into: output, scale: jpegScale, fast: !accurate)
                count += 1
            }
            let elapsed = ContinuousClock.now - start
            let secondsTaken = elapsed.seconds
            let info = try JPEGMarkers.inspect(bytes).get()
            let megapixels = Double(info.width * info.height) * Double(count) / secondsTaken / 1e6
            print(
                "mirror decode 1/\(scale): \(size.width)x\(size.height) from \(info.width)x\(info.height), "
                    + String(
                        format: "%.1f fps, %.2f ms/frame, %.1f Mpixels/s (source pixels)",
                        Double(count) / secondsTaken, secondsTaken * 1000 / Double(count), megapixels))
        }
    }
}

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay MJPEG at a frame rate through capture, the frame bus and the display into a file "
            + "framebuffer; print drops and CPU per frame.")
    @Argument var sample: String
    @Option var fps = 30.0
    @Option(help: "Seconds to run.") var seconds = 60.0
    @Option var width = 1080
    @Option var height = 1920
    @Option(help: "Degrees clockwise to turn camera frames (90 for a sideways 1080p camera).") var rotation = 0
    @Flag(help: "Leave the display out, to measure capture and the bus alone.") var noDisplay = false

    func run() async throws {
        let registry = PrometheusCollectorRegistry()
        let bus = FrameBus()
        let captureStats = CaptureStats(registry: registry)
        let displayStats = DisplayStats(registry: registry)
        let folder = NSTemporaryDirectory() + "mirror-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let framebuffer = try FileFramebuffer(
            path: "\(folder)/fb.raw", width: width, height: height, layout: .xrgb8888)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        // Consumers that stand for the recorder and vision: they take every frame and touch its bytes.
        let others = ["recorder", "vision"].map { name in
            let stream = bus.subscribe(name, capacity: 8)
            return Task {
                var checksum = 0
                for await frame in stream { checksum &+= frame.bytes.count }
                return checksum
            }
        }
        let capture = CaptureService(
            device: ReplayDevice(path: sample, fps: fps), bus: bus, stats: captureStats, logger: logger)
        let display = DisplayService(
            bus: bus, framebuffer: framebuffer, rotation: rotation, mirror: true, stats: displayStats, logger: logger)
        let cpuStart = cpuSeconds()
        var tasks = [Task { try await capture.run() }]
        if !noDisplay { tasks.append(Task { try await display.run() }) }
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        let cpu = cpuSeconds() - cpuStart
        let captured = captureStats.captured
        let stats = bus.stats()
        for task in tasks { task.cancel() }
        for task in others { task.cancel() }
        let summary = displayStats.summary()
        print(
            String(
                format: "replay %.0f s at %.0f fps" + (noDisplay ? " (no display)" : "")
                    + ": captured %d, CPU %.2f ms/frame (%.1f %% of one core), display "
                    + "p50 %.1f ms p99 %.1f ms",
                seconds, fps, captured, cpu * 1000 / Double(max(captured, 1)), cpu / seconds * 100, summary.p50,
                summary.p99))
        for consumer in stats {
            print("  \(consumer.name): received \(consumer.received), dropped \(consumer.dropped)")
        }
    }
}

struct Compose: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time composing one live-view frame (scale, rotate, mirror, overlay) and packing it to a panel.")
    @Option var frameWidth = 1920
    @Option var frameHeight = 1080
    @Option var rotation = 90
    @Option var frames = 100

    func run() throws {
        let frame = PixelBuffer(width: frameWidth, height: frameHeight)
        frame.fill(0x80_6040)
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: rotation, mirror: true)
        let panel = PixelBuffer(width: 1080, height: 1920)
        func time(_ body: () -> Void) -> Double {
            let start = ContinuousClock.now
            for _ in 0..<frames { body() }
            let elapsed = ContinuousClock.now - start
            return elapsed.milliseconds / Double(frames)
        }
        let compose = time { renderer.drawLive(frame, overlay: .init()) }
        let pack = time {
            PixelPacking.pack(
                renderer.canvas.pixels, into: panel.base, stride: panel.stride, width: 1080, height: 1920,
                layout: .xbgr8888)
        }
        print(
            String(
                format: "compose %dx%d rot %d -> 1080x1920: %.2f ms/frame; pack to XBGR8888: %.2f ms/frame",
                frameWidth, frameHeight, rotation, compose, pack))
    }
}
