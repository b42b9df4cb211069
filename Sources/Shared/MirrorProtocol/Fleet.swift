public import Foundation
import MirrorCore

/// One mirror as head office sees it: registry facts from the hub and the last telemetry it pulled.
public struct FleetDevice: Codable, Sendable, Equatable {
    public var id: String
    public var storeId: String
    public var name: String
    /// True while the hub's last pull of `/v1/telemetry` succeeded recently (within three poll intervals plus the pull timeout).
    public var online: Bool
    public var version: String?
    /// `host:port` the hub pulls telemetry from; nil until the mirror has said where it listens.
    public var target: String?
    /// The mirror's last sync exchange with the hub.
    public var lastSeen: Date?
    /// The last telemetry pulled successfully, and when.
    public var lastTelemetry: Date?
    public var telemetry: TelemetryReport?
    /// Why the last pull failed, when it did.
    public var pollError: String?
    /// What needs looking at: offline, unreachable, or the mirror's own alerts.
    public var alerts: [String]

    public init(
        id: String, storeId: String, name: String, online: Bool, version: String?, target: String?,
        lastSeen: Date?, lastTelemetry: Date?, telemetry: TelemetryReport?, pollError: String?, alerts: [String]
    ) {
        self.id = id
        self.storeId = storeId
        self.name = name
        self.online = online
        self.version = version
        self.target = target
        self.lastSeen = lastSeen
        self.lastTelemetry = lastTelemetry
        self.telemetry = telemetry
        self.pollError = pollError
        self.alerts = alerts
    }
}

/// A target group of Prometheus HTTP service discovery
/// (https://prometheus.io/docs/prometheus/latest/http_sd/): addresses to scrape and labels for them.
public struct PrometheusTargetGroup: Codable, Sendable, Equatable {
    public var targets: [String]
    public var labels: [String: String]

    public init(targets: [String], labels: [String: String]) {
        self.targets = targets
        self.labels = labels
    }
}
