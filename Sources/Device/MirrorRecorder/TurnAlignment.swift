import MirrorCore

/// Plays looks side by side at the same angle: maps a common turn phase onto each clip's frames, using
/// the phase per frame that the vision core stored with the clip.
public struct TurnAlignment: Sendable, Equatable {
    /// Phases of the frames whose phase is known, non-decreasing, and those frames' indices.
    private let phases: [Float]
    private let frames: [Int]

    /// Nil when fewer than two frames have a phase or they do not span part of a turn.
    public init?(phases perFrame: [Float?]) {
        var phases: [Float] = []
        var frames: [Int] = []
        for (index, phase) in perFrame.enumerated() {
            guard let phase, phase.isFinite, (0...1).contains(phase) else { continue }
            // Keep the order of the turn: a phase that goes back (noise) is skipped.
            if let last = phases.last, phase < last { continue }
            phases.append(phase)
            frames.append(index)
        }
        guard phases.count >= 2, let first = phases.first, let last = phases.last, last > first else { return nil }
        self.phases = phases
        self.frames = frames
    }

    /// How long the shopper took for the turn's frames, at `fps`.
    public func turnSeconds(fps: Double) -> Double {
        Double(frames[frames.count - 1] - frames[0] + 1) / fps
    }

    /// The frame whose phase is nearest to `phase` (0…1 of a turn).
    public func frame(atPhase phase: Float) -> Int {
        var low = 0
        var high = phases.count - 1
        while low < high {
            let middle = (low + high) / 2
            if phases[middle] < phase { low = middle + 1 } else { high = middle }
        }
        if low > 0, abs(phases[low - 1] - phase) <= abs(phases[low] - phase) { return frames[low - 1] }
        return frames[low]
    }

    /// The frame at `phase` of a clip with no turn followed, in step with turning looks: its whole length spread
    /// over one period.
    public static func frame(atPhase phase: Float, frameCount: Int) -> Int {
        guard frameCount > 1 else { return 0 }
        return min(frameCount - 1, max(0, Int((Double(phase) * Double(frameCount)).rounded(.down))))
    }

    /// One period for looks played side by side, so they start and loop together: the slowest turn's when
    /// every look has a turn; a look with none plays its whole clip over the period, which is then at least that
    /// clip's length (the turns are slowed down rather than that look hurried). Nil for fewer than two looks.
    public static func commonPeriod(turns: [Double?], lengths: [Double]) -> Double? {
        guard turns.count >= 2, turns.count == lengths.count else { return nil }
        let without = zip(turns, lengths).compactMap { turn, length in turn == nil ? length : nil }
        let period = (turns.compactMap { $0 } + without).max() ?? 0
        return period > 0 ? period : nil
    }

    /// The common phase `elapsed` into aligned playback that started at `offset`, one turn taking
    /// `period` seconds at 1× (`speed` 0.5 is slow motion); wraps around after a turn.
    public static func phase(at elapsed: Duration, offset: Float, period: Double, speed: Double) -> Float {
        guard period > 0 else { return offset }
        let turns = Double(offset) + max(0, elapsed.seconds) * speed / period
        return Float(turns - turns.rounded(.down))
    }
}
