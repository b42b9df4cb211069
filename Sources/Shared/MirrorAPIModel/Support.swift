import Foundation
import MirrorCore

/// One row of the mirror's audit log: who did what to which clip (every view, export and deletion).
public struct AuditEntry: Codable, Sendable, Equatable {
    /// ISO 8601, UTC.
    public var at: String
    /// `shopper`, `staff` or `system`.
    public var actor: String
    /// `view`, `export`, `purge`, `expire`, `evict`, `consent`, `save`, `delete`, …
    public var action: String
    public var clip: String?
    public var detail: String

    public init(at: String, actor: String, action: String, clip: String?, detail: String) {
        self.at = at
        self.actor = actor
        self.action = action
        self.clip = clip
        self.detail = detail
    }
}

/// Why mirrorctl could not write an exported clip (`POST /v1/clips/{id}/export-failed`).
public struct ExportFailure: Codable, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The body of `POST /v1/session/shopper`: the loyalty code a shopper gave (typed, or scanned from their card).
public struct ShopperIdentification: Codable, Sendable, Equatable {
    public var loyaltyId: String
    public init(loyaltyId: String) { self.loyaltyId = loyaltyId }
}

/// One line of the daemon's log, numbered so that a follower asks only for what is new.
public struct LogLine: Codable, Sendable, Equatable {
    public var seq: Int64
    public var text: String

    public init(seq: Int64, text: String) {
        self.seq = seq
        self.text = text
    }
}

/// The configuration file mirrord runs with, as `GET /v1/config` shows it: secrets redacted.
public struct ConfigReport: Codable, Sendable, Equatable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// `text` with the values of keys that name a secret (password, secret, token, key) and the user part of URLs
    /// (`scheme://user:password@host`) replaced by `<redacted>`.
    public static func redact(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = String(line)
            if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let secretKey = ["password", "secret", "token", "private_key", "api_key"].contains { key.contains($0) }
                if secretKey, !line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces).isEmpty {
                    line = line[...colon] + " <redacted>"
                }
            }
            if let scheme = line.range(of: "://"), let at = line[scheme.upperBound...].firstIndex(of: "@"),
                !line[scheme.upperBound..<at].contains(where: { $0 == "/" || $0 == " " })
            {
                line.replaceSubrange(scheme.upperBound..<at, with: "<redacted>")
            }
            return line
        }.joined(separator: "\n")
    }
}

/// The body of `POST /v1/enroll` (the local API): enrol this mirror with the hub using a one-time token. Not the
/// hub's own `EnrolRequest`, which mirrord then sends.
public struct MirrorEnrollment: Codable, Sendable {
    /// The hub's URL; must match the config's `hub.url` when given.
    public var hub: String?
    public var token: String
    /// The name head office sees (default: the host name).
    public var name: String?

    public init(hub: String?, token: String, name: String?) {
        self.hub = hub
        self.token = token
        self.name = name
    }
}

/// What `POST /v1/enroll` answers: who the hub says this mirror is, and where its credential was written (the
/// credential itself never leaves the daemon).
public struct MirrorEnrollmentResult: Codable, Sendable, Equatable {
    public var deviceId: String
    public var storeId: String
    public var credentialFile: String

    public init(deviceId: String, storeId: String, credentialFile: String) {
        self.deviceId = deviceId
        self.storeId = storeId
        self.credentialFile = credentialFile
    }
}

/// What a configuration reload did: the keys now in effect, and the changed keys that wait for a restart.
public struct ConfigReload: Codable, Sendable, Equatable {
    public var applied: [String]
    public var needsRestart: [String]

    public init(applied: [String], needsRestart: [String]) {
        self.applied = applied
        self.needsRestart = needsRestart
    }
}
