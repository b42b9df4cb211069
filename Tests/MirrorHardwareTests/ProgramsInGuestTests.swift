import CLinuxUAPI
import Foundation
import Testing

/// The real programs on the guest's real devices: `mirrorctl camera …` and `mirrord` with a V4L2
/// camera and the bochs-drm framebuffer.
extension HardwareTests {
    @Suite struct ProgramsInGuestTests {
        static let folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path

        func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "\(Self.folder)/\(program)")
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }

        @Test func mirrorctlCameraCommands() throws {
            let camera = try Guest.node(driver: "vivid")
            let list = try run("mirrorctl", ["camera", "list"])
            #expect(list.status == 0 && list.output.contains(camera) && list.output.contains("vivid"), "\(list.output)")

            let formats = try run("mirrorctl", ["camera", "formats", camera, "--json"])
            #expect(formats.status == 0 && formats.output.contains("\"fourcc\" : \"YUYV\""), "\(formats.output)")

            let set = try run("mirrorctl", ["camera", "set", camera, "brightness=150", "contrast=100"])
            #expect(set.status == 0 && set.output.contains("brightness = 150"), "\(set.output)")
            let controls = try run("mirrorctl", ["camera", "controls", camera])
            #expect(controls.output.contains("brightness"), "\(controls.output)")
            let wrong = try run("mirrorctl", ["camera", "set", camera, "brightness=9999"])
            #expect(wrong.status == 65 && wrong.output.contains("out of range"), "\(wrong.output)")

            let out = NSTemporaryDirectory() + "capture-\(UUID().uuidString)"
            let capture = try run(
                "mirrorctl",
                [
                    "camera", "capture", "--device", camera, "--frames", "30", "--out", out, "--format",
                    "YUYV 640x360@30",
                ])
            print(capture.output)
            #expect(capture.status == 0 && capture.output.contains("captured 30 frames"), "\(capture.output)")
            #expect(capture.output.contains("dropped 0"))
            let files = try FileManager.default.contentsOfDirectory(atPath: out)
            #expect(files.count == 30 && files.allSatisfy { $0.hasSuffix(".yuyv") })

            let refused = try run("mirrorctl", ["camera", "formats", try Guest.node(driver: "vivid", capture: false)])
            #expect(refused.status == 65 && refused.output.contains("is not a video capture device"))
        }

        /// Starts `mirrord` with the guest's vivid camera and fb0 in a fresh state folder.
        func startMirrord(environment: [String: String] = [:]) throws -> (daemon: Process, state: String) {
            let state = NSTemporaryDirectory() + "mirrord-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            let config = "\(state)/mirrord.yaml"
            try "profile: \(Self.repository)/devices/qemu-vivid.yaml\nstate_dir: \(state)\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: "\(Self.folder)/mirrord")
            daemon.arguments = ["--config", config]
            daemon.standardError = FileHandle.nullDevice
            daemon.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            try daemon.run()
            return (daemon, state)
        }

        @Test func mirrordStreamsFromV4L2ToTheFramebuffer() async throws {
            let (daemon, state) = try startMirrord()
            defer { if daemon.isRunning { daemon.terminate() } }

            var status = ""
            for _ in 0..<150 {
                let answer = try run("mirrorctl", ["status", "--json", "--socket", "\(state)/mirrord.sock"])
                status = answer.output
                if answer.status == 0 && status.contains("\"framesShown\" : ")
                    && !status.contains("\"framesShown\" : 0,")
                    && status.contains("\"state\" : \"streaming\"")
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            print(try run("mirrorctl", ["status", "--socket", "\(state)/mirrord.sock"]).output)
            #expect(status.contains("\"format\" : \"YUYV\""), "\(status)")
            #expect(status.contains(#""device" : "\/dev\/fb0""#), "\(status)")
            #expect(!status.contains("\"framesShown\" : 0,"), "\(status)")
            let shot = try run("mirrorctl", ["screenshot", "\(state)/shot.png", "--socket", "\(state)/mirrord.sock"])
            #expect(shot.status == 0 && shot.output.contains("1080x1920"), "\(shot.output)")

            let info = try run("mirrorctl", ["display", "info", "--socket", "\(state)/mirrord.sock"])
            print(info.output)
            #expect(info.status == 0 && info.output.contains("1080x1920"), "\(info.output)")
            #expect(try Self.consoleMode() == Int32(KD_GRAPHICS), "console in graphics mode while mirrord runs")

            daemon.interrupt()
            daemon.waitUntilExit()
            #expect(daemon.terminationStatus == 0)
            #expect(try Self.consoleMode() == Int32(KD_TEXT), "console back in text mode after a clean stop")
        }

        /// A crash (here SIGSEGV sent from outside; a Swift trap raises SIGILL/SIGTRAP the same way)
        /// must not leave the console in graphics mode with a frozen picture.
        @Test func consoleIsRestoredWhenMirrordCrashes() async throws {
            // The runtime's backtracer (the previous handler the crash is passed on to) is not part of
            // what is tested here; without it the signal's default action ends the process.
            let (daemon, state) = try startMirrord(environment: ["SWIFT_BACKTRACE": "enable=no"])
            defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
            for _ in 0..<150 {
                if try run("mirrorctl", ["status", "--socket", "\(state)/mirrord.sock"]).status == 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try Self.consoleMode() == Int32(KD_GRAPHICS))
            kill(daemon.processIdentifier, SIGSEGV)
            for _ in 0..<100 where daemon.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!daemon.isRunning, "mirrord still running 10 s after SIGSEGV")
            #expect(daemon.terminationReason == .uncaughtSignal)
            #expect(try Self.consoleMode() == Int32(KD_TEXT), "console back in text mode after the crash")
        }

        static func consoleMode() throws -> Int32 {
            let fd = open("/dev/tty0", O_RDONLY)
            guard fd >= 0 else { throw GuestError("cannot open /dev/tty0") }
            defer { close(fd) }
            var mode: Int32 = -1
            guard ioctl(fd, UInt(KDGETMODE), &mode) == 0 else { throw GuestError("KDGETMODE failed") }
            return mode
        }
    }
}
