/// Follows a shopper turning on the spot from the width of their silhouette, frame by frame.
///
/// Seen by the camera, a person is widest facing it or facing away and narrowest in profile, so one full
/// turn makes the width dip twice: front (0°) → profile (90°, a minimum) → back (180°, a maximum) →
/// profile (270°, a minimum) → front (360°). The tracker smooths the width, finds the extremes with
/// hysteresis (a swing must exceed a share of the silhouette's width, so breathing or an arm moving is
/// not a turn), and reports the turn complete when, after the second dip, the width has come back
/// most of the way to where it started. Phases per frame are interpolated in time between the extremes.
public struct TurnTracker: Sendable {
    public enum Event: Sendable, Equatable {
        /// Still turning (or not yet started).
        case turning
        /// One full turn is done.
        case complete
    }

    /// A swing counts when the width moves by this share of the starting width.
    public var hysteresis: Float = 0.12
    /// After the second dip, the turn is complete when the width is back to this share of the start.
    public var returnShare: Float = 0.85

    private var smoothed: Float?
    private var startWidth: Float?
    /// When the turn being followed began (phase 0).
    private var origin: Double?
    /// Times of the extremes found so far: 90°, 180°, 270°, 360°.
    private var marks: [Double] = []
    private var lookingForMinimum = true
    private var extreme: (time: Double, width: Float)?
    public private(set) var isComplete = false

    public init() {}

    /// Adds the silhouette width (any unit, e.g. the person box's share of the frame) at `time` seconds.
    @discardableResult
    public mutating func add(width: Float, at time: Double) -> Event {
        guard width.isFinite, width > 0, !isComplete else { return isComplete ? .complete : .turning }
        let value = smoothed.map { $0 + 0.5 * (width - $0) } ?? width
        smoothed = value
        guard let start = startWidth else {
            startWidth = value
            origin = time
            extreme = (time, value)
            return .turning
        }
        let swing = hysteresis * start
        guard let current = extreme else { return .turning }
        if lookingForMinimum {
            if marks.isEmpty, value > start {
                // Wider than at the start before any dip: the recording began part-way into a turn (in
                // profile, say). The turn is counted from this wider view instead, or it is never closed.
                startWidth = value
                origin = time
                extreme = (time, value)
            } else if value < current.width {
                extreme = (time, value)
            } else if value > current.width + swing && current.width < start - swing {
                marks.append(current.time)  // a profile: 90° or 270°
                lookingForMinimum = false
                extreme = (time, value)
            }
        } else {
            if value > current.width {
                extreme = (time, value)
            }
            if marks.count == 1, value < current.width - swing {
                marks.append(current.time)  // the back: 180°
                lookingForMinimum = true
                extreme = (time, value)
            } else if marks.count == 3, value >= returnShare * start {
                marks.append(time)  // facing the camera again: 360°
                isComplete = true
                return .complete
            }
        }
        return .turning
    }

    /// The turn phase (0 = facing the camera at the start, 1 = one full turn) at each of `times`,
    /// interpolated between the extremes found; nil where the turn has not been followed that far.
    public func phases(at times: [Double]) -> [Float?] {
        // Before the first profile is seen, standing still and the start of a turn look alike.
        guard let first = origin, !marks.isEmpty else { return times.map { _ in nil } }
        let anchors = [(first, Float(0))] + marks.enumerated().map { ($1, Float($0 + 1) * 0.25) }
        return times.map { time in
            guard time >= first else { return 0 }
            for (a, b) in zip(anchors, anchors.dropFirst()) where time <= b.0 {
                let span = b.0 - a.0
                return a.1 + (span > 0 ? Float((time - a.0) / span) : 0) * (b.1 - a.1)
            }
            return isComplete ? 1 : nil
        }
    }
}
