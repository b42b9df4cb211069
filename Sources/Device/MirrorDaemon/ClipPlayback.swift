import Foundation
import MirrorCore
import MirrorRecorder

/// A clip played on the panel: the frame for the moment asked, looping, at 1× or 0.5×, scrubbable.
final class ClipPlayback: PlayableClip {
    struct State {
        let player: ClipPlayer
        var clock: PlaybackClock
        var start: MonotonicInstant
        /// Playing by turn phase (side by side): one turn's seconds, and the phase at `start`.
        var period: Double?
        var phaseOffset: Float = 0

        /// The frame to show at `now`: by the common phase when in step with other looks (by its turn when it has
        /// one), else by the clip's own clock.
        func index(at now: MonotonicInstant, alignment: TurnAlignment?) -> Int {
            if let period {
                let phase = phase(at: now, period: period)
                return alignment?.frame(atPhase: phase)
                    ?? TurnAlignment.frame(atPhase: phase, frameCount: player.frameCount)
            }
            return clock.frameIndex(at: now.since(start))
        }

        func phase(at now: MonotonicInstant, period: Double) -> Float {
            TurnAlignment.phase(at: now.since(start), offset: phaseOffset, period: period, speed: clock.speed)
        }
    }

    let width: Int
    let height: Int
    let alignment: TurnAlignment?
    let state: Guarded<State>

    init(reader: AVIReader, start: MonotonicInstant, alignment: TurnAlignment? = nil) {
        width = reader.width
        height = reader.height
        self.alignment = alignment
        let player = ClipPlayer(reader: reader)
        state = Guarded(State(player: player, clock: player.clock(), start: start))
    }

    var turnSeconds: Double? {
        state.withLock { s in alignment.map { $0.turnSeconds(fps: s.clock.fps) } }
    }

    var seconds: Double {
        state.withLock { s in Double(s.player.frameCount) / s.clock.fps }
    }

    func align(period: Double, at now: MonotonicInstant) {
        guard period > 0 else { return }
        state.withLock { s in
            s.period = period
            s.phaseOffset = 0
            s.start = now
        }
    }

    func frame(at now: MonotonicInstant) -> Frame? {
        state.withLock { s -> Frame? in
            let index = s.index(at: now, alignment: alignment)
            guard let bytes = try? s.player.frame(index) else { return nil }
            return Frame(
                sequence: UInt64(index), timestamp: now, format: .mjpeg, width: width, height: height,
                bytes: FrameBytes(bytes))
        }
    }

    func position(at now: MonotonicInstant) -> Double {
        state.withLock { s in
            if let period = s.period { return Double(s.phase(at: now, period: period)) }
            let count = max(s.player.frameCount - 1, 1)
            return Double(s.clock.frameIndex(at: now.since(s.start))) / Double(count)
        }
    }

    func setSlowMotion(_ slow: Bool, at now: MonotonicInstant) {
        state.withLock { s in
            if let period = s.period { s.phaseOffset = s.phase(at: now, period: period) }
            s.clock.rebase(at: now.since(s.start))
            s.start = now
            s.clock.speed = slow ? 0.5 : 1
        }
    }

    func scrub(by fraction: Double, at now: MonotonicInstant) {
        state.withLock { s in
            if let period = s.period {
                // Aligned looks share a scrub: the phase moves by the same fraction of a turn.
                let phase = Double(s.phase(at: now, period: period)) + fraction
                s.phaseOffset = Float(phase - phase.rounded(.down))
                s.start = now
                return
            }
            let frames = Int((fraction * Double(s.player.frameCount)).rounded())
            s.clock.scrub(byFrames: frames, from: now.since(s.start))
            s.start = now
        }
    }
}

func fileSize(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}
