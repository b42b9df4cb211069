import Foundation
import Hummingbird
import HummingbirdTesting
import MirrorCore
import MirrorHub
import MirrorProtocol
import Synchronization
import Testing

/// The insights web page: who may open it, that withheld figures read "fewer than k", and that text from the
/// mirrors and tills (SKUs, store names) is escaped.
@Suite struct InsightsPageTests {
    static let hostile = "<script>alert(1)</script>"

    /// The generated day of `InsightsTests` in a store whose name has markup in it, plus five visits that try on a
    /// SKU with a script tag in it.
    static func fill(_ hub: HubStore) async throws {
        try await hub.addStore(id: "s1", name: "Kings <Road>")
        try await hub.addStore(id: "s2", name: "Two")
        let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
        _ = try await hub.putCatalog(InsightsTests.catalog)
        let outbox = InsightsTests.Outbox()
        InsightsTests.week(outbox)
        let base = InsightsTests.midnight + 15 * 3_600_000
        for i in 0..<5 {
            let t = base + Int64(i) * 300_000
            outbox.event("h\(i)", VisitEventKind.started, at: t)
            outbox.event("h\(i)", VisitEventKind.triedOn, at: t + 1000, ["sku": .string(hostile), "via": "vision"])
            outbox.event("h\(i)", VisitEventKind.ended, at: t + 120_000)
        }
        for chunk in stride(from: 0, to: outbox.ops.count, by: 400) {
            _ = try await hub.push(
                device: mirror, SyncPushRequest(ops: Array(outbox.ops[chunk..<min(chunk + 400, outbox.ops.count)])))
        }
        let at = InsightsTests.midnight + 10 * 3_600_000
        _ = try await hub.importSales(
            (0..<5).map {
                InsightsTests.sale("till-\($0)", at: at + Int64($0) * 600_000 + 1_200_000, loyalty: "L\($0)")
            }
        )
    }

    static let day = "from=\(InsightsTests.day)&to=\(InsightsTests.day)"

    @Test(arguments: Backend.allCases)
    func headOfficeSeesThePageWithWithheldCellsAndEscapedText(backend: Backend) async throws {
        let clock = Atomic<Int64>(InsightsTests.midnight + 23 * 3_600_000)
        _ = try await withHub(backend, wallClock: { clock.load(ordering: .relaxed) }) { hub in
            try await Self.fill(hub)
            let office = try await hub.createCredential(role: .headOffice, store: nil, name: "ops")
            let app = Application(router: HubServer.router(store: hub))
            try await app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/insights?store=s1&\(Self.day)", method: .get,
                    headers: [.authorization: "Bearer \(office)"])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'") == true)
                let html = String(buffer: response.body)
                // 16 visits; one request still open (fewer than 5 visits): withheld, never 0.
                #expect(html.contains("<b>16</b><span>visits</span>"), "\(html.prefix(3000))")
                #expect(html.contains(#"<b><span class="fewer">fewer than 5</span></b><span>still open</span>"#))
                #expect(!html.contains("<b>0</b><span>still open</span>"))
                // The try-on table, the size swap with its flag, the funnel, the answer times, ratings, series.
                #expect(
                    html.contains(
                        #"<td class="sku two">A</td><td class="inline" data-label="Size">M</td><td class="n" data-label="Tried">10</td><td class="n" data-label="Bought">5</td>"#
                    ))
                #expect(html.contains(#"<span class="flag small">runs small</span>"#))
                #expect(html.contains("<h3>In your size</h3>"))
                #expect(html.contains(#"<rect x="0" y="20" width="100%" height="13" rx="3" class="track"/>"#))
                #expect(html.contains(#"class="p50""#) && html.contains(#"class="p95""#))
                #expect(html.contains(#"class="face5""#) && html.contains("w/c 2 Nov"))
                #expect(html.contains("<h3>Visits</h3>") && html.contains("2 Nov 2026"))
                // Text from the mirror and the hub's own records, escaped; no script anywhere.
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(html.contains("Kings &lt;Road&gt;"))
                #expect(!html.contains("<script") && !html.contains("<Road>"))
                // The form and the way back to the fleet.
                #expect(html.contains(#"<form method="get" action="/insights">"#))
                #expect(html.contains(#"<option value="s1" selected>Kings &lt;Road&gt;</option>"#))
                #expect(html.contains(#"<a href="/fleet">Fleet</a>"#))

                // Every store (the form's "All stores" sends an empty store), and per week.
                let all = try await client.execute(
                    uri: "/insights?store=&\(Self.day)&step=week", method: .get,
                    headers: [.authorization: "Bearer \(office)"])
                let allHTML = String(buffer: all.body)
                #expect(all.status == .ok && allHTML.contains("<h1>All stores</h1>"))
                #expect(allHTML.contains(#"<option value="week" selected>week</option>"#))

                // A range the hub refuses: the page again, with why.
                let refused = try await client.execute(
                    uri: "/insights?from=2026-11-09&to=2026-11-02", method: .get,
                    headers: [.authorization: "Bearer \(office)"])
                #expect(refused.status == .badRequest)
                #expect(
                    String(buffer: refused.body).contains(#"<p class="error" id="error">to must not be before from"#))

                // The fleet page links here.
                let fleet = try await client.execute(
                    uri: "/fleet", method: .get, headers: [.authorization: "Bearer \(office)"])
                #expect(String(buffer: fleet.body).contains(#"<a href="/insights">Insights</a>"#))
            }
        }
    }

    @Test func withheldFiguresReadFewerThanKNeverZero() async throws {
        _ = try await withHub(.sqlite, wallClock: { InsightsTests.midnight + 20 * 3_600_000 }) { hub in
            let mirror = try await HubStoreTests.enrolled(hub, store: "s1")
            let outbox = InsightsTests.Outbox()
            for i in 0..<4 {
                let t = InsightsTests.midnight + 12 * 3_600_000 + Int64(i) * 60_000
                outbox.event("v\(i)", VisitEventKind.started, at: t)
                outbox.event("v\(i)", VisitEventKind.rated, at: t + 2, ["rating": 1])
                outbox.event("v\(i)", VisitEventKind.ended, at: t + 30_000)
            }
            _ = try await hub.push(device: mirror, SyncPushRequest(ops: outbox.ops))
            let office = try await hub.createCredential(role: .headOffice, store: nil, name: "ops")
            let app = Application(router: HubServer.router(store: hub))
            try await app.test(.router) { client in
                let html = String(
                    buffer: try await client.execute(
                        uri: "/insights?store=s1&\(Self.day)&k=6", method: .get,
                        headers: [.authorization: "Bearer \(office)"]
                    ).body)
                #expect(html.contains(#"<b><span class="fewer">fewer than 6</span></b><span>visits</span>"#))
                #expect(html.contains(#"<span class="fewer">fewer than 6</span></b><span>visits rated</span>"#))
                #expect(html.contains("The faces' shares need 6 ratings or more."))
                // The day's column: a hatched stub that says so.
                #expect(
                    html.contains(#"<tspan x="27" dy="-1.1em">fewer</tspan><tspan x="27" dy="1.1em">than 6</tspan>"#))
                #expect(html.contains(#"<input type="hidden" name="k" value="6">"#))
                #expect(!html.contains("<b>0</b><span>visits</span>"))
            }
        }
    }

    @Test func theBrowserIsAskedToSignInAndStaffSeeOnlyTheirStore() async throws {
        _ = try await withHub(.sqlite, wallClock: { InsightsTests.midnight + 23 * 3_600_000 }) { hub in
            try await Self.fill(hub)
            let staff = try await hub.createCredential(role: .staff, store: "s1", name: "Ann")
            let other = try await hub.createCredential(role: .staff, store: "s2", name: "Bo")
            let (token, _) = try await hub.createEnrolmentToken(store: "s1")
            let device = try await hub.enrol(EnrolRequest(token: token, name: "m2")).credential
            let app = Application(router: HubServer.router(store: hub))
            try await app.test(.router) { client in
                let anonymous = try await client.execute(uri: "/insights", method: .get)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=\"mirrorhub\"") == true)

                func basic(_ credential: String) -> HTTPFields {
                    [.authorization: "Basic \(Data("manager:\(credential)".utf8).base64EncodedString())"]
                }
                let own = try await client.execute(uri: "/insights?\(Self.day)", method: .get, headers: basic(staff))
                let html = String(buffer: own.body)
                #expect(own.status == .ok)
                // Without a store, staff see their own (and the form offers no other).
                #expect(html.contains("<h1>Kings &lt;Road&gt;<small>s1</small></h1>"))
                #expect(html.contains("<b>16</b><span>visits</span>") && !html.contains("All stores"))
                #expect(!html.contains(#"<option value="s2""#))

                let forbidden = try await client.execute(
                    uri: "/insights?store=s1&\(Self.day)", method: .get, headers: basic(other))
                #expect(forbidden.status == .forbidden)
                let bearer = try await client.execute(
                    uri: "/insights?store=s1", method: .get, headers: [.authorization: "Bearer \(other)"])
                #expect(bearer.status == .forbidden)
                // Their own store has no visits: zeros are zeros.
                let empty = String(
                    buffer: try await client.execute(
                        uri: "/insights?\(Self.day)", method: .get, headers: basic(other)
                    ).body)
                #expect(empty.contains("<b>0</b><span>visits</span>"))
                #expect(empty.contains("No garment was tried on in 5 visits or more."))

                let mirror = try await client.execute(
                    uri: "/insights", method: .get, headers: [.authorization: "Bearer \(device)"])
                #expect(mirror.status == .forbidden)
                let wrong = try await client.execute(uri: "/insights", method: .get, headers: basic("nobody.nothing"))
                #expect(wrong.status == .unauthorized)
            }
        }
    }
}
