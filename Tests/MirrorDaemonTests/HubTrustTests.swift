import Foundation
import Testing

/// Issue: the mirror would sync with any hub that answered, in clear over `http://` or over HTTPS trusting only
/// the system's store. Now it checks the hub's certificate against the chain's own CA (`hub.ca_file`) or a pinned
/// fingerprint (`hub.certificate_sha256`), says plainly why a certificate was refused, and refuses a plain
/// `http://` hub on another machine unless the config allows it by name.
@Suite struct HubTrustTests {
    /// Enrolment, a shopper's profile and a request reaching head office, over HTTPS to a hub whose certificate
    /// the chain's own CA signed.
    @Test func aMirrorSyncsOverHTTPSTrustingTheChainsCA() async throws {
        let ca = try await TestCA("chain")
        let (certificate, key) = try await ca.issue("hub")
        let (hub, daemon, headOffice, _) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--tls-certificate", certificate, "--tls-key", key],
            hubConfig: "  ca_file: \(ca.certificate)")
        #expect(hub.url.hasPrefix("https://"))
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let ctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        #expect(try await ctl(["ui", "event", "start"]).status == 0)
        let identified = try await ctl(["suggestions", "identify", "DEMO-1234"])
        #expect(identified.status == 0, "\(identified)")
        #expect(try await ctl(["suggestions", "act", "request", "KN-101-RUS"]).status == 0)
        let client = ca.client()
        let arrived = try await eventuallyAsync(timeout: .seconds(20)) {
            let body = try? await client.get(
                "\(hub.url)/v1/stores/demo-store/requests?all=1", token: headOffice)
            return body.map { String(decoding: $0, as: UTF8.self).contains("KN-101-RUS") } ?? false
        }
        #expect(arrived, "the staff request reached the hub over HTTPS")

        // Head office's CLI trusts the same CA when told to, and names the reason when not.
        let credential = "\(daemon.folder)/head-office"
        try headOffice.write(toFile: credential, atomically: true, encoding: .utf8)
        let mirrorctl = { (arguments: [String]) in
            try await run(Binaries.path("mirrorctl"), ["fleet", "status", "--credential-file", credential] + arguments)
        }
        let fleet = try await mirrorctl(["--hub", hub.url, "--hub-ca-file", ca.certificate, "--json"])
        #expect(fleet.status == 0 && fleet.stdout.contains("room 1"), "\(fleet)")
        let untrusted = try await mirrorctl(["--hub", hub.url])
        #expect(untrusted.status == 69, "\(untrusted)")
        #expect(untrusted.stderr.contains("not signed by a CA in the system's store"), "\(untrusted.stderr)")
        let plain = try await mirrorctl(["--hub", "http://192.0.2.10:8700"])
        #expect(plain.status == 64 && plain.stderr.contains("plain http:// to another machine"), "\(plain)")
    }

    /// A hub without a CA: a self-signed certificate, trusted by its SHA-256 alone.
    @Test func aMirrorTrustsAPinnedSelfSignedHub() async throws {
        let ca = try await TestCA("pin")
        let (certificate, key, fingerprint) = try await ca.selfSigned("hub")
        let (hub, daemon, _, token) = try await HubSyncProcessTests.enrolled(
            interval: 1, serveArguments: ["--tls-certificate", certificate, "--tls-key", key],
            hubConfig: "  certificate_sha256: \"\(fingerprint)\"", enrol: false)
        try await HubSyncProcessTests.enrol(daemon, token: token, name: "room 1")
        #expect(FileManager.default.fileExists(atPath: "\(daemon.folder)/state/hub-credential"))

        // Another pin: nothing is sent, and the error names both fingerprints.
        let other = try HubSyncProcessTests.mirror(
            of: hub, interval: 1, hubConfig: "  certificate_sha256: \"\(String(repeating: "AB:", count: 31))AB\"")
        let refused = try await run(
            Binaries.path("mirrord"), ["--config", other.configPath, "--enroll-token", token, "--name", "room 2"])
        #expect(refused.status == 69, "\(refused)")
        #expect(
            refused.stderr.contains("presented a certificate with SHA-256 \(fingerprint), not the pinned AB:AB"),
            "\(refused.stderr)")
    }

    /// Each certificate the mirror must not trust, and what it says: nothing is sent to such a hub.
    @Test func certificatesTheMirrorMustNotTrustAreRefusedWithTheReason() async throws {
        let ca = try await TestCA("refuse")
        let (certificate, key) = try await ca.issue("hub")
        let hub = try HubUnderTest()
        _ = try await hub.admin("add-store", "demo-store", "Demo store")
        let token = try await hub.admin("enrolment-token", "--store", "demo-store")
        hub.serveArguments = ["--tls-certificate", certificate, "--tls-key", key]
        try await hub.start()

        func enrol(hubConfig: String, url: String? = nil) async throws -> Outcome {
            let daemon = try HubSyncProcessTests.mirror(of: hub, interval: 1, hubConfig: hubConfig)
            if let url {
                let text = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
                    .replacingOccurrences(of: hub.url, with: url)
                try text.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
            }
            return try await run(
                Binaries.path("mirrord"), ["--config", daemon.configPath, "--enroll-token", token, "--name", "room"])
        }
        // The system's store does not know the chain's own CA.
        let unknown = try await enrol(hubConfig: "")
        #expect(unknown.status == 69)
        #expect(unknown.stderr.contains("that is not signed by a CA in the system's store"), "\(unknown.stderr)")

        // A certificate for another name than the URL's.
        let (elsewhere, elsewhereKey) = try await ca.issue("elsewhere", subjectAltName: "DNS:elsewhere.example")
        let wrongHost = try HubUnderTest()
        wrongHost.serveArguments = ["--tls-certificate", elsewhere, "--tls-key", elsewhereKey]
        try await wrongHost.start()
        let misnamed = try await enrol(hubConfig: "  ca_file: \(ca.certificate)", url: wrongHost.url)
        #expect(misnamed.status == 69)
        #expect(misnamed.stderr.contains("presented a certificate for another name"), "\(misnamed.stderr)")

        // An expired certificate (the hub refuses to start with one, so openssl's own server presents it).
        let (expired, expiredKey) = try await ca.issue("expired", expired: true)
        let port = freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", expired, "-key", expiredKey, "-www",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)  // s_server does not always end on SIGTERM
            server.waitUntilExit()
        }
        _ = try await eventually {
            guard let fd = try? connectLoopback(port: port) else { return false }
            close(fd)
            return true
        }
        let stale = try await enrol(hubConfig: "  ca_file: \(ca.certificate)", url: "https://127.0.0.1:\(port)")
        #expect(stale.status == 69)
        #expect(stale.stderr.contains("presented a certificate that expired on 2020-01-02"), "\(stale.stderr)")

        // The hub's own certificate, checked against the chain's CA: enrolled.
        let trusted = try await enrol(hubConfig: "  ca_file: \(ca.certificate)")
        #expect(trusted.status == 0, "\(trusted)")
    }

    /// `http://` to another machine stops `--check-config` and the start, saying why and how to allow it.
    @Test func plainHTTPToAnotherMachineIsRefusedUnlessAllowed() async throws {
        let hubSection = "hub:\n  url: http://192.0.2.10:8700\n"
        let daemon = try DaemonUnderTest(extraConfig: hubSection)
        let check = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath, "--check-config"])
        #expect(check.status == 78, "\(check)")
        #expect(check.stderr.contains("hub.url"), "\(check.stderr)")
        #expect(check.stderr.contains("plain http:// to another machine"), "\(check.stderr)")
        #expect(check.stderr.contains("allow_plain_http"), "\(check.stderr)")
        let start = try await run(Binaries.path("mirrord"), ["--config", daemon.configPath])
        #expect(start.status == 78, "\(start)")

        let allowed = try DaemonUnderTest(extraConfig: hubSection + "  allow_plain_http: true\n")
        let checked = try await run(Binaries.path("mirrord"), ["--config", allowed.configPath, "--check-config"])
        #expect(checked.status == 0, "\(checked)")
        let loopback = try DaemonUnderTest(extraConfig: "hub:\n  url: http://127.0.0.1:8700\n")
        #expect(
            try await run(Binaries.path("mirrord"), ["--config", loopback.configPath, "--check-config"]).status == 0)
    }
}
