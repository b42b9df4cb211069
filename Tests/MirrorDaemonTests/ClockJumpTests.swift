import Foundation
import MirrorCore
import MirrorStore
import Testing

private let qemu = installed("/usr/bin/qemu-system-x86_64")
private let skipGuest = ProcessInfo.processInfo.environment["MIRROR_SKIP_GUEST"] == "1" && !inCI

/// A mirror whose real-time clock is wrong, for real: mirrord runs in a QEMU guest (`scripts/vm/run --net`) whose
/// clock `Tests/Guest/clock-jumps` sets to 1970, an hour fast, an hour slow and a year ahead while the mirror takes
/// requests, records a clip and syncs with a hub on this machine at the right time. Afterwards the mirror's state
/// (copied out of the guest) and the hub's must agree: ops lost 0, applied twice 0, diverged 0, clips wrongly
/// deleted 0.
///
/// Serialized, and alone in scripts/test: boots the QEMU guest, a core for minutes.
@Suite(.serialized) struct ClockJumpTests {
    struct Event: Decodable, Hashable {
        var deviceId: String
        var id: String
        var sessionId: String
        var kind: String
    }
    struct Request: Decodable {
        var deviceId: String
        var id: String
        var sku: String
        var state: String
    }

    @Test(
        .enabled(if: (qemu != nil && !skipGuest) || inCI, "needs qemu-system-x86 (scripts/vm); MIRROR_SKIP_GUEST=1"),
        .timeLimit(.minutes(15)))
    func aMirrorWhoseClockJumpsLosesNothingAndAgreesWithTheHub() async throws {
        let metricsPort = 9464  // mirrord's, in the guest: a machine of its own, where nothing else listens
        // In the guest the host's loopback is 10.0.2.2 (QEMU's user-mode network, a link inside this machine):
        // plain HTTP to it is allowed by name.
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(
            interval: 1,
            extraConfig: """
                api:
                  metrics_listen: 127.0.0.1:\(metricsPort)
                """, hubConfig: "  allow_plain_http: true")
        let config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: hub.url, with: "http://10.0.2.2:\(hub.port)")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)

        let started = ContinuousClock.now
        let guest = try await run(
            "\(Binaries.repository)/scripts/vm/run",
            [
                "--net", "--fb", "none", "--keep", "--timeout", "720",
                "-e", "CONFIG=\(daemon.configPath)", "-e", "SOCKET=\(daemon.socket)",
                "-e", "METRICS=127.0.0.1:\(metricsPort)", "-e", "BIN=\(Binaries.folder)",
                "-e", "STATE=\(daemon.folder)/state",
                "--", "\(Binaries.repository)/Tests/Guest/clock-jumps",
            ], timeout: .seconds(780))
        let kept = guest.stderr.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("scripts/vm/run: kept ") ? String(line.dropFirst("scripts/vm/run: kept ".count)) : nil
        }.last
        defer { if let kept { try? FileManager.default.removeItem(atPath: kept) } }
        print("guest (\(ContinuousClock.now - started)):\n\(guest.stderr)\(guest.stdout)")
        try #require(guest.status == 0, "the guest's script failed: \(guest.status)")
        let folder = try #require(kept)

        // What the mirror holds, read from its state folder after it stopped in the guest.
        let mirror = try DeviceStore(stateDirectory: "\(folder)/state")
        let sync = try mirror.syncState()
        let requests = try mirror.staffRequests(openOnly: false)
        let events = try mirror.events()
        let sessions = Set(events.map(\.sessionId))

        // What the hub holds.
        let devices = try JSONDecoder().decode(
            [HubDevice].self, from: try await hub.get("/v1/devices", token: headOffice))
        let device = try #require(devices.first)
        let hubRequests = try JSONDecoder().decode(
            [Request].self, from: try await hub.get("/v1/stores/demo-store/requests?all=1", token: headOffice))
        let hubEvents = try JSONDecoder().decode(
            [Event].self, from: try await hub.get("/v1/stores/demo-store/events?limit=1000", token: headOffice))

        // Lost: ops the mirror made that the hub does not hold. Twice: events held more than once.
        let made = sync.nextSeq - 1
        let lost = max(0, made - device.ackedSeq) + Int64(Set(events.map(\.id)).subtracting(hubEvents.map(\.id)).count)
        let twice = hubEvents.count - Set(hubEvents.map { "\($0.deviceId)/\($0.id)" }).count
        // Diverged: requests whose state differs between the mirror and the hub, or are missing on one side.
        let hubState = Dictionary(uniqueKeysWithValues: hubRequests.map { ($0.id, $0.state) })
        let diverged =
            requests.filter { hubState[String($0.id ?? 0)] != $0.state }.count
            + max(0, hubRequests.count - requests.count)
        let listed = guest.stdout.split(separator: "\n")
        let clips = listed.first { $0.hasPrefix("CLIPS ") }.map { $0.dropFirst(6) }
        let purged = listed.first { $0.hasPrefix("PURGED ") }.map { $0.dropFirst(7) }
        print(
            """
            clock jumps (1970, restart at 1970, +1 h, -1 h, +1 year, back): \(made) ops made, hub acknowledged \
            \(device.ackedSeq); \(events.count) events in \(sessions.count) sessions, \(requests.count) requests; \
            lost \(lost), applied twice \(twice), diverged \(diverged), kept for re-sending \(sync.resendable); a year ahead the retention sweep said \
            "\(purged ?? "nothing")", clips kept \(clips ?? "?")
            """)
        #expect(made > 0 && device.ackedSeq == made && device.highestSeq == made && sync.pending == 0)
        // Acknowledged while the clock read a year ahead, the ops are still there for a hub restored from a backup.
        #expect(sync.resendable == Int(made), "\(sync.resendable) of \(made) ops kept for re-sending")
        #expect(lost == 0 && twice == 0 && diverged == 0)
        #expect(hubEvents.count == events.count)
        // Six requests; every one but the last marked done, each "done" made while the clock read earlier than (or
        // an hour later than) the "open" it follows: the hub still ends with the mirror's order.
        #expect(requests.count == 6 && requests.filter { $0.state == "done" }.count == 5, "\(requests)")
        #expect(requests.max { ($0.id ?? 0) < ($1.id ?? 0) }?.state == "open")
        #expect(purged == "deleted 0 clips" && clips == "1", "the clip recorded at 1970 was kept")
    }
}
