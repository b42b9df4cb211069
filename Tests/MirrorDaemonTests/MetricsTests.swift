import Foundation
import MirrorCore
import MirrorProtocol
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

private let promtool = installed("/usr/bin/promtool", "/usr/local/bin/promtool")

@Suite struct MetricsTests {
    /// In CI promtool must be there (the test script installs it); elsewhere the test says why it skips.
    @Test(.enabled(if: promtool != nil || inCI, "promtool is not installed (Debian package prometheus)"))
    func metricsPassPromtoolAndHealthIsServedOverTCP() async throws {
        let tool = try #require(promtool, "promtool is required in CI")
        let daemon = try DaemonUnderTest(
            extraConfig: """
                api:
                  metrics_listen: 127.0.0.1:0
                vision:
                  manifest: \(Binaries.repository)/models/efficientnet-lite0.json
                """)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let port = try await daemon.boundPort("metrics")
        try await Task.sleep(for: .seconds(1))

        let (health, healthResponse) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(port)/healthz")!)
        #expect((healthResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: health, as: UTF8.self) == "ok\n")

        let (metrics, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let text = String(decoding: metrics, as: UTF8.self)
        for name in [
            "mirror_capture_frames_total", "mirror_display_frames_total", "mirror_display_latency_seconds_bucket",
            "mirror_build_info{", "mirror_capture_frames_per_second", "mirror_vision_frames_analysed_total",
            "mirror_vision_analysis_seconds_bucket", "mirror_vision_person_present", "mirror_disk_free_bytes",
            "mirror_clips_stored", "mirror_sessions_total", "mirror_recorder_written_bytes_total",
            "mirror_sync_outbox_ops", "mirror_capture_reconnects_total",
        ] {
            #expect(text.contains(name), "\(name) missing from /metrics")
        }
        // Nothing that could name a shopper: no session, clip or loyalty ids in any label.
        #expect(!text.contains("session=") && !text.contains("loyalty") && !text.contains("clip="))

        let (body, telemetryResponse) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(port)/v1/telemetry")!)
        #expect((telemetryResponse as? HTTPURLResponse)?.statusCode == 200)
        let telemetry = try TelemetryReport.decoder().decode(TelemetryReport.self, from: body)
        #expect(telemetry.healthy && telemetry.camera.state == "streaming" && telemetry.camera.fps > 0)
        #expect(telemetry.model != nil && telemetry.diskTotalBytes > 0 && telemetry.sync.enabled == false)
        #expect(telemetry.version == MirrorVersion.current)

        // The status and screenshot routes are for the staff socket only, never on TCP.
        let (_, statusResponse) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(port)/v1/status")!)
        #expect((statusResponse as? HTTPURLResponse)?.statusCode == 404)

        let file = "\(daemon.folder)/metrics.txt"
        try metrics.write(to: URL(fileURLWithPath: file))
        let check = try await run("/bin/sh", ["-c", "\(tool) check metrics < '\(file)'"])
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")
        #expect(check.stdout.isEmpty && check.stderr.isEmpty, "promtool lint: \(check.stdout)\(check.stderr)")
        #expect(try await daemon.stop() == 0)
    }
}
