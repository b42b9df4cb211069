import MirrorCore
import MirrorHub
import MirrorProtocol
import Testing

/// Issue: a mirror whose clock ran fast pushed a staff request's "open" and "done"; the hub clamped both stamps to
/// the same ceiling, and the state follows only a later stamp, so the answered request stayed open (and the open
/// count, the answer times and the by-hour chart of its store were wrong). A device's run keeps its order now.
@Suite struct FastClockRequestTests {
    @Test(arguments: Backend.allCases)
    func anAnsweredRequestFromAFastClockIsDone(backend: Backend) async throws {
        let wall: Int64 = 1_793_000_000_000
        _ = try await withHub(backend, wallClock: { wall }) { hub in
            let device = try await HubStoreTests.enrolled(hub)
            let fast = wall + 3 * 24 * 3600 * 1000
            func request(_ seq: Int64, _ state: String) -> SyncOp {
                var patch: [String: JSONValue] = [
                    "sessionId": "v1", "at": .number(Double(fast)), "sku": "A", "description": "A",
                    "state": .string(state),
                ]
                if state == "done" { patch["doneAt"] = .number(Double(fast + 60_000)) }
                return SyncOp(
                    opId: ULID.make(), seq: seq, hlc: HLC(millis: fast + seq * 60_000, counter: 0),
                    entity: .staffRequest,
                    key: "r1", patch: patch)
            }
            _ = try await hub.push(device: device, SyncPushRequest(ops: [request(1, "open"), request(2, "done")]))
            let state = try await hub.database.transaction { tx in
                try await tx.query("SELECT state FROM staff_requests WHERE id = 'r1'").first?.text(0)
            }
            #expect(state == "done")
        }
    }
}
