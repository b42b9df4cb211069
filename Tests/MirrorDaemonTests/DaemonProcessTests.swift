import Foundation
import MirrorAPIModel
import MirrorTesting
import Testing

/// Runs the real `mirrord` and `mirrorctl` binaries, as staff and systemd would.
enum Binaries {
    /// The folder holding the built executables (next to the test bundle).
    static let folder: String = {
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("mirrord").path) {
                return url.path
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug").path
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func path(_ name: String) -> String { "\(folder)/\(name)" }
}

/// A finished process's exit status and output.
struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` to completion (at most `timeout`) and returns what it printed, read while it runs (a child
/// that prints more than a pipe holds would otherwise wait for a reader that waits for it).
func run(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(30)
)
    async throws -> Outcome
{
    let child = try ChildProcess(executable, arguments, environment: environment)
    guard let status = await child.exitStatus(within: timeout) else {
        Issue.record("\(executable) \(arguments) did not finish within \(timeout)")
        let status = await child.stop()
        return Outcome(status: status, stdout: child.stdout, stderr: child.stderr)
    }
    return Outcome(status: status, stdout: child.stdout, stderr: child.stderr)
}

/// A daemon in a scratch state directory, with the demo profile. Its standard error is read as it comes, by a
/// thread of its own (a pipe nobody reads would stop mirrord at its next log line once full).
final class DaemonUnderTest {
    let folder: String
    let process = Process()
    let stderr = Pipe()
    /// What mirrord wrote to standard error, read as it comes; ``logs()`` hands out what is new.
    private var written: PipeCollector?
    let stateDirectory: String
    /// The default socket, in the state directory (relative ones are in `folder`).
    var socket: String {
        stateDirectory.hasPrefix("/") ? "\(stateDirectory)/mirrord.sock" : "\(folder)/\(stateDirectory)/mirrord.sock"
    }

    init(extraConfig: String = "", stateDirectory: String = "state") throws {
        self.stateDirectory = stateDirectory
        folder = NSTemporaryDirectory() + "mirrord-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = """
            profile: \(Binaries.repository)/devices/demo-replay.yaml
            state_dir: \(stateDirectory)
            \(extraConfig)
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var configPath: String { "\(folder)/mirrord.yaml" }

    /// Starts mirrord, or (`under`, e.g. `prlimit --nofile=1024`) a command that runs it in its place.
    func start(under launcher: [String] = []) throws {
        let command = launcher + [Binaries.path("mirrord"), "--config", configPath]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        written = PipeCollector(stderr.fileHandleForReading)
    }

    /// Waits until `mirrorctl status` answers with the camera streaming.
    func waitUntilStreaming(timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = Outcome(status: -1, stdout: "", stderr: "")
        while ContinuousClock.now < deadline && process.isRunning {
            last = try await run(Binaries.path("mirrorctl"), ["status", "--json", "--socket", socket])
            if last.status == 0 && last.stdout.contains("\"state\" : \"streaming\"") { return last.stdout }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("mirrord did not start streaming: \(last.stderr) \(logs())")
    }

    /// Sends `signal` and waits for the exit; returns the exit status.
    func stop(_ signal: Int32 = SIGTERM, timeout: Duration = .seconds(10)) async throws -> Int32 {
        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("mirrord ignored signal \(signal) for \(timeout)")
        }
        return process.terminationStatus
    }

    /// Where mirrord's `name` server (`remote`, `metrics`, `share`) listens, from `mirrorctl status`. The tests
    /// configure port 0: a port picked by binding and closing could be taken by another test before mirrord binds it.
    func boundPort(_ name: String, timeout: Duration = .seconds(20)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var last = Outcome(status: -1, stdout: "", stderr: "")
        while ContinuousClock.now < deadline && process.isRunning {
            last = try await run(Binaries.path("mirrorctl"), ["status", "--json", "--socket", socket])
            if last.status == 0,
                let report = try? JSONDecoder().decode(StatusReport.self, from: Data(last.stdout.utf8)),
                let address = report.listeners?[name],
                let port = address.split(separator: ":").last.flatMap({ Int($0) })
            {
                return port
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("mirrord's \(name) server did not listen: \(last.stderr) \(logs())")
    }

    /// What mirrord wrote to standard error since the last call; never waits for more.
    func logs() -> String { written?.unread() ?? "" }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// A TCP socket listening on a free loopback port, and the port.
func listeningSocket() -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            _ = bind(fd, $0, length)
            _ = getsockname(fd, $0, &length)
        }
    }
    listen(fd, 1)
    return (fd, Int(UInt16(bigEndian: address.sin_port)))
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite struct DaemonProcessTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func runsTheDemoSliceAndStopsCleanlyOnSignal(signal: Int32) async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        let status = try await daemon.waitUntilStreaming()
        #expect(status.contains("\"pixelFormat\" : \"XRGB8888\""))

        // Frames reach the file framebuffer: the screenshot is the panel's size and not blank.
        let png = "\(daemon.folder)/shot.png"
        let shot = try await run(Binaries.path("mirrorctl"), ["screenshot", png, "--socket", daemon.socket])
        #expect(shot.status == 0, "\(shot.stderr)")
        #expect(shot.stdout.contains("(1080x1920"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        #expect(try await daemon.stop(signal) == 0)
        let logs = daemon.logs()
        #expect(logs.contains("mirrord stopped"), "\(logs)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket), "socket removed on exit")
    }

    /// Retention settings that would keep a saved look shorter than an unsaved clip still sweep (the saved look
    /// gets the clips' time), and a sweep staff ask for says how it went.
    @Test func aManualSweepWorksWithSavedDaysShorterThanKeepHours() async throws {
        let daemon = try DaemonUnderTest(extraConfig: "recording:\n  keep_hours: 72\n  saved_days: 1")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let purge = try await run(
            Binaries.path("mirrorctl"), ["clips", "purge", "--expired", "--socket", daemon.socket])
        #expect(purge.status == 0 && purge.stdout == "deleted 0 clips\n", "\(purge)")
        #expect(try await daemon.stop() == 0)
        #expect(!daemon.logs().contains("retention sweep failed"))
    }

    @Test func secondDaemonOnTheSameStateDirectoryIsRefused() async throws {
        let first = try DaemonUnderTest()
        try first.start()
        _ = try await first.waitUntilStreaming()
        let second = try await run(Binaries.path("mirrord"), ["--config", first.configPath])
        #expect(second.status == 1)
        #expect(
            second.stderr
                == "mirrord: another mirrord is already running with state_dir \(first.folder)/state (stop it first)\n")
        #expect(try await first.stop() == 0)
    }

    @Test func socketServedByAnotherProcessIsRefused() async throws {
        let first = try DaemonUnderTest()
        try first.start()
        _ = try await first.waitUntilStreaming()
        let other = try DaemonUnderTest(extraConfig: "api:\n  socket: \(first.socket)")
        let second = try await run(Binaries.path("mirrord"), ["--config", other.configPath])
        #expect(second.status == 1)
        #expect(second.stderr.hasPrefix("mirrord: socket \(first.socket) is in use by another process"))
        #expect(try await first.stop() == 0)
    }

    @Test func busyMetricsPortIsRefused() async throws {
        // Hold a port by listening on it.
        let (fd, port) = listeningSocket()
        defer { close(fd) }
        let daemon = try DaemonUnderTest(extraConfig: "api:\n  metrics_listen: 127.0.0.1:\(port)")
        let outcome = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        #expect(outcome.status == 1)
        #expect(
            outcome.stderr
                == "mirrord: cannot listen on 127.0.0.1:\(port): Address already in use (free the port or change api.metrics_listen)\n"
        )
    }

    @Test func badConfigurationsExitWithOneLine() async throws {
        let daemon = try DaemonUnderTest()
        let missing = try await run(Binaries.path("mirrord"), ["--config", "\(daemon.folder)/none.yaml"])
        #expect(missing.status == 78)
        #expect(missing.stderr == "mirrord: \(daemon.folder)/none.yaml: no such config file (check the path)\n")

        try "profile: [".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let malformed = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        #expect(malformed.status == 78)
        #expect(malformed.stderr.hasPrefix("mirrord: \(daemon.configPath):1: not valid YAML"), "\(malformed.stderr)")
        #expect(malformed.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func unwritableFramebufferExitsWithOneLine() async throws {
        let daemon = try DaemonUnderTest()
        try FileManager.default.createDirectory(
            atPath: "\(daemon.folder)/state/framebuffer.raw", withIntermediateDirectories: true)
        let outcome = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.hasPrefix("mirrord: display: cannot open the framebuffer file"))
        #expect(outcome.stderr.contains("Is a directory"))
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1)
    }

    /// Hostile inputs, second round (8): `--check-config` passed configs that then failed at start, and the start
    /// exited 1. Each is now refused by both, with the same line and 78 (EX_CONFIG).
    @Test(arguments: ["state_dir is a file", "the replay file is a folder", "the manifest is not JSON", "no such host"])
    func checkConfigRefusesWhatTheStartWouldFailOn(_ what: String) async throws {
        let daemon: DaemonUnderTest
        let expected: String
        switch what {
        case "state_dir is a file":
            daemon = try DaemonUnderTest(stateDirectory: "blocked")
            try "x".write(toFile: "\(daemon.folder)/blocked", atomically: true, encoding: .utf8)
            expected =
                "mirrord: \(daemon.configPath): state_dir: \(daemon.folder)/blocked is a file, not a folder "
                + "(name a folder mirrord may create)\n"
        case "the replay file is a folder":
            let folder = NSTemporaryDirectory() + "mirrord-profile-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: "\(folder)/turn.mjpeg", withIntermediateDirectories: true)
            let profile = try String(contentsOfFile: "\(Binaries.repository)/devices/demo-replay.yaml", encoding: .utf8)
                .replacingOccurrences(of: "samples/fitting-room-360x640.mjpeg", with: "turn.mjpeg")
            try profile.write(toFile: "\(folder)/profile.yaml", atomically: true, encoding: .utf8)
            daemon = try DaemonUnderTest()
            try "profile: \(folder)/profile.yaml\nstate_dir: state\n".write(
                toFile: daemon.configPath, atomically: true, encoding: .utf8)
            expected = "mirrord: \(folder)/profile.yaml: camera.file: \(folder)/turn.mjpeg is a folder, not a file\n"
        case "the manifest is not JSON":
            daemon = try DaemonUnderTest(extraConfig: "vision:\n  manifest: model.json")
            try "not json".write(toFile: "\(daemon.folder)/model.json", atomically: true, encoding: .utf8)
            expected =
                "mirrord: \(daemon.configPath): vision.manifest: cannot read the model manifest \(daemon.folder)/model.json"
        default:
            daemon = try DaemonUnderTest(extraConfig: "api:\n  metrics_listen: no-such-host.invalid:9464")
            expected = "mirrord: \(daemon.configPath): api.metrics_listen: cannot resolve no-such-host.invalid"
        }
        let check = try await run(Binaries.path("mirrord"), ["--check-config", "--config", daemon.configPath])
        let start = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        for outcome in [check, start] {
            #expect(outcome.status == 78, "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix(expected), "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(what): \(outcome.stderr)")
        }
        #expect(start.stderr == check.stderr)
    }

    @Test func mirrorctlWithoutADaemonSaysSo() async throws {
        let outcome = try await run(Binaries.path("mirrorctl"), ["status", "--socket", "/nonexistent/mirrord.sock"])
        #expect(outcome.status == 69)
        #expect(outcome.stderr.hasPrefix("mirrorctl: cannot reach mirrord at /nonexistent/mirrord.sock"))
        #expect(outcome.stderr.filter { $0 == "\n" }.count == 1)
    }
}

/// Waits (up to `timeout`: the machine is shared) until `condition` holds; answers whether it does.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    return condition()
}

/// The same for a condition that awaits (an HTTP request, say).
func eventuallyAsync(timeout: Duration, _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
    return await condition()
}

/// What a mirror's remote API needs, in a scratch folder: a self-signed P-256 certificate for 127.0.0.1 and its
/// key (as an installer would make them per mirror), a 0600 token file, and the config lines (port 0: the port
/// mirrord binds is learnt with ``bound(_:)`` once it runs).
final class RemoteAPIFixture {
    let folder: String
    let token: String
    private(set) var port = 0

    init(_ name: String) async throws {
        folder = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        token = "\(name)-" + UUID().uuidString + UUID().uuidString
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        let made = try await run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=mirror", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(folder)/key.pem",
                "-out", certificate,
            ])
        guard made.status == 0 else { throw TestFailure("openssl: \(made)") }
    }

    /// Learns the port `daemon`'s remote API listens on.
    func bound(_ daemon: DaemonUnderTest) async throws { port = try await daemon.boundPort("remote") }

    var tokenFile: String { "\(folder)/token" }
    var certificate: String { "\(folder)/cert.pem" }
    var url: String { "https://127.0.0.1:\(port)" }

    /// The `remote:` section, indented to sit under `api:`.
    var config: String {
        """
          remote:
            listen: 127.0.0.1:0
            certificate: \(certificate)
            key: \(folder)/key.pem
            token_file: \(tokenFile)
        """
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }
}

/// Whether the tests run in CI, where a tool a test needs must be there (the test command installs it).
let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// The first of `paths` that is an executable file: where a tool from a Debian package is installed.
func installed(_ paths: String...) -> String? {
    paths.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A TCP port nobody listens on right now: only for servers that cannot say which port they bound (Prometheus,
/// `openssl s_server`), since another process may take it before they do. mirrord and mirrorhub bind port 0 and
/// report theirs (``DaemonUnderTest/boundPort(_:timeout:)``, ``HubUnderTest/port``).
func freePort() -> Int {
    let (fd, port) = listeningSocket()
    close(fd)
    return port
}

extension DaemonUnderTest {
    /// Points the daemon's camera at `stream` (MJPEG, replayed and looping, as the demo's camera is) instead of the
    /// demo sample: the stream is written to `name`.mjpeg in the daemon's folder, beside a copy of the demo profile.
    func replayCamera(_ stream: [UInt8], named name: String) throws {
        let path = "\(folder)/\(name).mjpeg"
        try Data(stream).write(to: URL(fileURLWithPath: path))
        let profile = "\(folder)/\(name)-camera.yaml"
        try String(contentsOfFile: "\(Binaries.repository)/devices/demo-replay.yaml", encoding: .utf8)
            .replacingOccurrences(of: "samples/fitting-room-360x640.mjpeg", with: path)
            .write(toFile: profile, atomically: true, encoding: .utf8)
        try String(contentsOfFile: configPath, encoding: .utf8)
            .replacingOccurrences(of: "\(Binaries.repository)/devices/demo-replay.yaml", with: profile)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }
}
