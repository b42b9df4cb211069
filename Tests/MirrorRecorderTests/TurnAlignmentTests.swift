import MirrorCore
import MirrorRecorder
import Testing

@Suite struct TurnAlignmentTests {
    /// Two synthetic turns at different speeds: 36 frames turning evenly (3 s at 12 fps) and 75 frames
    /// turning slowly then fast (6.25 s), each with a second of standing still (no phase) before.
    static let quick: [Float?] = Array(repeating: nil, count: 12) + (0..<36).map { Float($0) / 35 }
    static let slow: [Float?] =
        Array(repeating: nil, count: 12)
        + (0..<75).map { index in
            let t = Float(index) / 74
            return t * t  // eases in: most of the frames show the first part of the turn
        }

    @Test func twoTurnsAtDifferentSpeedsShowTheSameAngle() throws {
        let a = try #require(TurnAlignment(phases: Self.quick))
        let b = try #require(TurnAlignment(phases: Self.slow))
        #expect(abs(a.turnSeconds(fps: 12) - 3) < 0.01)
        let period = max(a.turnSeconds(fps: 12), b.turnSeconds(fps: 12))
        var worst: Float = 0
        for step in 0..<200 {
            let elapsed = Duration.milliseconds(step * 50)
            let phase = TurnAlignment.phase(at: elapsed, offset: 0, period: period, speed: 1)
            let shownA = Self.quick[a.frame(atPhase: phase)]!
            let shownB = Self.slow[b.frame(atPhase: phase)]!
            worst = max(worst, abs(shownA - shownB))
        }
        // Within one frame of the coarser turn (1/35 of a turn ≈ 10°) at every instant.
        #expect(worst <= 1 / 35 + 1e-4, "worst angle difference \(worst * 360)°")
    }

    @Test func phaseWrapsAndSlowsDown() {
        #expect(TurnAlignment.phase(at: .seconds(1), offset: 0, period: 4, speed: 1) == 0.25)
        #expect(TurnAlignment.phase(at: .seconds(1), offset: 0, period: 4, speed: 0.5) == 0.125)
        #expect(abs(TurnAlignment.phase(at: .seconds(5), offset: 0.5, period: 4, speed: 1) - 0.75) < 1e-6)
    }

    @Test func clipsWithoutATurnAreNotAligned() {
        #expect(TurnAlignment(phases: []) == nil)
        #expect(TurnAlignment(phases: [nil, nil, 0.3]) == nil)
        #expect(TurnAlignment(phases: [0.2, 0.2, 0.2]) == nil)
        #expect(TurnAlignment(phases: [0, .nan, 0.5, 0.4, 1]) != nil)
    }
}

/// Looks side by side start and loop together, whether or not the vision core followed a turn in each.
@Suite struct LooksInStepTests {
    @Test(arguments: [
        // Every look turns: the slowest turn's period.
        ([3.0, 6.25] as [Double?], [8.0, 8.0], 6.25 as Double?),
        ([3.0, 4.0, 5.0], [8.0, 8.0, 8.0], 5.0),
        // One of three has no turn: it plays its whole clip over the period, the others slowed to it.
        ([3.0, nil, 4.0], [8.0, 6.0, 8.0], 6.0),
        // A short look with no turn does not shorten the turns.
        ([4.0, nil], [8.0, 2.0], 4.0),
        // None turns: the longest clip's length.
        ([nil, nil, nil, nil], [8.0, 7.5, 6.0, 8.0], 8.0),
        // One look alone plays on its own clock.
        ([3.0], [8.0], nil),
    ])
    func onePeriodForAll(turns: [Double?], lengths: [Double], period: Double?) {
        #expect(TurnAlignment.commonPeriod(turns: turns, lengths: lengths) == period)
    }

    @Test func aLookWithoutATurnSpreadsItsClipOverThePeriod() {
        let frames = 96
        let shown = stride(from: Float(0), to: 1, by: 0.01).map { TurnAlignment.frame(atPhase: $0, frameCount: frames) }
        #expect(shown.first == 0 && shown.last! >= frames - 2 && shown.allSatisfy { $0 < frames })
        #expect(zip(shown, shown.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(TurnAlignment.frame(atPhase: 0.999_999, frameCount: frames) == frames - 1)
        #expect(TurnAlignment.frame(atPhase: 0.5, frameCount: 1) == 0)
    }
}
