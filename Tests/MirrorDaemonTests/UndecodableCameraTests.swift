import Foundation
import MirrorAPIModel
import MirrorImaging
import MirrorProtocol
import Testing

/// Issue: well-formed 12-bit (SOF1) and lossless (SOF3) JPEG frames, which Debian's 8-bit libjpeg-turbo cannot
/// decode, passed the marker check; once a visit started `/healthz` blamed the display and the watchdog went
/// hungry, so systemd would restart mirrord every 30 s for as long as the camera sent them. Now only codings the
/// decoder reads pass; the rest are corrupt, said once, and a camera problem in status, `/healthz` and the fleet's
/// telemetry, with the watchdog fed. CMYK, refused since the last round, is held to the same.
@Suite struct UndecodableCameraTests {
    enum Kind: String, CaseIterable, Sendable {
        case twelveBit = "12-bit"
        case lossless
        case cmyk = "CMYK"
    }

    /// A 360x640 baseline frame rewritten to `kind` at the marker level (what the check sees; the entropy-coded
    /// data is the baseline one's).
    static func frame(_ kind: Kind) throws -> [UInt8] {
        let pixels = PixelBuffer(width: 360, height: 640)
        for index in 0..<pixels.byteCount {
            pixels.base.storeBytes(of: UInt8(truncatingIfNeeded: index / 7), toByteOffset: index, as: UInt8.self)
        }
        var bytes = try JPEGEncoder().encode(pixels)
        let sof = try #require((0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        switch kind {
        case .twelveBit:
            bytes[sof + 1] = 0xC1
            bytes[sof + 4] = 12
        case .lossless:
            bytes[sof + 1] = 0xC3
        case .cmyk:
            // A fourth component after the three of the header, and the header's length and count to match.
            let components = Int(bytes[sof + 9])
            bytes.insert(contentsOf: [4, 0x11, 0x01], at: sof + 10 + 3 * components)
            let length = (Int(bytes[sof + 2]) << 8 | Int(bytes[sof + 3])) + 3
            bytes[sof + 2] = UInt8(length >> 8)
            bytes[sof + 3] = UInt8(length & 0xFF)
            bytes[sof + 9] = UInt8(components + 1)
        }
        return bytes
    }

    @Test(arguments: Kind.allCases)
    func framesTheDecoderCannotReadAreACameraProblemAndTheWatchdogStaysFed(kind: Kind) async throws {
        let frame = try Self.frame(kind)
        let daemon = try DaemonUnderTest(extraConfig: "api:\n  metrics_listen: 127.0.0.1:0\n")
        try daemon.replayCamera(Array(repeating: frame, count: 12).flatMap { $0 }, named: kind.rawValue)
        let systemd = try BoundUnixSocket(path: "\(daemon.folder)/notify", datagram: true)
        daemon.process.environment = ProcessInfo.processInfo.environment.merging([
            "NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "1000000",
        ]) { $1 }
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let ctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        #expect(try await ctl(["ui", "event", "start"]).status == 0)

        // Past the 5 s after which every frame dropped is a camera problem, and the display would be judged.
        var messages: [String] = []
        let until = ContinuousClock.now + .seconds(7)
        while ContinuousClock.now < until {
            if let message = await systemd.receive() { messages.append(message) }
        }
        var late: [String] = []
        let lateUntil = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < lateUntil {
            if let message = await systemd.receive() { late.append(message) }
        }
        #expect(late.filter { $0.hasPrefix("WATCHDOG=1") }.count >= 2, "the watchdog went hungry: \(late)")

        let status = try JSONDecoder().decode(
            StatusReport.self, from: Data(try await ctl(["status", "--json"]).stdout.utf8))
        #expect(status.camera.framesCorrupt > 10 && status.camera.framesCaptured == 0, "\(status.camera)")
        let problem = try #require(status.camera.problem, "no camera problem in status")
        #expect(problem.hasPrefix("camera: every frame dropped") && problem.contains(kind.rawValue), "\(problem)")
        let text = try await ctl(["status"])
        #expect(text.stdout.contains("PROBLEM   \(problem)"), "\(text.stdout)")

        let metricsPort = try await daemon.boundPort("metrics")
        let health = try await run(
            "/usr/bin/curl", ["-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(metricsPort)/healthz"])
        #expect(health.stdout.hasSuffix("\n503") && health.stdout.contains(problem), "\(health.stdout)")
        #expect(!health.stdout.contains("display"), "the display is not blamed: \(health.stdout)")
        let telemetry = try TelemetryReport.decoder().decode(
            TelemetryReport.self,
            from: Data(
                try await run("/usr/bin/curl", ["-s", "http://127.0.0.1:\(metricsPort)/v1/telemetry"]).stdout.utf8))
        #expect(!telemetry.healthy && telemetry.alerts.contains(problem), "\(telemetry.alerts)")
        let said = daemon.logs().components(separatedBy: "camera frames cannot be decoded").count - 1
        #expect(said == 1, "said once, not for every frame: \(said)")
        print(
            "\(kind.rawValue) camera frames: \(status.camera.framesCorrupt) corrupt, status and /healthz say \"\(problem)\""
        )
        #expect(try await daemon.stop() == 0)
    }
}
