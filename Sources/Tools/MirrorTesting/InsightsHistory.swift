import Foundation
import MirrorCore
public import MirrorHub
public import MirrorProtocol

/// A generated history of fitting-room visits for the hub's figures: three mirrors in two stores over `days` days
/// (4 to 9 visits a mirror a day, with try-ons scanned or recognised, suggestions through the funnel, staff
/// requests, size requests, shares, saves and ratings) and the tills' sales, pushed through the sync path the way
/// real mirrors do, with the mess real mirrors make: every batch pushed twice, the second mirror offline for its
/// last three days, the third mirror's clock three days fast for a day, and one visit stamped 1970. Deterministic.
/// `sent` sees every push as it was sent, for a check that applies the hub's rules itself.
/// For `InsightsRecomputeTests` and the demo's history (`mirror-devtool insights-history`).
public enum InsightsHistory {
    /// One push as a mirror sent it: its device and store, when the hub received it, and its ops.
    public struct Push: Sendable {
        public var device: String
        public var store: String
        public var receivedMillis: Int64
        public var ops: [SyncOp]
    }

    /// One mirror's outbox and when each of its ops reaches the hub.
    struct Mirror {
        var principal: Principal
        var ops: [(op: SyncOp, arrives: Int64)] = []

        mutating func add(_ entity: SyncEntity, key: String, _ patch: [String: JSONValue], arrives: Int64) {
            let seq = Int64(ops.count + 1)
            ops.append(
                (
                    SyncOp(
                        opId: ULID.make(), seq: seq, hlc: HLC(millis: 1_000_000 + seq, counter: 0), entity: entity,
                        key: key, patch: patch), arrives
                ))
        }
    }

    public static func load(
        into hub: HubStore, catalog: [CatalogItem], stores: (String, String) = ("s1", "s2"), first: String,
        days: Int = 30, sent: (Push) -> Void = { _ in }, setClock: (Int64) -> Void
    ) async throws -> [SaleLine] {
        _ = try await hub.putCatalog(catalog)
        for store in [stores.0, stores.1] where try await !hub.stores().contains(where: { $0.id == store }) {
            try await hub.addStore(id: store, name: "Store \(store)")
        }
        var mirrors = [
            Mirror(principal: try await enrolled(hub, store: stores.0, name: "m1")),
            Mirror(principal: try await enrolled(hub, store: stores.0, name: "m2")),
            Mirror(principal: try await enrolled(hub, store: stores.1, name: "m3")),
        ]
        let start = try InsightsQuery.days(store: nil, from: first, to: first).fromMillis
        var random = SplitMix64(seed: 20_261_105)
        var sales: [SaleLine] = []
        var eventNumber = 0
        for day in 0..<days {
            let midnight = start + Int64(day) * 86_400_000
            for (index, _) in mirrors.enumerated() {
                let store = index == 2 ? stores.1 : stores.0
                // When this day's reports arrive: that night; the second mirror's last three days, two days late.
                var arrives = midnight + 86_400_000 + 60_000
                if index == 1, day >= days - 3 { arrives = start + Int64(days + 2) * 86_400_000 }
                // The third mirror's clock runs three days fast on day 10.
                let skew: Int64 = index == 2 && day == 10 ? 3 * 86_400_000 : 0
                for visit in 0..<random.int(4...9) {
                    let session = "d\(day)-m\(index)-v\(visit)"
                    var t = midnight + Int64(random.int(9 * 3600...19 * 3600)) * 1000
                    let stamp1970 = index == 0 && day == 3 && visit == 0
                    func event(_ kind: String, _ fields: [String: JSONValue] = [:]) {
                        eventNumber += 1
                        var patch: [String: JSONValue] = [
                            "sessionId": .string(session), "kind": .string(kind), "detail": "",
                            "at": .number(Double(stamp1970 ? 86_400_000 : t + skew)),
                        ]
                        patch.merge(fields) { $1 }
                        mirrors[index].add(.sessionEvent, key: "e\(eventNumber)", patch, arrives: arrives)
                    }
                    event(VisitEventKind.started)
                    let code: String? = random.chance(0.3) ? "L\(random.int(1...15))" : nil
                    if let code {
                        event(VisitEventKind.identified, ["subject": .string(SubjectHash.of(loyaltyId: code))])
                    }
                    event(VisitEventKind.consentAnswered, ["detail": random.chance(0.8) ? "granted" : "declined"])
                    var tried: [(sku: String, size: String?)] = []
                    for _ in 0..<random.int(1...3) {
                        t += Int64(random.int(10...120)) * 1000
                        let item = random.pick(catalog)
                        if random.chance(0.5) {
                            let size = random.pick(item.sizes)
                            tried.append((item.sku, size))
                            event(
                                VisitEventKind.triedOn,
                                ["sku": .string(item.sku), "size": .string(size), "via": "scan"])
                        } else {
                            tried.append((item.sku, nil))
                            event(VisitEventKind.triedOn, ["sku": .string(item.sku), "via": "vision", "score": 0.8])
                        }
                    }
                    for _ in 0..<random.int(0...2) { event(VisitEventKind.recordedLook) }
                    for _ in 0..<random.int(0...2) {
                        let item = random.pick(catalog)
                        let kind = random.pick(["your-size", "also-in", "completes-the-look", "similar"])
                        t += Int64(random.int(5...60)) * 1000
                        event(
                            VisitEventKind.suggestionShown, ["sku": .string(item.sku), "suggestionKind": .string(kind)])
                        guard random.chance(0.6) else { continue }
                        event(
                            VisitEventKind.suggestionTapped,
                            ["sku": .string(item.sku), "suggestionKind": .string(kind)])
                        guard random.chance(0.6) else { continue }
                        event(
                            VisitEventKind.suggestionAccepted,
                            ["sku": .string(item.sku), "suggestionKind": .string(kind), "size": .string(item.sizes[0])])
                        let done: Int64? = random.chance(0.8) ? t + skew + Int64(random.int(30...900)) * 1000 : nil
                        var patch: [String: JSONValue] = [
                            "sessionId": .string(session), "at": .number(Double(t + skew)), "sku": .string(item.sku),
                            "description": "", "state": .string(done == nil ? "open" : "done"),
                        ]
                        if let done { patch["doneAt"] = .number(Double(done)) }
                        mirrors[index].add(.staffRequest, key: "r-\(session)-\(item.sku)", patch, arrives: arrives)
                    }
                    for garment in tried where garment.size != nil && random.chance(0.5) {
                        let sizes = catalog.first { $0.sku == garment.sku }!.sizes
                        let at = sizes.firstIndex(of: garment.size!)!
                        let asked = sizes[max(0, min(sizes.count - 1, at + (random.chance(0.7) ? 1 : -1)))]
                        event(
                            VisitEventKind.sizeRequest,
                            ["sku": .string(garment.sku), "size": .string(asked), "triedSize": .string(garment.size!)])
                    }
                    if random.chance(0.2) { event(VisitEventKind.lookShared) }
                    if random.chance(0.1) { event(VisitEventKind.lookSaved) }
                    if random.chance(0.7) {
                        event(VisitEventKind.rated, ["rating": .number(Double(random.int(1...5)))])
                    }
                    t += Int64(random.int(60...1200)) * 1000
                    if random.chance(0.9) { event(VisitEventKind.ended) }
                    // What the till sold: some of what was tried, by the shopper's code when they gave it.
                    for garment in tried where random.chance(0.4) {
                        sales.append(
                            SaleLine(
                                lineId: "line-\(sales.count)", store: store,
                                at: t + Int64(random.int(5...180)) * 60_000, sku: garment.sku, size: garment.size,
                                quantity: random.int(1...2), loyaltyId: random.chance(0.8) ? code : nil))
                    }
                }
            }
            // Sales of things nobody tried at a mirror.
            for _ in 0..<random.int(2...6) {
                let item = random.pick(catalog)
                sales.append(
                    SaleLine(
                        lineId: "line-\(sales.count)", store: random.chance(0.5) ? stores.0 : stores.1,
                        at: midnight + Int64(random.int(9 * 3600...20 * 3600)) * 1000, sku: item.sku,
                        size: random.pick(item.sizes), loyaltyId: random.chance(0.3) ? "L\(random.int(1...15))" : nil))
            }
        }
        // Every mirror pushes in order of arrival, each batch twice (a lost answer); the hub's clock is then.
        for mirror in mirrors {
            var batch: [SyncOp] = []
            var batchArrives: Int64 = 0
            for (op, arrives) in mirror.ops + [
                (
                    SyncOp(opId: ULID.make(), seq: 0, hlc: .zero, entity: .sessionEvent, key: "end", patch: [:]),
                    Int64.max
                )
            ] {
                if (arrives != batchArrives || batch.count == 400), !batch.isEmpty {
                    setClock(batchArrives)
                    for _ in 0..<2 {
                        _ = try await hub.push(device: mirror.principal, SyncPushRequest(ops: batch))
                        sent(
                            Push(
                                device: mirror.principal.deviceId ?? "", store: mirror.principal.storeId ?? "",
                                receivedMillis: batchArrives, ops: batch))
                    }
                    batch = []
                }
                batchArrives = arrives
                if arrives != .max { batch.append(op) }
            }
        }
        setClock(start + Int64(days + 3) * 86_400_000)
        for chunk in stride(from: 0, to: sales.count, by: 1000) {
            _ = try await hub.importSales(Array(sales[chunk..<min(sales.count, chunk + 1000)]))
        }
        return sales
    }

    static func enrolled(_ hub: HubStore, store: String, name: String) async throws -> Principal {
        let (token, _) = try await hub.createEnrolmentToken(store: store)
        let credential = try await hub.enrol(EnrolRequest(token: token, name: name)).credential
        guard let principal = try await hub.authenticate(bearer: credential) else {
            throw HubError(.unauthorized, "the mirror's new credential was refused")
        }
        return principal
    }
}
