import Foundation
import Testing

/// Issue: numbers that did not parse were taken as defaults (`seconds=abc` opened a consent session), an unknown
/// clip answered 403, path parameters were not percent-decoded, and mirrorctl sent a clip id's `?` as a query.
@Suite(.serialized) struct HostileRequestTests {
    @Test func numbersThatDoNotParseAndClipIdsAreRefusedAsSuch() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func call(_ method: String, _ path: String) async throws -> (status: Int, body: String) {
            let outcome = try await run(
                "/usr/bin/curl",
                ["-s", "-X", method, "--unix-socket", daemon.socket, "-w", "\n%{http_code}", "http://mirror\(path)"])
            let lines = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? -1, lines.dropLast().joined(separator: "\n"))
        }
        for (method, path, range) in [
            ("POST", "/v1/record?seconds=abc", "2 to 30"),
            ("POST", "/v1/record?seconds=9223372036854775808", "2 to 30"),
            ("GET", "/v1/logs?limit=abc", "1 to 2000"), ("GET", "/v1/audit?limit=1e2", "1 to 10000"),
            ("POST", "/v1/display/test-pattern?seconds=ten", "1 to 600"),
            ("POST", "/v1/record?seconds=5&seconds=6", "given once"),
        ] {
            let answer = try await call(method, path)
            #expect(answer.status == 400 && answer.body.contains(range), "\(path): \(answer)")
        }
        let ui = try await run(Binaries.path("mirrorctl"), ["ui", "state", "--json", "--socket", daemon.socket])
        #expect(ui.stdout.contains("\"state\" : \"idle\""), "a refused record opened a session: \(ui.stdout)")

        let unknown = try await call("GET", "/v1/clips/nope/export")
        #expect(unknown.status == 404 && unknown.body.contains("no clip nope"), "\(unknown)")
        let spaced = try await call("GET", "/v1/clips/a%20b/export")
        #expect(spaced.status == 404 && spaced.body.contains("no clip a b"), "\(spaced)")
        let query = try await run(
            Binaries.path("mirrorctl"),
            ["clips", "export", "x?y=1", "\(daemon.folder)/out.avi", "--socket", daemon.socket])
        #expect(query.status != 0 && query.stderr.contains("no clip x?y=1"), "\(query)")
        #expect(try await daemon.stop() == 0)
    }
}
