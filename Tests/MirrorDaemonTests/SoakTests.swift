import Foundation
import MirrorAPIModel
import MirrorStore
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The daemon left running with everything on: 30 fps replay onto the panel, recognition, a shopper's session
/// every few seconds (consent, a recorded clip played back, a favourite synced to a real hub, then withdrawal,
/// which erases the clip), sync every 2 s. Memory, descriptors and display latency must hold steady.
///
/// `MIRROR_SOAK_SECONDS` sets the length (CI: 90 s; `scripts/soak` runs an hour).
///
/// Serialized, and alone in scripts/test: 90 s at frame rate, its memory and descriptors sampled.
@Suite(.serialized) struct SoakTests {
    struct Sample {
        var at: Double
        var rssKB: Int
        var fds: Int
        /// Display latency histogram: cumulative counts per bucket bound, and the total count.
        var buckets: [(Double, Double)]
    }

    @Test func holdsSteadyWithRecordingVisionAndSync() async throws {
        let seconds = Int(ProcessInfo.processInfo.environment["MIRROR_SOAK_SECONDS"] ?? "") ?? 90
        let (hub, daemon, _, _) = try await HubSyncProcessTests.enrolled(
            interval: 2,
            extraConfig: """
                api:
                  metrics_listen: 127.0.0.1:0
                session:
                  countdown_seconds: 0
                recording:
                  clip_seconds: 3
                  pre_roll_seconds: 1
                vision:
                  manifest: \(Binaries.repository)/models/efficientnet-lite0.json
                  analysis_fps: 2
                """)
        _ = hub
        try """
        name: soak-replay
        camera:
          source: replay
          file: \(Binaries.repository)/devices/samples/turntable-360x640.mjpeg
          fps: 30
        panel:
          device: file
          width: 540
          height: 960
        """.write(toFile: "\(daemon.folder)/profile.yaml", atomically: true, encoding: .utf8)
        var config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        config = config.replacingOccurrences(
            of: "profile: \(Binaries.repository)/devices/demo-replay.yaml",
            with: "profile: \(daemon.folder)/profile.yaml")
        try config.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)

        // Logs to a file: an hour of them would fill a pipe nobody reads.
        let logFile = "\(daemon.folder)/mirrord.log"
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binaries.path("mirrord"))
        process.arguments = ["--config", daemon.configPath]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let pid = process.processIdentifier
        let socket = daemon.socket
        @Sendable func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", socket])
        }
        let started = ContinuousClock.now
        while try await ctl("status").status != 0 {
            guard process.isRunning, ContinuousClock.now - started < .seconds(30) else {
                throw TestFailure("mirrord did not start: \(try String(contentsOfFile: logFile, encoding: .utf8))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let report = try JSONDecoder().decode(
            StatusReport.self, from: Data(try await ctl("status", "--json").stdout.utf8))
        let port = try #require(report.listeners?["metrics"]?.split(separator: ":").last.flatMap { Int($0) })

        // The shopper's sessions, one after another, while the sampler watches.
        let completed = Atomic<Int>(0)
        let sessions = Task {
            while !Task.isCancelled {
                _ = try await ctl("ui", "event", "start")
                _ = try await ctl("suggestions", "identify", "DEMO-1234")
                _ = try await ctl("record")
                _ = try await ctl("ui", "press", "accept")
                let deadline = ContinuousClock.now + .seconds(20)
                while ContinuousClock.now < deadline, !(try await ctl("ui", "state").stdout.contains("review")) {
                    try await Task.sleep(for: .milliseconds(200))
                }
                try await Task.sleep(for: .seconds(1))  // the clip plays on the review screen
                _ = try await ctl("suggestions", "act", "favourite", "KN-101-NAV")
                _ = try await ctl("ui", "event", "withdraw")
                completed.add(1, ordering: .relaxed)
                try await Task.sleep(for: .seconds(2))
            }
        }

        var samples: [Sample] = []
        let end = started + .seconds(seconds)
        while ContinuousClock.now < end, process.isRunning {
            try await Task.sleep(for: .seconds(seconds >= 600 ? 15 : 3))
            let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics")
            samples.append(
                Sample(
                    at: (ContinuousClock.now - started).seconds, rssKB: residentKB(pid), fds: openFiles(pid),
                    buckets: histogram("mirror_display_latency_seconds", in: metrics)))
        }
        sessions.cancel()
        _ = try? await sessions.value
        let cycles = completed.load(ordering: .relaxed)
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        #expect(process.isRunning, "mirrord died: \(log.suffix(2000))")
        let status = try await ctl("status", "--json").stdout
        kill(pid, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let sync = try DeviceStore(stateDirectory: "\(daemon.folder)/state").syncState()

        // Warm-up is the first quarter; steady state is compared between the second quarter and the last.
        try #require(samples.count >= 8, "too few samples")
        let quarter = samples.count / 4
        let early = Array(samples[quarter..<(2 * quarter)])
        let late = Array(samples[(samples.count - quarter)...])
        func median(_ values: [Int]) -> Int { values.sorted()[values.count / 2] }
        let growthKB = median(late.map(\.rssKB)) - median(early.map(\.rssKB))
        let p99s = (0..<4).map { index -> Double in
            let from = samples[max(0, index * quarter - 1)]
            let to = samples[index == 3 ? samples.count - 1 : (index + 1) * quarter - 1]
            return quantile(0.99, from: from.buckets, to: to.buckets)
        }
        let fds = samples.map(\.fds)
        print(
            "soak \(seconds) s: \(cycles) sessions (clip, playback, favourite, withdrawal); RSS "
                + "\(median(early.map(\.rssKB))) → \(median(late.map(\.rssKB))) kB (growth \(growthKB) kB, max "
                + "\(samples.map(\.rssKB).max()!) kB); fds \(fds.min()!)–\(fds.max()!) (second quarter "
                + "\(early.map(\.fds).max()!), last \(late.map(\.fds).max()!)); display latency p99 by quarter "
                + p99s.map { String(format: "%.0f ms", $0 * 1000) }.joined(separator: ", ")
                + "; sync: ops made \(sync.nextSeq - 1), acknowledged by the hub \(sync.ackedSeq)")
        #expect(cycles >= seconds / 20, "sessions did not run")
        #expect(growthKB <= 1024, "RSS grew by \(growthKB) kB")
        #expect(late.map(\.fds).max()! <= early.map(\.fds).max()! + 2, "descriptors grew: \(fds)")
        #expect(p99s[3] <= max(p99s[1], 0.05) * 2, "display p99 latency grew: \(p99s)")
        #expect(status.contains("\"state\" : \"streaming\""))
        #expect(sync.ackedSeq > 0 && sync.ackedSeq >= sync.nextSeq - 1 - 20, "sync fell behind")
    }
}

func residentKB(_ pid: Int32) -> Int {
    let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

func openFiles(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
}

func httpGet(_ url: String) async throws -> String {
    let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
    return String(decoding: data, as: UTF8.self)
}

/// The cumulative `(le, count)` buckets of a Prometheus histogram in text format, `+Inf` last.
func histogram(_ name: String, in text: String) -> [(Double, Double)] {
    text.split(separator: "\n").compactMap { line -> (Double, Double)? in
        guard line.hasPrefix("\(name)_bucket{"), let le = line.range(of: "le=\"") else { return nil }
        let bound = line[le.upperBound...].prefix { $0 != "\"" }
        guard let count = Double(line.split(separator: " ").last ?? "") else { return nil }
        return (bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, count)
    }.sorted { $0.0 < $1.0 }
}

/// The `q` quantile of what a histogram counted between two scrapes (the upper bound of its bucket).
func quantile(_ q: Double, from: [(Double, Double)], to: [(Double, Double)]) -> Double {
    let deltas = zip(from, to).map { ($1.0, $1.1 - $0.1) }
    guard let total = deltas.last?.1, total > 0 else { return 0 }
    return deltas.first { $0.1 >= q * total }?.0 ?? .infinity
}
