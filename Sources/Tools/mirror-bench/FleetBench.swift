import ArgumentParser
import Foundation
import MirrorCore
import MirrorHub
import MirrorProtocol
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A fleet pull at scale: `--devices` simulated mirrors, each answering `/v1/telemetry` on its own loopback port
/// (so the hub opens one connection per mirror, as in a real fleet), registered in a hub database; then a real
/// `mirrorhub serve` process pulls them all. Prints the wall time until every mirror shows online in `/v1/fleet`
/// and the hub process's peak memory, for each `--concurrency` given (the peer runs in the same process).
struct FleetPull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-pull", abstract: "Wall time and hub memory of pulling telemetry from many mirrors.")

    @Option(help: "Simulated mirrors.") var devices = 1000
    @Option(help: "The mirrorhub executable.") var hub: String
    @Option(parsing: .upToNextOption, help: "Pull concurrencies to compare (mirrorhub --poll-concurrency).")
    var concurrency: [Int] = [8, 64]

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-pull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("hub.sqlite").path

        let group = MultiThreadedEventLoopGroup.singleton
        let body = ByteBuffer(bytes: try TelemetryReport.encoder().encode(Self.telemetry()))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(TelemetryResponder(body: body))
                }
            }
        var channels: [any Channel] = []
        for _ in 0..<devices {
            channels.append(try await bootstrap.bind(host: "127.0.0.1", port: 0).get())
        }
        defer { for channel in channels { channel.close(promise: nil) } }
        let ports = channels.compactMap { $0.localAddress?.port }

        let sqlite = try SQLiteHubDatabase(path: database)
        let credential = try await sqlite.whileRunning { () async throws -> String in
            let store = try await HubStore(database: sqlite)
            try await store.addStore(id: "bench", name: "Bench")
            for (index, port) in ports.enumerated() {
                let (token, _) = try await store.createEnrolmentToken(store: "bench")
                let enrolment = try await store.enrol(EnrolRequest(token: token, name: "mirror \(index)"))
                let device = try await store.authenticate(bearer: enrolment.credential)!
                _ = try await store.hello(device: device, address: "127.0.0.1", telemetryPort: port, version: "bench")
            }
            return try await store.createCredential(role: .headOffice, store: nil, name: "bench")
        }
        print("fleet-pull: \(devices) simulated mirrors on loopback, each on its own port")
        var results: [(Int, Double)] = []
        for limit in concurrency {
            let (seconds, peakKiB) = try await pullOnce(database: database, credential: credential, concurrency: limit)
            results.append((limit, seconds))
            print(
                String(
                    format: "concurrency %4d: every mirror online after %.2f s (%.0f pulls/s); hub peak RSS %.1f MiB",
                    limit, seconds, Double(devices) / seconds, Double(peakKiB) / 1024))
        }
        if let first = results.first, let last = results.last, results.count > 1 {
            print(String(format: "ratio concurrency %d / %d wall time: %.2f", last.0, first.0, last.1 / first.1))
        }
    }

    /// Starts the hub with `concurrency`, waits until `/v1/fleet` shows every mirror online, stops it.
    func pullOnce(database: String, credential: String, concurrency: Int) async throws -> (Double, Int) {
        let (port, process) = try startHub(database: database, concurrency: concurrency)
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let started = ContinuousClock.now
        var peak = 0
        while ContinuousClock.now - started < .seconds(300) {
            peak = max(peak, Self.peakRSS(process.processIdentifier))
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/fleet")!)
            request.setValue("Bearer \(credential)", forHTTPHeaderField: "Authorization")
            if let (data, _) = try? await URLSession.shared.data(for: request),
                let fleet = try? TelemetryReport.decoder().decode([FleetDevice].self, from: data),
                fleet.count == devices, fleet.allSatisfy(\.online)
            {
                let elapsed = ContinuousClock.now - started
                peak = max(peak, Self.peakRSS(process.processIdentifier))
                return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, peak)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the hub did not reach every mirror within 300 s")
    }

    func startHub(database: String, concurrency: Int) throws -> (Int, Process) {
        let probe = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0)
            .wait()
        let port = probe.localAddress?.port ?? 0
        try probe.close().wait()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: hub)
        process.arguments = [
            "serve", "--database", database, "--port", "\(port)", "--poll-interval", "600", "--poll-timeout", "5",
            "--poll-concurrency", "\(concurrency)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (port, process)
    }

    /// VmHWM (peak resident set) of `pid` in KiB.
    static func peakRSS(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            ?? 0
    }

    static func telemetry() -> TelemetryReport {
        TelemetryReport(
            version: MirrorVersion.current, profile: "bench", model: "efficientnet-lite0", at: Date(),
            uptimeSeconds: 3600, healthy: true, alerts: [],
            camera: .init(state: "streaming", fps: 30, framesDropped: 2, framesCorrupt: 0, reconnects: 0),
            displayFPS: 30, displayLatencyP99Ms: 38, diskFreeBytes: 40 << 30, diskTotalBytes: 64 << 30,
            clipsStored: 4, sessions: 17, temperatureCelsius: 55,
            sync: .init(enabled: true, lastSuccess: Date(), outboxPending: 0, consecutiveFailures: 0, lastError: nil))
    }
}

/// Answers every request with the same telemetry document.
final class TelemetryResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let body: ByteBuffer

    init(body: ByteBuffer) { self.body = body }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
