import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MirrorHub
import Testing

/// Issue: `/v1/insights` and `/insights` had no bound on how many were worked out at once (each reads a range's
/// rows: seconds each at chain size). Past the hub's budget they are answered 503 with Retry-After.
@Suite struct InsightsBudgetTests {
    @Test func insightsPastTheBudgetAreAskedToComeBack() async throws {
        _ = try await withHub(.sqlite) { hub in
            try await hub.addStore(id: "s1", name: "One")
            let office = try await hub.createCredential(role: .headOffice, store: nil, name: "ops")
            let query = "from=2026-11-02&to=2026-11-02"
            for (budget, expected) in [(1, HTTPResponse.Status.ok), (0, .serviceUnavailable)] {
                let app = Application(router: HubServer.router(store: hub, insightsAtOnce: budget))
                try await app.test(.router) { client in
                    for path in ["/v1/insights?\(query)", "/insights?\(query)"] {
                        let response = try await client.execute(
                            uri: path, method: .get, headers: [.authorization: "Bearer \(office)"])
                        #expect(response.status == expected, "\(path) with a budget of \(budget)")
                        if expected == .serviceUnavailable { #expect(response.headers[.retryAfter] == "5") }
                    }
                }
            }
        }
    }
}
