import Foundation
import MirrorDisplay
import MirrorImaging
import MirrorTesting
import Testing

/// Every screen rendered at 1080x1920 and compared with a committed PNG (MIRROR_UPDATE_GOLDEN=1 rewrites
/// them after a deliberate design change; look at the new ones before committing).
@Suite struct ScreenGoldenTests {
    static let screens: [(String, Screen?)] = [
        ("live", nil), ("attract", .attract), ("consent", .consent(clipSeconds: 8, keepHours: 24)),
        ("countdown", .countdown(3)), ("recording", .recording(progress: 0.4, secondsLeft: 5)),
        ("staff", .staffOnTheWay(request: "Knit top, size M, terracotta")),
    ]

    static func liveFrame() -> PixelBuffer {
        let frame = PixelBuffer()
        TurntableScene().render(0, into: frame)
        return frame
    }

    @Test(arguments: screens.map(\.0))
    func screenMatchesGolden(name: String) throws {
        let screen = Self.screens.first { $0.0 == name }!.1
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        if let screen {
            renderer.draw(screen, live: Self.liveFrame())
        } else {
            renderer.drawLive(Self.liveFrame(), overlay: .init())
        }
        try expectGolden(renderer.canvas.pixels, "screen-\(name).png")
    }

    @Test func cameraLostMatchesGolden() throws {
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        renderer.drawMessage("Camera reconnecting…", detail: "Camera unplugged")
        try expectGolden(renderer.canvas.pixels, "screen-camera-lost.png")
    }

    @Test(arguments: [(720, 1280), (1920, 1080)])
    func screensRenderAtOtherPanelSizes(width: Int, height: Int) {
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true)
        for (_, screen) in Self.screens {
            if let screen { renderer.draw(screen, live: Self.liveFrame()) }
        }
        #expect(renderer.canvas.width == width)
    }

    private func expectGolden(_ image: PixelBuffer, _ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
            .path
        if ProcessInfo.processInfo.environment["MIRROR_UPDATE_GOLDEN"] == "1" {
            try Data(try PNGWriter.encode(image)).write(to: URL(fileURLWithPath: path))
        }
        let golden = PixelBuffer()
        try PNGReader.read(path, into: golden)
        #expect(golden.width == image.width && golden.height == image.height)
        var differing = 0
        for y in 0..<min(golden.height, image.height) {
            for x in 0..<min(golden.width, image.width) {
                let a = golden.pixel(x: x, y: y)
                let b = image.pixel(x: x, y: y)
                for shift: UInt32 in [0, 8, 16] where abs(Int((a >> shift) & 0xFF) - Int((b >> shift) & 0xFF)) > 2 {
                    differing += 1
                    break
                }
            }
        }
        // Up to 0.1 % of pixels may differ by more than 2 levels (anti-aliasing across library builds).
        #expect(differing <= image.width * image.height / 1000, "\(name): \(differing) pixels differ")
    }
}
