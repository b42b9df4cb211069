import AsyncHTTPClient
import Foundation
import NIOSSL
import Testing

/// Issue: `mirrorhub serve` spoke plain HTTP only, so bearer credentials, enrolment tokens and shopper data crossed
/// the network in clear. Now it serves HTTPS from PEM files, reloads them without dropping connections, refuses
/// files it cannot use (exit 78), and serves plain HTTP off the loopback only when a flag names the risk.
@Suite struct HubTLSTests {
    @Test func theHubServesHTTPSWithStrictTransportSecurity() async throws {
        let ca = try await TestCA("chain")
        let (certificate, key) = try await ca.issue("hub")
        let hub = try HubUnderTest()
        hub.serveArguments = ["--tls-certificate", certificate, "--tls-key", key]
        try await hub.start()
        let client = ca.client()

        let answer = try await client.fetch("https://127.0.0.1:\(hub.port)/healthz").get()
        #expect(answer.status == .ok)
        #expect(answer.headers["strict-transport-security"].first == "max-age=31536000")
        let fleetPage = try await client.fetch("https://127.0.0.1:\(hub.port)/fleet").get()
        #expect(fleetPage.status == .unauthorized)
        #expect(fleetPage.headers["strict-transport-security"].first == "max-age=31536000")

        // A client that trusts only the system's store does not know the chain's own CA.
        let stranger = ca.client(systemStore: true)
        guard case .failure(let error) = await stranger.fetch("https://127.0.0.1:\(hub.port)/healthz") else {
            Issue.record("a client without the chain's CA trusted the hub")
            return
        }
        print("a client without the chain's CA: \(error)")

        // Plain HTTP to the TLS port gets no answer.
        let fd = try connectLoopback(port: hub.port)
        defer { close(fd) }
        _ = "GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n".withCString { write(fd, $0, strlen($0)) }
        let plain = String(decoding: readToEnd(fd, timeout: .seconds(5)), as: UTF8.self)
        #expect(!plain.contains("200 OK") && !plain.contains("ok\n"), "\(plain)")
    }

    @Test func aRenewedCertificateServesNewConnectionsAndKeepsTheOpenOnes() async throws {
        let (old, new) = (try await TestCA("old"), try await TestCA("new"))
        let (certificate, key) = try await old.issue("hub")
        let hub = try HubUnderTest()
        hub.serveArguments = ["--tls-certificate", certificate, "--tls-key", key]
        try await hub.start()
        let url = "https://127.0.0.1:\(hub.port)/healthz"
        let kept = old.client()
        #expect(try await kept.fetch(url).get().status == .ok)

        // The renewal, signed by another CA so that each client tells which certificate it met; then SIGHUP.
        let (renewed, renewedKey) = try await new.issue("hub")
        try replace(certificate, with: renewed)
        try replace(key, with: renewedKey)
        kill(try #require(hub.process).processIdentifier, SIGHUP)
        let trustsNew = new.client()
        let switched = try await eventuallyAsync(timeout: .seconds(10)) {
            (try? await trustsNew.fetch(url).get()) != nil
        }
        #expect(switched, "a new connection met the renewed certificate after SIGHUP")
        #expect(hub.process?.isRunning == true, "SIGHUP reloads; it does not stop the hub")
        // The connection opened before the renewal still answers, with the certificate it began with.
        #expect(try await kept.fetch(url).get().status == .ok)
        let trustsOld = old.client()
        #expect((try? await trustsOld.fetch(url).get()) == nil, "a new connection no longer gets the old one")

        // A half-copied renewal (a key that is not the certificate's) is refused; the current one keeps serving.
        let (other, _) = try await old.issue("other")
        try replace(certificate, with: other)
        kill(try #require(hub.process).processIdentifier, SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(try await trustsNew.fetch(url).get().status == .ok)

        // Without a signal: the files change and the hub sees it within its poll (5 s).
        try replace(certificate, with: (try await old.issue("again")).certificate)
        try replace(key, with: "\(old.folder)/again-key.pem")
        let polled = try await eventuallyAsync(timeout: .seconds(15)) { (try? await trustsOld.fetch(url).get()) != nil }
        #expect(polled, "the hub read the changed files without a signal")
    }

    @Test func filesTheHubCannotUseStopItsStart() async throws {
        let ca = try await TestCA("bad")
        let (certificate, key) = try await ca.issue("hub")
        let (_, otherKey) = try await ca.issue("other")
        let hub = try HubUnderTest()
        let readable = "\(ca.folder)/readable-key.pem"
        try FileManager.default.copyItem(atPath: key, toPath: readable)
        chmod(readable, 0o644)
        let cases: [(String, [String], String)] = [
            (
                "a missing key", ["--tls-certificate", certificate, "--tls-key", "/nonexistent/key.pem"],
                "mirrorhub: /nonexistent/key.pem: cannot read the private key: No such file or directory"
            ),
            (
                "another certificate's key", ["--tls-certificate", certificate, "--tls-key", otherKey],
                "mirrorhub: \(otherKey) is not the private key of \(certificate)"
            ),
            (
                "a key for everyone to read", ["--tls-certificate", certificate, "--tls-key", readable],
                "mirrorhub: \(readable): the private key is readable by every user (chmod 600 it)"
            ),
            (
                "a key as the certificate", ["--tls-certificate", key, "--tls-key", key],
                "mirrorhub: \(key): not a PEM certificate chain"
            ),
            (
                "plain HTTP to the network", ["--host", "0.0.0.0"],
                "mirrorhub: --host 0.0.0.0 would serve plain HTTP to the network"
            ),
        ]
        for (what, arguments, expected) in cases {
            let outcome = try await run(
                Binaries.path("mirrorhub"),
                ["serve", "--database", hub.database, "--port", "\(hub.port)"] + arguments, timeout: .seconds(20))
            #expect(outcome.status == 78, "\(what): \(outcome)")
            #expect(outcome.stderr.hasPrefix(expected), "\(what): \(outcome.stderr)")
            #expect(outcome.stderr.filter { $0 == "\n" }.count == 1, "\(what): \(outcome.stderr)")
        }
        // Asked for by name, plain HTTP to the network starts, with a warning.
        hub.serveArguments = ["--host", "0.0.0.0", "--insecure-plain-http"]
        try await hub.start()
        _ = try await hub.get("/healthz", token: nil)
    }

    /// Writes `source`'s bytes over `path` in place (a renewal tool that rewrites the files).
    private func replace(_ path: String, with source: String) throws {
        try Data(contentsOf: URL(fileURLWithPath: source)).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }
}
