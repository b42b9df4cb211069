public import MirrorCore

/// The recognition core as `GET /v1/vision` reports it; `mirrorctl vision` prints it.
public struct VisionReport: Codable, Sendable, Equatable {
    /// Whether the daemon runs recognition (a `vision` section in its config and a loadable model).
    public var enabled: Bool
    /// Why recognition is off or failing, in words staff can act on.
    public var problem: String?
    /// The model and its checksum, and the threads one inference uses.
    public var model: String
    public var threads: Int
    /// Whether the empty-room background is calibrated (`mirrorctl calibrate`).
    public var calibrated: Bool
    /// Whether a person is in view now, and where.
    public var present: Bool
    public var person: NormalizedBox?
    /// Catalog items the garments are matched against.
    public var catalogItems: Int
    public var framesAnalysed: UInt64
    /// Milliseconds the last analysed frame took, all regions included.
    public var lastAnalysisMilliseconds: Double
    /// What the last analysed frame shows.
    public var current: [GarmentObservation]
    /// What the session so far shows, voted over its frames.
    public var session: [GarmentObservation]

    public init(
        enabled: Bool, problem: String? = nil, model: String, threads: Int, calibrated: Bool, present: Bool,
        person: NormalizedBox? = nil, catalogItems: Int, framesAnalysed: UInt64, lastAnalysisMilliseconds: Double,
        current: [GarmentObservation], session: [GarmentObservation]
    ) {
        self.enabled = enabled
        self.problem = problem
        self.model = model
        self.threads = threads
        self.calibrated = calibrated
        self.present = present
        self.person = person
        self.catalogItems = catalogItems
        self.framesAnalysed = framesAnalysed
        self.lastAnalysisMilliseconds = lastAnalysisMilliseconds
        self.current = current
        self.session = session
    }
}
