import Foundation
import MirrorProtocol
import Testing

/// Issue: the hub pulled every mirror's telemetry over plain HTTP and believed whatever answered at the mirror's
/// address. A mirror with the remote API now tells the hub, in its authenticated hello, the SHA-256 of that
/// listener's certificate; the hub pulls telemetry there over HTTPS and trusts that certificate and no other.
@Suite struct FleetTLSTests {
    @Test func theHubPullsTelemetryOverHTTPSTrustingOnlyTheMirrorsCertificate() async throws {
        // The mirror's certificate is signed by the store's CA (not self-signed): the pin still names it alone.
        let ca = try await TestCA("fleet")
        let (certificate, key) = try await ca.issue("mirror")
        let api = try await RemoteAPIFixture("fleet-tls")
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--poll-interval", "1", "--poll-timeout", "2"],
            extraConfig: """
                api:
                  remote:
                    listen: 127.0.0.1:0
                    certificate: \(certificate)
                    key: \(key)
                    token_file: \(api.tokenFile)
                """)
        defer { hub.crash() }
        let credential = "\(hub.folder)/head-office"
        try headOffice.write(toFile: credential, atomically: true, encoding: .utf8)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        try await api.bound(daemon)
        func device(until done: (FleetDevice) -> Bool) async throws -> FleetDevice? {
            var device: FleetDevice?
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let outcome = try await run(
                    Binaries.path("mirrorctl"),
                    ["fleet", "status", "--hub", hub.url, "--credential-file", credential, "--json"])
                device = try? TelemetryReport.decoder().decode([FleetDevice].self, from: Data(outcome.stdout.utf8))
                    .first
                if let device, done(device) { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            return device
        }
        let mirror = try #require(try await device { $0.online && ($0.telemetry?.camera.fps ?? 0) > 0 })
        #expect(mirror.online && mirror.target == "127.0.0.1:\(api.port)", "\(mirror)")

        // Another server at the mirror's address, with a certificate of its own: the hub reads nothing from it.
        #expect(try await daemon.stop() == 0)
        let (impostor, impostorKey, fingerprint) = try await ca.selfSigned("impostor")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-quiet", "-accept", "127.0.0.1:\(api.port)", "-cert", impostor, "-key", impostorKey, "-www",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)  // s_server does not always end on SIGTERM
            server.waitUntilExit()
        }
        let refused = try await device { $0.pollError?.contains("not the one the mirror gave") == true }
        #expect(
            refused?.pollError?.hasPrefix("presented a certificate with SHA-256 \(fingerprint), not the one") == true,
            "\(refused?.pollError ?? "no error")")
        withExtendedLifetime(api) {}
    }
}
