import Foundation
import MirrorStore
import Testing

/// A full disk under `mirrord` (a 6 MB tmpfs mounted in the guest as its state directory): the clip
/// that cannot be written is abandoned cleanly, the daemon keeps running, the database stays intact
/// with every consent and the clip recorded before, and recording works again once space is freed.
extension HardwareTests {
    @Suite struct DiskFullInGuestTests {
        let programs = ProgramsInGuestTests()

        func ctl(_ state: String, _ arguments: String...) throws -> (status: Int32, output: String) {
            try programs.run("mirrorctl", arguments + ["--socket", "\(state)/mirrord.sock"])
        }

        func waitFor(_ state: String, _ what: String, _ wanted: String, timeout: Duration = .seconds(20)) async throws {
            let deadline = ContinuousClock.now + timeout
            var last = ""
            while ContinuousClock.now < deadline {
                last = try ctl(state, "ui", "state", "--json").output
                if last.contains(wanted) { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("never saw \(what): \(last)")
        }

        struct Clip: Decodable {
            var id: String
            var state: String
            var frames: Int
        }

        func clips(_ state: String) throws -> [Clip] {
            let list = try ctl(state, "clips", "list", "--json")
            return try JSONDecoder().decode([Clip].self, from: Data(list.output.utf8))
        }

        /// `GET target` on the daemon's control socket, as staff tools and the hub see it; the body.
        func get(_ state: String, _ target: String) throws -> String {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in "\(state)/mirrord.sock".utf8.enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(connected == 0, "cannot connect to mirrord")
            let request = Array("GET \(target) HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            var response: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { break }
                response += buffer[..<count]
            }
            let text = String(decoding: response, as: UTF8.self)
            return text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        }

        /// `mirror_disk_free_bytes` from /metrics, and the disk alert from /v1/telemetry.
        func diskFree(_ state: String) throws -> (bytes: Double, alert: Bool) {
            let metrics = try get(state, "/metrics")
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("mirror_disk_free_bytes ") }
            let bytes = try #require(
                line.flatMap { Double($0.split(separator: " ").last ?? "") }, "\(metrics.prefix(500))")
            return (bytes, try get(state, "/v1/telemetry").contains("\"disk: "))
        }

        @Test func aFullDiskLosesNeitherTheDatabaseNorTheConsents() async throws {
            let state = NSTemporaryDirectory() + "full-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            guard mount("tmpfs", state, "tmpfs", 0, "size=6m,mode=0750") == 0 else {
                Issue.record("cannot mount a tmpfs: \(String(cString: strerror(errno)))")
                return
            }
            defer { umount2(state, Int32(MNT_DETACH)) }
            let config = NSTemporaryDirectory() + "full-\(UUID().uuidString).yaml"
            let profile = NSTemporaryDirectory() + "full-\(UUID().uuidString)-profile.yaml"
            // The demo's replayed camera on a small file-backed panel (emulated CPUs are slow).
            try """
            name: small-replay
            camera:
              source: replay
              file: \(ProgramsInGuestTests.repository)/devices/samples/turntable-360x640.mjpeg
              fps: 12
            panel:
              device: file
              width: 180
              height: 320
              pixel_format: XRGB8888
            """.write(toFile: profile, atomically: true, encoding: .utf8)
            try """
            profile: \(profile)
            state_dir: \(state)
            session:
              countdown_seconds: 0
            recording:
              clip_seconds: 3
              pre_roll_seconds: 0.5
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: "\(ProgramsInGuestTests.folder)/mirrord")
            daemon.arguments = ["--config", config]
            daemon.standardError = FileHandle.nullDevice
            try daemon.run()
            defer { if daemon.isRunning { daemon.terminate() } }
            for _ in 0..<100 {
                if try ctl(state, "status").status == 0 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(1))

            // A clip with room to spare.
            #expect(try ctl(state, "record").status == 0)
            #expect(try ctl(state, "ui", "press", "accept").status == 0)
            try await waitFor(state, "the first review", "\"state\" : \"review\"")
            let session = try #require(
                try ctl(state, "ui", "state", "--json").output.split(separator: "\"").drop { $0 != "session" }
                    .dropFirst(2).first.map(String.init))
            #expect(try clips(state).count == 1)

            // Fill the disk to the last block.
            let filler = "\(state)/filler"
            let fd = open(filler, O_WRONLY | O_CREAT, 0o600)
            let chunk = [UInt8](repeating: 0xA5, count: 16384)
            while write(fd, chunk, chunk.count) > 0 {}
            close(fd)

            // The next clip cannot be written: it is abandoned, nothing half-written stays.
            #expect(try ctl(state, "ui", "press", "back").status == 0)
            #expect(try ctl(state, "record").status == 0)
            try await Task.sleep(for: .seconds(4))  // longer than the clip: it has failed or been abandoned
            try await waitFor(state, "the failed clip's return to live", "\"state\" : \"live\"")
            #expect(daemon.isRunning, "mirrord died on a full disk")
            #expect(try ctl(state, "status").status == 0)
            let afterFull = try clips(state)
            #expect(afterFull.count == 1 && afterFull[0].state == "ready", "\(afterFull)")
            let files = try FileManager.default.contentsOfDirectory(atPath: "\(state)/clips")
            #expect(!files.contains { $0.hasSuffix(".partial") }, "\(files)")
            // Staff and head office see it: free bytes at the last block in /metrics, an alert in the telemetry.
            let full = try diskFree(state)
            #expect(full.bytes < 64 * 1024 && full.alert, "\(full)")

            // Space again: recording works without a restart.
            unlink(filler)
            let freed = try diskFree(state)
            #expect(freed.bytes > 1_000_000, "\(freed)")
            print(
                String(
                    format: "disk full: mirror_disk_free_bytes %.0f while full, %.0f once freed", full.bytes,
                    freed.bytes))
            #expect(try ctl(state, "record").status == 0)
            try await waitFor(state, "the third clip's review", "\"state\" : \"review\"")
            #expect(try clips(state).count == 2)

            daemon.terminate()
            daemon.waitUntilExit()
            let store = try DeviceStore(stateDirectory: state)
            #expect(try store.integrityCheck().isEmpty)
            let consents = try store.consents(session: session)
            #expect(consents.contains { $0.kind == .record && $0.granted }, "\(consents)")
        }
    }
}
