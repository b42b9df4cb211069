import Foundation
import Logging
import MirrorCapture
import MirrorCore
import Prometheus
import Synchronization
import Testing

@testable import MirrorDaemon

/// A camera whose capture thread delivers frames, then blocks for real (on a semaphore, as a thread stuck in a
/// driver call would) until `release()`; the stream ends when its task is cancelled.
final class HangingCamera: CaptureDevice, Sendable {
    let name = "hanging"
    let hangAfter: Int
    private let gate = DispatchSemaphore(value: 0)
    private let stop = Atomic<Bool>(false)

    init(hangAfter: Int) { self.hangAfter = hangAfter }

    func release() { gate.signal() }

    func stream(
        opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) async throws(CaptureError) {
        opened(StreamFormat(format: .yuyv, width: 8, height: 2, fps: 50))
        let thread = Thread { [self] in
            var sequence: UInt64 = 0
            while !stop.load(ordering: .relaxed) {
                if sequence == UInt64(hangAfter) { gate.wait() }
                deliver(
                    Frame(
                        sequence: sequence, timestamp: .now(), format: .yuyv, width: 8, height: 2,
                        bytes: FrameBytes([UInt8](repeating: 128, count: 32))))
                sequence += 1
                usleep(20_000)
            }
        }
        thread.start()
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        stop.store(true, ordering: .relaxed)
        gate.signal()
    }
}

/// A Unix socket bound at `path`: a stream socket that listens (a stand-in for mirrord's control socket), or a
/// datagram socket that receives (a stand-in for systemd's notification socket).
final class BoundUnixSocket: Sendable {
    let fd: Int32
    let path: String

    init(path: String, datagram: Bool) throws {
        self.path = path
        let fd = socket(AF_UNIX, Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, datagram || listen(fd, 8) == 0 else { throw TestFailure("cannot bind \(path)") }
    }

    /// The next datagram, or nil when none has come within 200 ms (polled without blocking a thread of the
    /// test's shared pool).
    func receive() async -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10 {
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 { return String(decoding: buffer[..<count], as: UTF8.self) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    deinit {
        close(fd)
        unlink(path)
    }
}

@Suite struct SystemdTests {
    /// The notifier says READY once the control socket answers (and makes it owner-only), then feeds the
    /// watchdog only while no service is stuck, and says STOPPING when the daemon stops.
    @Test func theWatchdogIsFedOnlyWhileNothingIsStuck() async throws {
        let folder = NSTemporaryDirectory() + "notify-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let control = try BoundUnixSocket(path: "\(folder)/control.sock", datagram: false)
        chmod(control.path, 0o777)
        let sent = Mutex<[String]>([])
        let stuck = Atomic<Bool>(false)
        let notifier = SystemdNotifier(
            socket: control.path, socketGroup: nil,
            stuck: { stuck.load(ordering: .relaxed) ? ["display: no frame shown for over 5 s"] : [] },
            logger: Logger(label: "test"), notify: { message in sent.withLock { $0.append(message) } },
            watchdog: .milliseconds(100))
        let task = Task { try await notifier.run() }
        func feeds() -> Int { sent.withLock { $0.filter { $0.hasPrefix("WATCHDOG=1") }.count } }

        #expect(try await eventually { sent.withLock { $0.first?.hasPrefix("READY=1\n") } == true })
        let mode = try FileManager.default.attributesOfItem(atPath: control.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await eventually { feeds() >= 3 })

        stuck.store(true, ordering: .relaxed)
        #expect(try await eventually { sent.withLock { $0.last?.hasPrefix("STATUS=stuck: display") == true } })
        let whileStuck = feeds()
        try await Task.sleep(for: .milliseconds(500))
        #expect(feeds() == whileStuck, "the watchdog was fed while a service was stuck")

        stuck.store(false, ordering: .relaxed)
        #expect(try await eventually { feeds() > whileStuck })
        task.cancel()
        try await task.value
        #expect(sent.withLock { $0.last } == "STOPPING=1")
    }

    /// A capture thread that blocks (not a camera that stops: that one is reopened) makes capture count as
    /// stuck, so the watchdog goes hungry and systemd would restart the daemon; feeding resumes once frames
    /// flow again. The stuck rule is the daemon's own (`CaptureStats.stalled`), with a shorter limit.
    @Test func aBlockedCaptureThreadStarvesTheWatchdog() async throws {
        let folder = NSTemporaryDirectory() + "hang-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let control = try BoundUnixSocket(path: "\(folder)/control.sock", datagram: false)
        let camera = HangingCamera(hangAfter: 25)
        let stats = CaptureStats(registry: PrometheusCollectorRegistry())
        let capture = Task {
            try await CaptureService(device: camera, bus: FrameBus(), stats: stats, logger: Logger(label: "test")).run()
        }
        defer { capture.cancel() }
        let sent = Mutex<[String]>([])
        let notifier = SystemdNotifier(
            socket: control.path, socketGroup: nil,
            stuck: { stats.stalled(limit: .milliseconds(400)).map { [$0] } ?? [] },
            logger: Logger(label: "test"), notify: { message in sent.withLock { $0.append(message) } },
            watchdog: .milliseconds(100))
        let task = Task { try await notifier.run() }
        func feeds() -> Int { sent.withLock { $0.filter { $0.hasPrefix("WATCHDOG=1") }.count } }

        #expect(try await eventually { feeds() >= 3 })
        #expect(
            try await eventually { sent.withLock { $0.last?.hasPrefix("STATUS=stuck: capture: no frame") == true } },
            "\(sent.withLock { $0 })")
        let framesWhenBlocked = stats.captured
        #expect(framesWhenBlocked == 25 && stats.state == .streaming)
        let whileStuck = feeds()
        try await Task.sleep(for: .milliseconds(600))
        #expect(feeds() == whileStuck, "the watchdog was fed while the capture thread was blocked")
        print(
            "blocked capture thread: \(framesWhenBlocked) frames, then no WATCHDOG=1 for 0.6 s (fed every 0.05 s before)"
        )

        camera.release()
        #expect(try await eventually { feeds() > whileStuck && stats.captured > framesWhenBlocked })
        task.cancel()
        try await task.value
    }

    /// The real daemon under a stand-in for systemd: READY=1 with its pid once the socket serves, WATCHDOG=1
    /// every half `WATCHDOG_USEC`, STOPPING=1 on SIGTERM; the control socket is its user's only.
    @Test func mirrordTalksToTheServiceManager() async throws {
        let daemon = try DaemonUnderTest()
        let systemd = try BoundUnixSocket(path: "\(daemon.folder)/notify", datagram: true)
        daemon.process.environment = ProcessInfo.processInfo.environment.merging([
            "NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "1000000",
        ]) { $1 }
        try daemon.start()
        var messages: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, messages.filter({ $0.hasPrefix("WATCHDOG=1") }).count < 3 {
            if let message = await systemd.receive() { messages.append(message) }
        }
        #expect(messages.first == "READY=1\nSTATUS=serving\nMAINPID=\(daemon.process.processIdentifier)")
        #expect(messages.filter { $0.hasPrefix("WATCHDOG=1") }.count >= 3, "\(messages)")
        let mode = try FileManager.default.attributesOfItem(atPath: daemon.socket)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        kill(daemon.process.processIdentifier, SIGTERM)
        var stopping = false
        let until = ContinuousClock.now + .seconds(10)
        while !stopping, ContinuousClock.now < until {
            stopping = await systemd.receive() == "STOPPING=1"
        }
        #expect(stopping)
        #expect(try await daemon.stop() == 0)
    }
}

private let systemdAnalyze = installed("/usr/bin/systemd-analyze", "/bin/systemd-analyze")

@Suite struct DeploymentTests {
    /// The control socket is handed to the staff group named in the config (0660), and a group that does not
    /// exist stops the daemon at start with the reason.
    @Test func theControlSocketBelongsToTheStaffGroup() async throws {
        let group = try #require(getgrgid(getgid())).pointee
        let name = String(cString: group.gr_name)
        let daemon = try DaemonUnderTest(extraConfig: "api:\n  socket_group: \(name)")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await Task.sleep(for: .milliseconds(300))
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socket)
        #expect(attributes[.posixPermissions] as? Int == 0o660)
        #expect((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value == getgid())
        #expect(try await daemon.stop() == 0)

        let missing = try DaemonUnderTest(extraConfig: "api:\n  socket_group: no-such-group-here")
        let outcome = try await run(Binaries.path("mirrord"), ["--config", missing.configPath])
        #expect(outcome.status == 1 && outcome.stderr.contains("no group no-such-group-here"), "\(outcome)")
    }

    /// scripts/install-device stages binaries, profiles, model, config, unit and udev rule; the unit passes
    /// `systemd-analyze verify` and the config passes `mirrord --check-config`.
    @Test(
        .enabled(
            if: systemdAnalyze != nil || inCI,
            "systemd-analyze is not installed (Debian package systemd)"))
    func theInstallScriptStagesAVerifiedUnit() async throws {
        let analyze = try #require(systemdAnalyze, "systemd-analyze is required in CI")
        let root = NSTemporaryDirectory() + "install-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let script = "\(Binaries.repository)/scripts/install-device"
        let arguments = ["--bin-dir", Binaries.folder, "--camera", "046d:085e", "--destdir", root]
        let first = try await run(script, arguments, timeout: .seconds(120))
        #expect(first.status == 0, "\(first)")
        for file in [
            "usr/local/bin/mirrord", "usr/local/bin/mirrorctl", "etc/mirrord/mirrord.yaml",
            "etc/systemd/system/mirrord.service", "etc/udev/rules.d/70-mirror-camera.rules",
            "usr/share/mirrord/models/efficientnet-lite0.mmdl", "usr/share/mirrord/devices/uvc-1080p-portrait.yaml",
            "usr/local/share/man/man1/mirrorctl.1", "usr/share/bash-completion/completions/mirrorctl",
            "usr/share/zsh/vendor-completions/_mirrorctl", "usr/share/fish/vendor_completions.d/mirrorctl.fish",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(file)"), "\(file) missing")
        }
        let manual = try String(contentsOfFile: "\(root)/usr/local/share/man/man1/mirrorctl.1", encoding: .utf8)
        for command in ["fleet", "diagnose", "enroll", "logs", "config", "session", "version"] {
            #expect(manual.contains(command), "the man page lacks \(command)")
        }
        let rule = try String(contentsOfFile: "\(root)/etc/udev/rules.d/70-mirror-camera.rules", encoding: .utf8)
        #expect(rule.contains(#"ATTRS{idVendor}=="046d", ATTRS{idProduct}=="085e""#) && !rule.contains("@"))

        // A second run keeps the edited config.
        let config = "\(root)/etc/mirrord/mirrord.yaml"
        try (try String(contentsOfFile: config, encoding: .utf8) + "# edited\n").write(
            toFile: config, atomically: true, encoding: .utf8)
        #expect(try await run(script, arguments, timeout: .seconds(120)).status == 0)
        #expect(try String(contentsOfFile: config, encoding: .utf8).hasSuffix("# edited\n"))
        #expect(try await run(script, ["--camera", "logitech", "--destdir", root]).status != 0)

        // The unit as installed, pointed at the built binaries (verify checks that ExecStart exists).
        let unit = try String(contentsOfFile: "\(root)/etc/systemd/system/mirrord.service", encoding: .utf8)
        #expect(unit.contains("Type=notify") && unit.contains("WatchdogSec=") && !unit.contains("@BINDIR@"))
        try FileManager.default.createDirectory(atPath: "\(root)/verify", withIntermediateDirectories: true)
        try unit.replacingOccurrences(of: "/usr/local/bin", with: Binaries.folder).write(
            toFile: "\(root)/verify/mirrord.service", atomically: true, encoding: .utf8)
        let verify = try await run(analyze, ["verify", "\(root)/verify/mirrord.service"])
        #expect(verify.status == 0 && verify.stderr.isEmpty, "\(verify)")

        let check = "\(root)/check.yaml"
        try (try String(contentsOfFile: config, encoding: .utf8))
            .replacingOccurrences(of: "/usr/share/mirrord", with: "\(root)/usr/share/mirrord")
            .write(toFile: check, atomically: true, encoding: .utf8)
        let checked = try await run(Binaries.path("mirrord"), ["--config", check, "--check-config"])
        #expect(checked.status == 0, "\(checked)")
    }
}
