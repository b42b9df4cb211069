import Foundation
import Logging
import MirrorCore
import MirrorDisplay
import MirrorImaging
import Prometheus
import Testing

@Suite struct DisplayServiceTests {
    @Test func showsCameraLostScreenWithoutFramesAndLiveViewWhenTheyReturn() async throws {
        let folder = NSTemporaryDirectory() + "mirror-display-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let framebuffer = try FileFramebuffer(path: "\(folder)/fb.raw", width: 90, height: 160, layout: .xrgb8888)
        let bus = FrameBus()
        let stats = DisplayStats(registry: PrometheusCollectorRegistry())
        let service = DisplayService(
            bus: bus, framebuffer: framebuffer, rotation: 0, mirror: true, stats: stats,
            staleAfter: .seconds(1), cameraProblem: { "Camera unplugged" }, logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        defer { task.cancel() }

        // No frames: the panel turns to the camera-lost screen (dark background).
        try await waitFor { stats.cameraLost }
        let screen = PixelBuffer()
        framebuffer.snapshot(into: screen)
        let background = screen.pixel(x: 45, y: 150)
        #expect([0, 8, 16].allSatisfy { (background >> $0) & 0xFF < 0x30 }, "dark camera-lost screen")

        // A green camera frame: the live view replaces the message.
        let image = PixelBuffer(width: 32, height: 32)
        image.fill(0x00_C000)
        let jpeg = try JPEGEncoder().encode(image, quality: 95)
        // Frames keep coming while the test looks (a pause longer than staleAfter is a lost camera again).
        let camera = Task {
            var sequence: UInt64 = 0
            while !Task.isCancelled {
                bus.publish(
                    Frame(
                        sequence: sequence, timestamp: .now(), format: .mjpeg, width: 32, height: 32,
                        bytes: FrameBytes(jpeg)))
                sequence += 1
                try? await Task.sleep(for: .milliseconds(30))
            }
        }
        defer { camera.cancel() }
        try await waitFor { !stats.cameraLost && stats.shown > 2 }
        framebuffer.snapshot(into: screen)
        let centre = screen.pixel(x: 45, y: 80)
        #expect((centre >> 8) & 0xFF > 0xA0 && (centre >> 16) & 0xFF < 0x30, "live green frame on the panel")
    }

    @Test func framesThatDoNotDecodeAreCountedForStatus() async throws {
        let folder = NSTemporaryDirectory() + "mirror-display-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let framebuffer = try FileFramebuffer(path: "\(folder)/fb.raw", width: 90, height: 160, layout: .xrgb8888)
        let bus = FrameBus()
        let stats = DisplayStats(registry: PrometheusCollectorRegistry())
        let service = DisplayService(
            bus: bus, framebuffer: framebuffer, rotation: 0, mirror: true, stats: stats, logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        defer { task.cancel() }
        #expect(stats.decodeErrors == 0)
        // A stream of start and end markers with nothing between: each frame reaches the display and fails there.
        let feed = Task {
            var sequence: UInt64 = 0
            while !Task.isCancelled {
                bus.publish(
                    Frame(
                        sequence: sequence, timestamp: .now(), format: .mjpeg, width: 32, height: 32,
                        bytes: FrameBytes([0xFF, 0xD8, 0xFF, 0xD9])))
                sequence += 1
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { feed.cancel() }
        try await waitFor { stats.decodeErrors >= 3 }
        #expect(stats.shown == 0)
    }

    /// Waits for what the service does; the bound catches a service that never does it, not its speed: the
    /// screen tests beside these render and compare whole panels on the same two cores (a run of them kept these
    /// tasks waiting for 15 s).
    private func waitFor(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition())
    }
}
