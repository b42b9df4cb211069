public import MirrorCore

/// What `mirrord` reports about itself on `GET /v1/status`; `mirrorctl status` prints it.
public struct StatusReport: Codable, Sendable, Equatable {
    public struct Camera: Codable, Sendable, Equatable {
        /// `starting`, `streaming`, `reconnecting` or `stopped`.
        public var state: String
        /// The device: a path, or `replay:<file>` for recorded input.
        public var device: String
        public var format: String
        public var width: Int
        public var height: Int
        /// Frames per second over the last two seconds.
        public var fps: Double
        public var framesCaptured: UInt64
        /// Frames the driver or the replay source skipped (sequence gaps).
        public var framesDropped: UInt64
        /// Frames that failed validation and were discarded.
        public var framesCorrupt: UInt64
        /// What is wrong with the camera's frames when every one is dropped (e.g. "…12-bit JPEG frames, which the
        /// decoder cannot read…"); absent while frames are used, and from reports of older daemons.
        public var problem: String?

        public init(
            state: String, device: String, format: String, width: Int, height: Int, fps: Double,
            framesCaptured: UInt64, framesDropped: UInt64, framesCorrupt: UInt64, problem: String? = nil
        ) {
            self.problem = problem
            self.state = state
            self.device = device
            self.format = format
            self.width = width
            self.height = height
            self.fps = fps
            self.framesCaptured = framesCaptured
            self.framesDropped = framesDropped
            self.framesCorrupt = framesCorrupt
        }
    }

    public struct Display: Codable, Sendable, Equatable {
        /// A framebuffer device path, or `file:<path>` for the file-backed panel.
        public var device: String
        public var width: Int
        public var height: Int
        /// The pixel layout, e.g. `XRGB8888`, `XBGR8888`, `RGB565`.
        public var pixelFormat: String
        public var rotation: Int
        public var fps: Double
        public var framesShown: UInt64
        /// Median and 99th percentile of capture-to-framebuffer latency over recent frames, in ms.
        public var latencyP50Ms: Double
        public var latencyP99Ms: Double
        /// Camera frames that passed capture's checks but the display could not decode (bit flips inside the
        /// entropy-coded data); absent from reports of older daemons.
        public var decodeErrors: UInt64?

        public init(
            device: String, width: Int, height: Int, pixelFormat: String, rotation: Int, fps: Double,
            framesShown: UInt64, latencyP50Ms: Double, latencyP99Ms: Double, decodeErrors: UInt64? = nil
        ) {
            self.device = device
            self.width = width
            self.height = height
            self.pixelFormat = pixelFormat
            self.rotation = rotation
            self.fps = fps
            self.framesShown = framesShown
            self.latencyP50Ms = latencyP50Ms
            self.latencyP99Ms = latencyP99Ms
            self.decodeErrors = decodeErrors
        }
    }

    public var version: String
    public var profile: String
    public var uptimeSeconds: Double
    public var camera: Camera
    public var display: Display
    public var consumers: [FrameBus.ConsumerStats]
    /// The TCP servers' bound addresses by name (`remote`, `metrics`, `share`): what a config's port 0 became;
    /// absent from reports of older daemons.
    public var listeners: [String: String]?

    public init(
        version: String, profile: String, uptimeSeconds: Double, camera: Camera, display: Display,
        consumers: [FrameBus.ConsumerStats], listeners: [String: String]? = nil
    ) {
        self.listeners = listeners
        self.version = version
        self.profile = profile
        self.uptimeSeconds = uptimeSeconds
        self.camera = camera
        self.display = display
        self.consumers = consumers
    }
}
