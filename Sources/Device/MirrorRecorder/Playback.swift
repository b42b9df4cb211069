public import MirrorCore

/// Which frame of a clip to show after a given time of playback: speed, looping and scrubbing, no I/O.
///
/// Playback runs from a start frame (``start``, 0 unless scrubbed); the display measures the time elapsed
/// since playback (re)started and asks ``frameIndex(at:)``. Scrubbing, or ``rebase(at:)`` before changing
/// ``speed``, sets a new start frame, and the display restarts its elapsed time from zero.
public struct PlaybackClock: Sendable, Equatable {
    /// The number of frames in the clip.
    public let frameCount: Int
    /// The clip's recorded frame rate.
    public let fps: Double
    /// 1.0 for real time, 0.5 for half speed (each frame shown twice as long).
    public var speed: Double
    /// Whether playback starts again at frame 0 after the last frame (else it stays on the last frame).
    public var loop: Bool
    /// The frame shown at elapsed time zero.
    public private(set) var start = 0

    /// A clock for `frameCount` frames recorded at `fps`.
    public init(frameCount: Int, fps: Double, speed: Double = 1, loop: Bool = true) {
        precondition(frameCount >= 0 && fps > 0 && speed > 0)
        self.frameCount = frameCount
        self.fps = fps
        self.speed = speed
        self.loop = loop
    }

    /// How long one pass over the clip takes at the current speed.
    public var passDuration: Duration { .seconds(Double(frameCount) / (fps * speed)) }

    /// The frame to show `elapsed` after playback (re)started.
    public func frameIndex(at elapsed: Duration) -> Int {
        guard frameCount > 0 else { return 0 }
        let time = max(0, elapsed.seconds)
        let ticks = Int((time * fps * speed + 1e-9).rounded(.down))
        let raw = start + ticks
        if loop { return raw % frameCount }
        return min(raw, frameCount - 1)
    }

    /// Whether a non-looping playback has reached its last frame `elapsed` after it started.
    public func isAtEnd(at elapsed: Duration) -> Bool {
        !loop && frameIndex(at: elapsed) == max(0, frameCount - 1)
    }

    /// Starts playback at the frame `fraction` (0...1) of the way through the clip.
    public mutating func scrub(toFraction fraction: Double) {
        guard frameCount > 0 else { return }
        let clamped = min(1, max(0, fraction.isNaN ? 0 : fraction))
        start = Int((clamped * Double(frameCount - 1)).rounded())
    }

    /// Starts playback `frames` away from the frame shown `elapsed` after the last start (clamped to the
    /// clip, or wrapping around when looping).
    public mutating func scrub(byFrames frames: Int, from elapsed: Duration = .zero) {
        guard frameCount > 0 else { return }
        let target = frameIndex(at: elapsed) + frames
        if loop {
            start = ((target % frameCount) + frameCount) % frameCount
        } else {
            start = min(frameCount - 1, max(0, target))
        }
    }

    /// Makes the frame shown `elapsed` after the last start the new start (do this before changing speed).
    public mutating func rebase(at elapsed: Duration) {
        start = frameIndex(at: elapsed)
    }
}

/// Hands a display loop the JPEG bytes of a clip's frames, reading a few frames ahead.
///
/// Keeps at most `readAhead + 1` frames: the one asked for and the next `readAhead` (wrapping to the
/// start, as a looping clip does). Decoding is the caller's business.
public final class ClipPlayer {
    /// The clip being played.
    public let reader: AVIReader
    /// How many frames after the current one are kept ready.
    public let readAhead: Int
    private var cache: [Int: [UInt8]] = [:]

    /// Plays the clip read by `reader`.
    public init(reader: AVIReader, readAhead: Int = 4) {
        precondition(readAhead >= 0)
        self.reader = reader
        self.readAhead = readAhead
    }

    /// The number of frames in the clip.
    public var frameCount: Int { reader.frames.count }

    /// The number of frames held in memory now (at most `readAhead + 1`).
    public var cachedFrameCount: Int { cache.count }

    /// A clock for this clip at its recorded frame rate.
    public func clock(speed: Double = 1, loop: Bool = true) -> PlaybackClock {
        PlaybackClock(frameCount: frameCount, fps: reader.fps > 0 ? reader.fps : 30, speed: speed, loop: loop)
    }

    /// The JPEG bytes of frame `index`; then makes sure the next `readAhead` frames are ready.
    public func frame(_ index: Int) throws(RecorderError) -> [UInt8] {
        precondition(reader.frames.indices.contains(index), "frame \(index) of \(frameCount)")
        let window = (0...min(readAhead, frameCount - 1)).map { (index + $0) % frameCount }
        cache = cache.filter { window.contains($0.key) }
        let bytes: [UInt8]
        if let hit = cache[index] {
            bytes = hit
        } else {
            bytes = try reader.frame(index)
            cache[index] = bytes
        }
        for next in window.dropFirst() where cache[next] == nil {
            cache[next] = try reader.frame(next)
        }
        return bytes
    }
}
