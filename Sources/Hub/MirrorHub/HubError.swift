public import MirrorCore

/// What can go wrong in the hub.
public enum HubErrorCode: String, Sendable {
    case badConfig = "bad_config"
    case badRequest = "bad_request"
    case unauthorized
    case forbidden
    case notFound = "not_found"
    case conflict
    case schemaTooNew = "schema_too_new"
    /// A mirror's telemetry could not be pulled (no answer, an error status, a certificate not the pinned one).
    case unreachable
}

public typealias HubError = MirrorError<HubErrorCode>
