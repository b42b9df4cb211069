public import Foundation
import MirrorCore

/// A mirror's health in one small document: what `GET /v1/telemetry` answers and the hub's fleet view
/// keeps. It holds no shopper data: counts, rates and device facts only.
public struct TelemetryReport: Codable, Sendable, Equatable {
    public struct Camera: Codable, Sendable, Equatable {
        /// `starting`, `streaming`, `reconnecting` or `stopped`.
        public var state: String
        public var fps: Double
        public var framesDropped: UInt64
        public var framesCorrupt: UInt64
        public var reconnects: UInt64

        public init(state: String, fps: Double, framesDropped: UInt64, framesCorrupt: UInt64, reconnects: UInt64) {
            self.state = state
            self.fps = fps
            self.framesDropped = framesDropped
            self.framesCorrupt = framesCorrupt
            self.reconnects = reconnects
        }
    }

    public struct Sync: Codable, Sendable, Equatable {
        /// False when the configuration has no hub section.
        public var enabled: Bool
        public var lastSuccess: Date?
        /// Ops made on the mirror that the hub has not acknowledged yet.
        public var outboxPending: Int
        public var consecutiveFailures: Int
        public var lastError: String?

        public init(
            enabled: Bool, lastSuccess: Date?, outboxPending: Int, consecutiveFailures: Int, lastError: String?
        ) {
            self.enabled = enabled
            self.lastSuccess = lastSuccess
            self.outboxPending = outboxPending
            self.consecutiveFailures = consecutiveFailures
            self.lastError = lastError
        }
    }

    public var version: String
    public var profile: String
    /// The recognition model's name, or nil when vision is off.
    public var model: String?
    public var at: Date
    public var uptimeSeconds: Double
    /// False when a service is stuck or the camera is not streaming (as `/healthz`).
    public var healthy: Bool
    /// What staff or head office should look at, one line each (empty when all is well).
    public var alerts: [String]
    public var camera: Camera
    public var displayFPS: Double
    public var displayLatencyP99Ms: Double
    public var diskFreeBytes: Int64
    public var diskTotalBytes: Int64
    public var clipsStored: Int
    public var sessions: UInt64
    /// The hottest thermal zone, when the machine has any.
    public var temperatureCelsius: Double?
    public var sync: Sync

    public init(
        version: String, profile: String, model: String?, at: Date, uptimeSeconds: Double, healthy: Bool,
        alerts: [String], camera: Camera, displayFPS: Double, displayLatencyP99Ms: Double, diskFreeBytes: Int64,
        diskTotalBytes: Int64, clipsStored: Int, sessions: UInt64, temperatureCelsius: Double?, sync: Sync
    ) {
        self.version = version
        self.profile = profile
        self.model = model
        self.at = at
        self.uptimeSeconds = uptimeSeconds
        self.healthy = healthy
        self.alerts = alerts
        self.camera = camera
        self.displayFPS = displayFPS
        self.displayLatencyP99Ms = displayLatencyP99Ms
        self.diskFreeBytes = diskFreeBytes
        self.diskTotalBytes = diskTotalBytes
        self.clipsStored = clipsStored
        self.sessions = sessions
        self.temperatureCelsius = temperatureCelsius
        self.sync = sync
    }

    /// The JSON coding every program uses for it: ISO 8601 dates, sorted keys.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
