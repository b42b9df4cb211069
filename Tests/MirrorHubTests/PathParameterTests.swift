import Foundation
import Hummingbird
import HummingbirdTesting
import MirrorHub
import Testing

/// Issue: the hub matched path parameters undecoded, so a loyalty id `L:77` stored at head office answered 404 to
/// `GET /v1/shoppers/L%3A77`, which is what the mirror's client always sends (and a PUT of it was refused as
/// holding '%'). Every path parameter is now decoded once, then checked as itself.
@Suite struct PathParameterTests {
    @Test func loyaltyIdsWithColonsAreFoundHoweverTheyAreEncoded() async throws {
        _ = try await withHub(.sqlite) { hub in
            let credentials = try await HubAPITests.setUp(hub)
            let app = Application(router: HubServer.router(store: hub))
            try await app.test(.router) { client in
                let headers: HTTPFields = [.authorization: "Bearer \(credentials.headOffice)"]
                func encode(_ id: String) throws -> String {
                    var allowed = CharacterSet.alphanumerics
                    allowed.insert(charactersIn: "-._~")
                    return try #require(id.addingPercentEncoding(withAllowedCharacters: allowed))
                }
                // A loyalty id is letters, digits, '-', '_', '.' and ':'; the others are refused as themselves.
                for id in ["L 78", "L/79", "L%80"] {
                    let put = try await client.execute(
                        uri: "/v1/shoppers/\(try encode(id))", method: .put, headers: headers,
                        body: ByteBuffer(string: #"{"colours":["navy"]}"#))
                    #expect(put.status == .badRequest, "PUT \(id): \(put.status)")
                }
                for id in ["L:77", "a.b_c-d:e"] {
                    let encoded = try encode(id)
                    let put = try await client.execute(
                        uri: "/v1/shoppers/\(encoded)", method: .put, headers: headers,
                        body: ByteBuffer(string: #"{"colours":["navy"]}"#))
                    #expect(put.status == .ok, "PUT \(encoded): \(put.status)")
                    let got = try await client.execute(uri: "/v1/shoppers/\(encoded)", method: .get, headers: headers)
                    #expect(got.status == .ok, "GET \(encoded): \(got.status)")
                    #expect(String(buffer: got.body).contains("navy"), "\(id)")
                }
                // `:` needs no encoding in a path: both spellings are the same shopper.
                let plain = try await client.execute(uri: "/v1/shoppers/L:77", method: .get, headers: headers)
                #expect(plain.status == .ok)
                let broken = try await client.execute(uri: "/v1/shoppers/L%ZZ", method: .get, headers: headers)
                #expect(broken.status == .badRequest)
            }
        }
    }

    /// Issue: `all=` took any value and read everything but `1` as no. It is 0 or 1 now, given once.
    @Test func aFlagIsZeroOrOne() async throws {
        _ = try await withHub(.sqlite) { hub in
            let credentials = try await HubAPITests.setUp(hub)
            let app = Application(router: HubServer.router(store: hub))
            try await app.test(.router) { client in
                let headers: HTTPFields = [.authorization: "Bearer \(credentials.headOffice)"]
                for (query, status) in [
                    ("", HTTPResponse.Status.ok), ("?all=1", .ok), ("?all=0", .ok), ("?all=yes", .badRequest),
                    ("?all=", .badRequest), ("?all=1&all=1", .badRequest),
                ] {
                    let response = try await client.execute(
                        uri: "/v1/stores/s1/requests\(query)", method: .get, headers: headers)
                    #expect(response.status == status, "\(query): \(response.status)")
                }
            }
        }
    }
}
