import Foundation

/// The configuration of `mirrord`, read from one YAML file (see `config/` in the repository).
public struct DaemonConfig: Sendable, Equatable {
    public struct API: Sendable, Equatable {
        /// The Unix domain socket `mirrorctl` talks to.
        public var socket: String
        /// Optional TCP `host:port` serving only `/healthz`, `/metrics` and `/v1/telemetry`, for Prometheus and
        /// the hub's fleet view.
        public var metricsListen: HostPort?
        /// The group whose members may use the socket (mode 0660); without one only mirrord's user may (0600).
        public var socketGroup: String?
        /// Optional HTTPS `host:port` serving the whole staff API to a remote `mirrorctl --remote`, with a token.
        public var remote: Remote?
    }

    /// The staff API over HTTPS: where, the server's certificate and key (PEM), and the file holding the token
    /// callers must send as `Authorization: Bearer`.
    public struct Remote: Sendable, Equatable {
        public var listen: HostPort
        public var certificate: String
        public var key: String
        public var tokenFile: String
    }

    public struct HostPort: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
    }

    /// How a shopper's session runs on the mirror.
    public struct SessionSettings: Sendable, Equatable {
        /// Seconds of countdown before a recording starts.
        public var countdownSeconds: Int = 3
        /// Seconds without a touch or API action after which the session ends and is purged.
        public var idleTimeoutSeconds: Int = 120
        /// Show the staff diagnostic panel (fps, latency, versions) from start-up.
        public var diagnostics = false

        /// The defaults.
        public init() {}
    }

    /// What a clip is and how long it is kept.
    public struct RecordingSettings: Sendable, Equatable {
        public var clipSeconds = 8
        /// Seconds of frames before the trigger that a clip starts with.
        public var preRollSeconds = 2.0
        /// Seconds of frames kept after a clip is stopped (by the shopper, or when a full turn is seen).
        public var postRollSeconds = 0.5
        /// Hours a clip is kept after its session ends, unless saved to the shopper's profile (72 at most).
        public var keepHours = 24
        /// Days a look saved to the shopper's profile is kept after its session ends (365 at most).
        public var savedDays = 90
        /// Disk space clips may take, in megabytes; the oldest expired clips go first.
        public var quotaMegabytes = 2048

        /// The defaults.
        public init() {}
    }

    /// The recognition core: which model, how many threads, how often frames are analysed.
    public struct VisionSettings: Sendable, Equatable {
        /// The model manifest (`models/efficientnet-lite0.json`); the model file and labels sit beside it.
        public var manifest: String
        /// Worker threads for one inference (1 leaves the other core to capture and display).
        public var threads = 1
        /// Frames analysed per second while a shopper is in view.
        public var analysisFPS = 2.0
        /// A folder of catalog photos (`<sku>.jpg`) to match garments against, when no hub catalog is synced.
        public var catalog: String?
    }

    /// The suggestions: where the device's cached catalog, stock and opted-in profiles are.
    public struct SuggestionSettings: Sendable, Equatable {
        /// A folder with `catalog.json`, `inventory.json`, `profiles.json` and `photos/<sku>.jpg`.
        public var catalog: String
    }

    /// Sync with the head-office hub.
    public struct HubSettings: Sendable, Equatable {
        /// The hub's base URL, e.g. `https://hub.example.com`.
        public var url: String
        /// The file holding this mirror's credential, written by `mirrord --enroll-token` (mode 0600).
        public var credentialFile: String
        /// Seconds between sync rounds when nothing new is queued.
        public var intervalSeconds = 10
        /// How long a shopper's profile fetched from the hub stays usable while the hub cannot be reached
        /// (0: never use a cached profile). Expired copies are deleted.
        public var profileCacheHours = 24
        /// The CA certificates (PEM) that vouch for the hub, instead of the system's store: the chain's own CA.
        public var caFile: String?
        /// The SHA-256 of the hub's own (self-signed) certificate, for a hub without a CA: only that certificate
        /// is trusted.
        public var certificateSHA256: [UInt8]?
        /// `http://` to a hub that is not on this machine, asked for by name (`allow_plain_http: true`).
        public var allowPlainHTTP = false
    }

    /// Share links: a look sent to the shopper's phone through a QR code and a PIN.
    public struct ShareSettings: Sendable, Equatable {
        /// Where phones on the store's network reach the mirror.
        public var listen: HostPort
        /// The base of the links in the QR codes, e.g. `http://192.168.1.40:8090`.
        public var url: String
        /// How long a link works (it also ends when its look is deleted).
        public var minutes = 15
    }

    public var file: String
    public var stateDirectory: String
    /// Nil when the config has no `share` section: Share then only lets staff export the session's looks.
    public var share: ShareSettings?
    /// Nil when the config has no `hub` section: the mirror then works alone.
    public var hub: HubSettings?
    /// Nil when the config has no `suggestions` section: the suggestions screen then shows what vision
    /// recognises only.
    public var suggestions: SuggestionSettings?
    /// Nil when the config has no `vision` section: the mirror then runs without recognition.
    public var vision: VisionSettings?
    public var session = SessionSettings()
    public var recording = RecordingSettings()
    public var logLevel: String
    public var api: API
    public var profile: DeviceProfile

    public static let defaultPath = "/etc/mirrord/mirrord.yaml"

    /// Loads and validates the file at `path` and the device profile it names.
    public static func load(path: String) throws(ConfigError) -> DaemonConfig {
        try parse(try readText(path, what: "config file"), path: path)
    }

    /// Validates a configuration's `text` as if read from `path`, loading the device profile it names.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> DaemonConfig {
        var fields = try YAMLFields.parse(text, file: path)
        let base = (path as NSString).deletingLastPathComponent

        let stateDirectory = resolve(try fields.string("state_dir", default: "/var/lib/mirrord"), against: base)
        let logLevel = try fields.choice(
            "log_level", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info")

        var api = API(socket: resolve("mirrord.sock", against: stateDirectory), metricsListen: nil)
        if var section = try fields.section("api") {
            if let socket = try section.string("socket") {
                api.socket = resolve(socket, against: base)
                guard api.socket.utf8.count < 108 else {
                    throw section.error("socket", "the path is too long for a Unix socket (107 bytes at most)")
                }
            }
            if let group = try section.string("socket_group") {
                guard !group.isEmpty, group.count <= 32, !group.contains(where: { $0 == ":" || $0.isWhitespace })
                else {
                    throw section.error("socket_group", "'\(group)' is not a group name", fix: "e.g. mirror-staff")
                }
                api.socketGroup = group
            }
            if var remote = try section.section("remote") {
                let listenText = try remote.require("listen", fix: "e.g. listen: 0.0.0.0:9443")
                guard let listen = parseHostPort(listenText) else {
                    throw remote.error("listen", "'\(listenText)' is not host:port", fix: "e.g. 0.0.0.0:9443")
                }
                api.remote = Remote(
                    listen: listen,
                    certificate: resolve(
                        try remote.require("certificate", fix: "the server certificate (PEM)"), against: base),
                    key: resolve(try remote.require("key", fix: "the certificate's private key (PEM)"), against: base),
                    tokenFile: resolve(
                        try remote.require("token_file", fix: "a file holding the token mirrorctl sends"), against: base
                    ))
                try remote.finish()
            }
            if let listen = try section.string("metrics_listen") {
                guard let hostPort = parseHostPort(listen) else {
                    throw section.error("metrics_listen", "'\(listen)' is not host:port", fix: "e.g. 127.0.0.1:9464")
                }
                api.metricsListen = hostPort
            }
            try section.finish()
        }

        var session = SessionSettings()
        if var section = try fields.section("session") {
            session.countdownSeconds = try section.int("countdown_seconds", default: 3, in: 0...10)
            session.idleTimeoutSeconds = try section.int("idle_timeout_seconds", default: 120, in: 10...3600)
            session.diagnostics = try section.bool("diagnostics", default: false)
            try section.finish()
        }
        var recording = RecordingSettings()
        if var section = try fields.section("recording") {
            recording.clipSeconds = try section.int("clip_seconds", default: 8, in: 2...30)
            recording.preRollSeconds = try section.double("pre_roll_seconds", default: 2, in: 0...10)
            recording.postRollSeconds = try section.double("post_roll_seconds", default: 0.5, in: 0...5)
            recording.keepHours = try section.int("keep_hours", default: 24, in: 1...72)
            recording.savedDays = try section.int("saved_days", default: 90, in: 1...365)
            recording.quotaMegabytes = try section.int("quota_mb", default: 2048, in: 16...1_000_000)
            try section.finish()
        }

        var vision: VisionSettings?
        if var section = try fields.section("vision") {
            var settings = VisionSettings(
                manifest: resolve(
                    try section.require(
                        "manifest", fix: "name the model manifest, e.g. ../models/efficientnet-lite0.json"),
                    against: base))
            settings.threads = try section.int("threads", default: 1, in: 1...8)
            settings.analysisFPS = try section.double("analysis_fps", default: 2, in: 0.2...30)
            settings.catalog = try section.string("catalog").map { resolve($0, against: base) }
            try section.finish()
            vision = settings
        }

        var suggestions: SuggestionSettings?
        if var section = try fields.section("suggestions") {
            suggestions = SuggestionSettings(
                catalog: resolve(
                    try section.require("catalog", fix: "name the catalog folder, e.g. catalog"), against: base))
            try section.finish()
        }
        // Garments are matched against the catalog's own photos unless vision names another folder.
        if let suggestions, vision != nil, vision?.catalog == nil { vision?.catalog = "\(suggestions.catalog)/photos" }

        var share: ShareSettings?
        if var section = try fields.section("share") {
            let listenText = try section.require("listen", fix: "e.g. listen: 0.0.0.0:8090")
            guard let listen = parseHostPort(listenText) else {
                throw section.error("listen", "'\(listenText)' is not host:port", fix: "e.g. 0.0.0.0:8090")
            }
            let url = try section.require("url", fix: "the address phones use, e.g. http://192.168.1.40:8090")
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
                components.host?.isEmpty == false, components.query == nil
            else {
                throw section.error("url", "'\(url)' is not an http(s) URL", fix: "e.g. http://192.168.1.40:8090")
            }
            share = ShareSettings(
                listen: listen, url: url.hasSuffix("/") ? String(url.dropLast()) : url,
                minutes: try section.int("minutes", default: 15, in: 1...60))
            try section.finish()
        }

        var hub: HubSettings?
        if var section = try fields.section("hub") {
            let url = try section.require("url", fix: "the hub's base URL, e.g. https://hub.example.com")
            guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""),
                components.host?.isEmpty == false
            else {
                throw section.error("url", "'\(url)' is not an http(s) URL", fix: "e.g. https://hub.example.com")
            }
            var settings = HubSettings(
                url: url,
                credentialFile: resolve(
                    try section.string("credential_file", default: "hub-credential"), against: stateDirectory),
                intervalSeconds: try section.int("interval_seconds", default: 10, in: 1...3600),
                profileCacheHours: try section.int("profile_cache_hours", default: 24, in: 0...720))
            try settings.readTrust(&section, scheme: components.scheme, host: components.host ?? "", base: base)
            try section.finish()
            hub = settings
        }

        let profilePath = resolve(
            try fields.require("profile", fix: "name a device profile, e.g. ../devices/demo-replay.yaml"),
            against: base)
        try fields.finish()
        let profile = try DeviceProfile.load(path: profilePath, stateDirectory: stateDirectory)
        return DaemonConfig(
            file: path, stateDirectory: stateDirectory, share: share, hub: hub, suggestions: suggestions,
            vision: vision,
            session: session,
            recording: recording,
            logLevel: logLevel, api: api, profile: profile)
    }

    static func parseHostPort(_ text: String) -> HostPort? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        return HostPort(host: host, port: port)
    }
}
