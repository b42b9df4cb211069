import Foundation
import MirrorAPIModel
import MirrorCLI
import MirrorCore
import Testing

private let report = StatusReport(
    version: "0.1.0", profile: "demo-replay", uptimeSeconds: 62.4,
    camera: .init(
        state: "streaming", device: "replay:/opt/mirror/devices/samples/turntable-360x640.mjpeg", format: "MJPG",
        width: 360, height: 640, fps: 12.0, framesCaptured: 745, framesDropped: 0, framesCorrupt: 1),
    display: .init(
        device: "file:/var/lib/mirrord/framebuffer.raw", width: 1080, height: 1920, pixelFormat: "XRGB8888",
        rotation: 0, fps: 11.96, framesShown: 744, latencyP50Ms: 6.25, latencyP99Ms: 9.8),
    consumers: [.init(name: "display", capacity: 1, received: 745, dropped: 3)])

/// Compares `text` with the committed golden file; set MIRROR_UPDATE_GOLDEN=1 to rewrite it.
private func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["MIRROR_UPDATE_GOLDEN"] == "1" {
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    let golden = try String(contentsOf: url, encoding: .utf8)
    #expect(text == golden, sourceLocation: sourceLocation)
}

@Suite struct StatusOutputTests {
    @Test func humanTableMatchesGolden() throws {
        try expectGolden(StatusFormatter.human(report), "status.txt")
    }

    @Test func undecodableFramesShowOnlyWhenThereAreSome() {
        #expect(!StatusFormatter.human(report).contains("undecodable"))
        var damaged = report
        damaged.display.decodeErrors = 16
        #expect(StatusFormatter.human(damaged).contains("shown 744 · latency p50 6.2 ms · p99 9.8 ms · undecodable 16"))
        damaged.display.decodeErrors = 0
        #expect(!StatusFormatter.human(damaged).contains("undecodable"))
    }

    @Test func boundListenersShowByName() {
        #expect(!StatusFormatter.human(report).contains("LISTENING"))
        var listening = report
        listening.listeners = ["share": "0.0.0.0:8090", "metrics": "127.0.0.1:41233"]
        #expect(StatusFormatter.human(listening).contains("LISTENING metrics 127.0.0.1:41233 · share 0.0.0.0:8090\n"))
    }

    @Test func jsonMatchesGoldenAndRoundTrips() throws {
        let json = try StatusFormatter.json(report)
        try expectGolden(json, "status.json")
        #expect(try JSONDecoder().decode(StatusReport.self, from: Data(json.utf8)) == report)
    }
}
