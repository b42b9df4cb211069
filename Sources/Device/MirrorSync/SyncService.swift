public import Foundation
public import Logging
public import MirrorCore
public import MirrorProtocol
public import MirrorStore
public import ServiceLifecycle
import Synchronization

/// How sync is going, for `/v1/status`, metrics and the fleet view.
public struct SyncStatus: Sendable, Equatable, Codable {
    public var connected: Bool
    public var lastSuccess: Date?
    public var lastError: String?
    public var consecutiveFailures: Int
    public var pushedOps: Int64
    public var pulledChanges: Int64
    /// Ops sent again because the hub held fewer than it had acknowledged (restored from a backup).
    public var resentOps: Int64
    /// Ops the hub lost that were already past the device's retention window (should stay 0).
    public var unrecoverableOps: Int64
    /// Exchanges attempted since the start, successful or not.
    public var rounds: Int64

    public init() {
        connected = false
        consecutiveFailures = 0
        pushedOps = 0
        pulledChanges = 0
        resentOps = 0
        unrecoverableOps = 0
        rounds = 0
    }
}

/// Keeps the device and the hub in step: hello, push the outbox, pull shared data; again every `interval`.
/// Failures back off exponentially with full jitter (so a store's mirrors coming back after an outage do not all
/// call at once), capped at `maxBackoff`. Graceful shutdown ends a wait or an exchange at once: the outbox and the
/// pull cursor are transactional, so an interrupted round is simply done again at the next start.
public final class SyncService: Service, Sendable {
    let hubURL: String
    let trust: HubTrust
    let credentialFile: String
    let store: DeviceStore
    let logger: Logger
    let interval: Duration
    let maxBackoff: Duration
    let state: Mutex<SyncStatus>
    /// Called after a pulled page changed something: new stock or catalog items for the suggestions, and the
    /// shoppers erased at head office with their shredded clips, for the daemon to purge what it holds.
    let onPulled: @Sendable (PullSummary) -> Void
    /// Where the mirror serves `/v1/telemetry`, told to the hub so its fleet view can pull it: the remote API's
    /// HTTPS port with the SHA-256 of its certificate (the one the hub's pulls trust), or the plain metrics port;
    /// asked each round, since a listener on port 0 knows its port only once it runs.
    let telemetryPort: @Sendable () -> Int?
    let telemetryCertificateSHA256: [UInt8]?
    /// Set by ``nudge()``; the wait between rounds ends when it is.
    private let nudged = Atomic<Bool>(false)

    public init(
        hubURL: String, trust: HubTrust = .systemStore, credentialFile: String, store: DeviceStore, logger: Logger,
        interval: Duration = .seconds(5), maxBackoff: Duration = .seconds(300),
        telemetryPort: @escaping @Sendable () -> Int? = { nil },
        telemetryCertificateSHA256: [UInt8]? = nil, onPulled: @escaping @Sendable (PullSummary) -> Void = { _ in }
    ) {
        self.telemetryPort = telemetryPort
        self.telemetryCertificateSHA256 = telemetryCertificateSHA256
        self.hubURL = hubURL
        self.trust = trust
        self.credentialFile = credentialFile
        self.store = store
        self.logger = logger
        self.interval = interval
        self.maxBackoff = maxBackoff
        self.onPulled = onPulled
        state = Mutex(SyncStatus())
    }

    public var status: SyncStatus { state.withLock { $0 } }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var failures = 0
        while !Task.isCancelled {
            let delay: Duration
            state.withLock { $0.rounds += 1 }
            do {
                try await round()
                failures = 0
                delay = interval
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let ceiling = min(maxBackoff, .seconds(1) * (1 << min(failures, 16)))
                delay = ceiling * Double.random(in: 0.1...1)
                state.withLock {
                    $0.connected = false
                    $0.lastError = "\(error)"
                    $0.consecutiveFailures = failures
                }
                logger.warning("sync failed", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
            }
            if await waitOrWake(delay) { failures = 0 }
        }
    }

    /// Starts the next round now instead of after the current wait (and forgets the backoff).
    public func nudge() { nudged.store(true, ordering: .releasing) }

    /// Sleeps for `delay`, in slices of at most 250 ms so a nudge is seen; true when a nudge ended the wait early.
    /// (An AsyncStream is not used here: cancelling a task that awaits one finishes the stream for good.)
    private func waitOrWake(_ delay: Duration) async -> Bool {
        let deadline = ContinuousClock.now + delay
        while !Task.isCancelled {
            if nudged.exchange(false, ordering: .acquiringAndReleasing) { return true }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            try? await Task.sleep(for: min(left, .milliseconds(250)))
        }
        return false
    }

    /// The credential `mirrord --enroll-token` wrote.
    static func readCredential(_ path: String) throws(SyncError) -> String {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else {
            throw SyncError(
                .badCredential, "this mirror is not enrolled (no \(path)); run mirrord --enroll-token TOKEN")
        }
        return text
    }

    /// Enrols with the hub using a one-time token and writes the credential to `credentialFile` (0600, with
    /// ``DurableFile``: a crash leaves the old file or the new one).
    public static func enrol(
        hubURL: String, trust: HubTrust = .systemStore, token: String, name: String, credentialFile: String
    ) async throws -> EnrolResponse {
        let response = try await HubClient(baseURL: hubURL, credential: nil, trust: trust).enrol(
            token: token, name: name)
        do {
            try DurableFile.write(Array((response.credential + "\n").utf8), to: credentialFile)
        } catch {
            throw SyncError(.badCredential, "cannot write \(credentialFile): \(error)")
        }
        return response
    }

    /// Asks the hub for an opted-in shopper's profile, waiting at most `timeout` (the shopper is standing at the
    /// mirror; when the hub does not answer in time, the cached copy is used). Nil when the hub has none.
    public static func lookUpShopper(
        _ loyaltyId: String, hubURL: String, trust: HubTrust = .systemStore, credentialFile: String,
        timeoutMilliseconds: Int64 = 3000
    ) async throws(SyncError) -> JSONValue? {
        let client = HubClient(
            baseURL: hubURL, credential: try readCredential(credentialFile), trust: trust,
            timeout: .milliseconds(timeoutMilliseconds))
        return try await client.shopper(loyaltyId: loyaltyId)
    }

    /// One exchange: hello (re-send what a restored hub lost), push everything pending, pull every page.
    public func round() async throws {
        let client = HubClient(baseURL: hubURL, credential: try Self.readCredential(credentialFile), trust: trust)
        let hello = try await client.hello(
            telemetryPort: telemetryPort(), certificateSHA256: telemetryCertificateSHA256)
        try store.receive(hubStamp: hello.serverHLC)
        let (resent, unrecoverable) = try store.resendAfter(hubAcked: hello.ackedSeq)
        if resent > 0 || unrecoverable > 0 {
            logger.warning(
                "the hub holds fewer of this mirror's changes than it acknowledged; sending them again",
                metadata: ["hub_acked": "\(hello.ackedSeq)", "resent": "\(resent)", "lost": "\(unrecoverable)"])
        }
        var pushed: Int64 = 0
        while true {
            let ops = try store.pendingOps()
            if ops.isEmpty { break }
            let response = try await client.push(ops)
            try store.receive(hubStamp: response.serverHLC)
            try store.markAcked(
                upTo: response.ackedSeq, at: Date(timeIntervalSince1970: Double(response.serverHLC.millis) / 1000))
            pushed += Int64(ops.count)
            // The hub acknowledged nothing new (a gap it is waiting for): stop rather than loop.
            if response.ackedSeq < ops[0].seq { break }
        }
        var pulled: Int64 = 0
        while true {
            let local = try store.syncState()
            let page = try await client.pull(epoch: local.epoch, cursor: local.cursor)
            let summary = try store.applyPulled(page)
            pulled += Int64(summary.applied)
            if summary.applied > 0 { onPulled(summary) }
            if !page.more { break }
        }
        state.withLock {
            $0.connected = true
            $0.lastSuccess = Date()
            $0.lastError = nil
            $0.consecutiveFailures = 0
            $0.pushedOps += pushed
            $0.pulledChanges += pulled
            $0.resentOps += Int64(resent)
            $0.unrecoverableOps += unrecoverable
        }
    }
}
