import Foundation
import MirrorCore
import MirrorProtocol
public import Prometheus
import Synchronization

/// The daemon-wide metrics that do not belong to one service: sessions, consent answers, suggestions, and the
/// gauges read from the machine and the store when `/metrics` is scraped.
///
/// Names follow Prometheus conventions: one `mirror_` prefix, base units (seconds, bytes, celsius), `_total`
/// on counters; labels carry no shopper data.
public final class DeviceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let sessions: Counter
    let consentAccepted: Counter
    let consentDeclined: Counter
    let suggestionsShown: Counter
    let suggestionsRequested: Counter
    let suggestionsFavourited: Counter
    let diskFree: Gauge
    let clipsStored: Gauge
    let outboxOps: Gauge
    let syncLag: Gauge
    let syncFailures: Gauge
    private let sessionCount = Atomic<UInt64>(0)

    /// Sessions started since the daemon started.
    var sessionsStarted: UInt64 { sessionCount.load(ordering: .relaxed) }

    func sessionStarted() {
        sessionCount.add(1, ordering: .relaxed)
        sessions.increment()
    }

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        sessions = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_sessions", unitName: "total", helpText: "Shopper sessions started at the mirror."))
        let consent = MetricNameDescriptor(
            metricName: "mirror_consent_answers", unitName: "total",
            helpText: "Answers to the recording consent question, by answer.")
        consentAccepted = registry.makeCounter(descriptor: consent, labels: [("answer", "accepted")])
        consentDeclined = registry.makeCounter(descriptor: consent, labels: [("answer", "declined")])
        suggestionsShown = registry.makeCounter(
            descriptor: .init(
                metricName: "mirror_suggestions_shown", unitName: "total",
                helpText: "Suggestion cards shown to shoppers (each item once per session)."))
        let accepted = MetricNameDescriptor(
            metricName: "mirror_suggestions_accepted", unitName: "total",
            helpText: "Suggestions a shopper acted on, by action (request: staff bring it; favourite).")
        suggestionsRequested = registry.makeCounter(descriptor: accepted, labels: [("action", "request")])
        suggestionsFavourited = registry.makeCounter(descriptor: accepted, labels: [("action", "favourite")])
        diskFree = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_disk_free", unitName: "bytes",
                helpText: "Free space on the file system holding the state directory."))
        clipsStored = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_clips_stored", unitName: "", helpText: "Clips on the mirror now (all sessions)."))
        outboxOps = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_sync_outbox_ops", unitName: "",
                helpText: "Ops made on the mirror that the hub has not acknowledged yet."))
        syncLag = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_sync_lag", unitName: "seconds",
                helpText: "Time since the last successful exchange with the hub (since start when none yet)."))
        syncFailures = registry.makeGauge(
            descriptor: .init(
                metricName: "mirror_sync_consecutive_failures", unitName: "",
                helpText: "Failed exchanges with the hub since the last success."))
    }

    /// Sets the gauges read at scrape time from `telemetry`, and one temperature gauge per thermal zone.
    func refresh(_ telemetry: TelemetryReport, zones: [(zone: String, type: String, celsius: Double)]) {
        diskFree.set(Double(telemetry.diskFreeBytes))
        clipsStored.set(Double(telemetry.clipsStored))
        outboxOps.set(Double(telemetry.sync.outboxPending))
        syncLag.set(
            telemetry.sync.lastSuccess.map { max(0, telemetry.at.timeIntervalSince($0)) } ?? telemetry.uptimeSeconds)
        syncFailures.set(Double(telemetry.sync.consecutiveFailures))
        for zone in zones {
            registry.makeGauge(
                descriptor: .init(
                    metricName: "mirror_temperature", unitName: "celsius",
                    helpText: "Temperature of each thermal zone the kernel reports."),
                labels: [("zone", zone.zone), ("type", zone.type)]
            ).set(zone.celsius)
        }
    }
}
