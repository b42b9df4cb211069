import Foundation
import Testing

/// Issue: mirrord's `all=` took any value and read everything but `1` as no (`clips purge?all=true` purged only
/// the expired clips). It is 0 or 1 now, given once; anything else is a 400.
@Suite struct QueryFlagTests {
    @Test func mirrordsFlagsAreZeroOrOne() async throws {
        let daemon = try DaemonUnderTest()
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func status(_ request: String) throws -> String {
            let fd = try connectUnix(daemon.socket)
            defer { close(fd) }
            _ = request.withCString { write(fd, $0, strlen($0)) }
            let answer = String(decoding: readToEnd(fd, timeout: .seconds(10)) { _ in true }, as: UTF8.self)
            return String(answer.prefix(12))
        }
        let host = " HTTP/1.1\r\nHost: mirror\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        #expect(try status("GET /v1/requests?all=1" + host) == "HTTP/1.1 200")
        #expect(try status("GET /v1/requests?all=yes" + host) == "HTTP/1.1 400")
        #expect(try status("POST /v1/clips/purge?all=true" + host) == "HTTP/1.1 400")
        #expect(try status("POST /v1/clips/purge?all=1&all=0" + host) == "HTTP/1.1 400")
        #expect(try await daemon.stop() == 0)
    }
}
