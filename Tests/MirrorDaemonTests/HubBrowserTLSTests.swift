import Foundation
import Testing

private let chromium = installed("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
private let certutil = installed("/usr/bin/certutil")

/// Head office's pages over HTTPS in a real browser that trusts the chain's own CA (added to the browser's NSS
/// store, as an IT department would roll it out), and refused by one that does not.
@Suite struct HubBrowserTLSTests {
    @Test(.enabled(if: (chromium != nil && certutil != nil) || inCI, "needs chromium and certutil (libnss3-tools)"))
    func aBrowserThatTrustsTheChainsCAReadsTheFleetAndInsightsPages() async throws {
        let browser = try #require(chromium, "chromium is required in CI")
        let nss = try #require(certutil, "certutil (libnss3-tools) is required in CI")
        let ca = try await TestCA("browser")
        let (certificate, key) = try await ca.issue("hub")
        let hub = try HubUnderTest()
        _ = try await hub.admin("add-store", "demo-store", "Kings Road")
        let headOffice = try await hub.admin("create-credential", "--role", "head_office", "--name", "test")
        hub.serveArguments = ["--tls-certificate", certificate, "--tls-key", key]
        try await hub.start()

        // A home whose NSS store trusts the chain's CA, and one whose store does not know it.
        let trusting = "\(hub.folder)/home-trusting"
        let database = "sql:\(trusting)/.pki/nssdb"
        try FileManager.default.createDirectory(atPath: "\(trusting)/.pki/nssdb", withIntermediateDirectories: true)
        #expect(try await run(nss, ["-N", "--empty-password", "-d", database]).status == 0)
        #expect(
            try await run(nss, ["-A", "-n", "chain CA", "-t", "C,,", "-i", ca.certificate, "-d", database]).status == 0)
        let stranger = "\(hub.folder)/home-stranger"
        try FileManager.default.createDirectory(atPath: stranger, withIntermediateDirectories: true)

        func load(_ path: String, home: String) async throws -> Outcome {
            try await run(
                browser,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--user-data-dir=\(home)/profile", "--dump-dom",
                    "https://head-office:\(headOffice)@127.0.0.1:\(hub.port)\(path)",
                ], environment: ["HOME": home], timeout: .seconds(60))
        }
        let fleet = try await load("/fleet", home: trusting)
        #expect(fleet.stdout.contains("<h1>Mirror fleet</h1>"), "\(fleet.stdout.prefix(400)) \(fleet.stderr)")
        let insights = try await load("/insights", home: trusting)
        #expect(insights.stdout.contains("Kings Road"), "\(insights.stdout.prefix(400)) \(insights.stderr)")
        let refused = try await load("/fleet", home: stranger)
        #expect(!refused.stdout.contains("Mirror fleet"))
        #expect(refused.stderr.contains("ERR_CERT_AUTHORITY_INVALID"), "\(refused.stderr)")
    }
}
