import MirrorCore
import Testing

/// A peer's run of stamps is clamped keeping the peer's own order.
@Suite struct HybridClockRunTests {
    static let wall: Int64 = 1_000_000_000
    static let threeDays: Int64 = 3 * 24 * 3600 * 1000

    @Test func aFastClocksRunKeepsItsOrder() {
        var clock = HybridClock()
        let run = (0..<3).map { HLC(millis: Self.wall + Self.threeDays + Int64($0), counter: 0) }
        let stamps = clock.receive(run: run, wallMillis: Self.wall)
        #expect(stamps[0] == HLC(millis: Self.wall + clock.maxDriftMillis, counter: 0xFFFF))
        #expect(stamps[0] < stamps[1] && stamps[1] < stamps[2])
        #expect(stamps[2].millis <= Self.wall + clock.maxDriftMillis + 1)
        #expect(clock.last == stamps[2])
    }

    @Test func stampsWithinTheDriftAreLeftAlone() {
        var clock = HybridClock()
        let run = [HLC(millis: Self.wall - 5, counter: 0), HLC(millis: Self.wall, counter: 3)]
        #expect(clock.receive(run: run, wallMillis: Self.wall) == run)
    }

    @Test func aRunNotInOrderIsNotReordered() {
        var clock = HybridClock()
        let run = [
            HLC(millis: Self.wall + Self.threeDays, counter: 1), HLC(millis: Self.wall + Self.threeDays, counter: 0),
        ]
        let stamps = clock.receive(run: run, wallMillis: Self.wall)
        #expect(stamps[0] == stamps[1], "equal when the peer's own stamps were not in order: nothing to keep")
    }
}
