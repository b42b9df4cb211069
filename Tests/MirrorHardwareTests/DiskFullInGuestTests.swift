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

            // Space again: recording works without a restart.
            unlink(filler)
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
