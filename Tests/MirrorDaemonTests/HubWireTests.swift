import Foundation
import Testing

/// What crosses the wire between a mirror and the hub, captured with tshark on the loopback while the mirror
/// enrols, looks up a shopper and syncs its staff requests; and the hub's certificate renewed in the middle of it.
@Suite struct HubWireTests {
    @Test func noSecretCrossesTheWireAndARenewalMidSyncLosesNothing() async throws {
        guard let tshark = installed("/usr/bin/tshark") else {
            if inCI { Issue.record("tshark is not installed (scripts/test installs it)") }
            return
        }
        let ca = try await TestCA("wire")
        let (certificate, key) = try await ca.issue("hub")
        let (hub, daemon, headOffice, token) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--tls-certificate", certificate, "--tls-key", key],
            hubConfig: "  ca_file: \(ca.certificate)", enrol: false)

        // The capture starts before the mirror's first byte to the hub.
        let capture = "\(daemon.folder)/hub.pcap"
        let captureLog = "\(daemon.folder)/tshark.log"
        _ = FileManager.default.createFile(atPath: captureLog, contents: nil)
        let sniffer = Process()
        // The test process ignores SIGINT (a service group of its own traps it), and a child inherits that: env
        // gives tshark the default action back, so SIGINT ends the capture with the file complete.
        sniffer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sniffer.arguments = ["--default-signal=INT", tshark, "-i", "lo", "-f", "tcp port \(hub.port)", "-w", capture]
        sniffer.standardOutput = FileHandle.nullDevice
        sniffer.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: captureLog))
        try sniffer.run()
        defer { if sniffer.isRunning { kill(sniffer.processIdentifier, SIGKILL) } }
        let capturing = try await eventually(timeout: .seconds(30)) {
            ((try? String(contentsOfFile: captureLog, encoding: .utf8)) ?? "").contains("Capturing on")
        }
        #expect(capturing, "tshark started: \((try? String(contentsOfFile: captureLog, encoding: .utf8)) ?? "")")

        try await HubSyncProcessTests.enrol(daemon, token: token, name: "room 1")
        let credential = try String(contentsOfFile: "\(daemon.folder)/state/hub-credential", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let ctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        #expect(try await ctl(["ui", "event", "start"]).status == 0)
        #expect(try await ctl(["suggestions", "identify", "DEMO-1234"]).status == 0)
        let skus = ["KN-101-RUS", "KN-101-NAV", "TS-201-WHI", "SH-301-WHI"]
        for (index, sku) in skus.enumerated() {
            #expect(try await ctl(["suggestions", "act", "request", sku]).status == 0, "\(sku)")
            if index == 1 {
                // Renewed by the same CA while the mirror syncs every second.
                let (renewed, renewedKey) = try await ca.issue("hub-renewed")
                try Data(contentsOf: URL(fileURLWithPath: renewed)).write(to: URL(fileURLWithPath: certificate))
                try Data(contentsOf: URL(fileURLWithPath: renewedKey)).write(to: URL(fileURLWithPath: key))
                kill(try #require(hub.process).processIdentifier, SIGHUP)
            }
            try await Task.sleep(for: .seconds(1))
        }
        let client = ca.client()
        let all = try await eventuallyAsync(timeout: .seconds(20)) {
            guard
                let body = try? await client.get(
                    "\(hub.url)/v1/stores/demo-store/requests?all=1", token: headOffice)
            else { return false }
            let text = String(decoding: body, as: UTF8.self)
            return skus.allSatisfy { text.contains($0) }
        }
        #expect(all, "every request reached the hub across the renewal")
        #expect(try await daemon.stop() == 0)
        let logs = daemon.logs()
        #expect(!logs.contains("sync failed"), "no sync round failed across the renewal: \(logs)")

        // A plain-text marker sent to the same port shows the capture holds that port's bytes.
        let marker = "MARKER-\(UUID().uuidString)"
        let fd = try connectLoopback(port: hub.port)
        _ = "GET /\(marker) HTTP/1.1\r\n\r\n".withCString { write(fd, $0, strlen($0)) }
        try await Task.sleep(for: .seconds(1))
        close(fd)
        try await Task.sleep(for: .seconds(1))
        kill(sniffer.processIdentifier, SIGINT)
        sniffer.waitUntilExit()
        let wire = try Data(contentsOf: URL(fileURLWithPath: capture))
        print("captured \(wire.count) bytes between the mirror and the hub")
        #expect(wire.range(of: Data(marker.utf8)) != nil, "the capture holds the port's traffic")
        for (what, secret) in [
            ("the mirror's bearer credential", credential), ("the enrolment token", token),
            ("the loyalty code", "DEMO-1234"), ("a requested SKU", "KN-101-RUS"),
        ] {
            #expect(wire.range(of: Data(secret.utf8)) == nil, "\(what) crossed the wire in clear")
        }
    }
}
