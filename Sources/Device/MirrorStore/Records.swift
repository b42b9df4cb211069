public import Foundation
public import GRDB
import MirrorProtocol

/// One shopper's visit to the mirror, from the attract screen until they leave.
public struct SessionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sessions"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: String
    public var startedAt: Date
    /// When the session ended (wall clock); `nil` while the shopper is still there.
    public var endedAt: Date?
    /// Trusted seconds counted since the session ended; clips expire when this reaches the retention TTL.
    public var retentionElapsedS: Double

    public init(id: String, startedAt: Date, endedAt: Date? = nil, retentionElapsedS: Double = 0) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.retentionElapsedS = retentionElapsedS
    }

    public var isEnded: Bool { endedAt != nil }
}

/// What a consent covers.
public enum ConsentKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Recording clips of the shopper.
    case record
    /// Sharing a clip (e.g. to the shopper's phone).
    case share
    /// Keeping clips in the shopper's profile, beyond the retention TTL.
    case saveProfile = "save_profile"
}

/// One consent decision; rows are only ever added, a withdrawal is a new row with `granted == false`.
public struct ConsentRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "consents"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: String
    public var sessionId: String
    public var kind: ConsentKind
    public var granted: Bool
    public var at: Date
    /// Where the decision came from, e.g. `touch` (the shopper on the panel) or `api`.
    public var source: String

    public init(id: String, sessionId: String, kind: ConsentKind, granted: Bool, at: Date, source: String) {
        self.id = id
        self.sessionId = sessionId
        self.kind = kind
        self.granted = granted
        self.at = at
        self.source = source
    }
}

/// Whether a clip's file is complete.
public enum ClipState: String, Codable, Sendable, DatabaseValueConvertible {
    /// The file is being written (or was, when the daemon stopped): it may exist only as `<file>.partial`.
    case recording
    /// The file is complete.
    case ready
}

/// The metadata of one encrypted clip file; the row holds the clip's wrapped key, so deleting it shreds the clip.
public struct ClipRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "clips"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: String
    public var sessionId: String
    /// File name relative to the clips directory.
    public var file: String
    public var state: ClipState
    /// The clip's data key, wrapped by the device key.
    public var wrappedKey: Data
    public var frames: Int
    public var width: Int
    public var height: Int
    public var fps: Double
    public var bytes: Int
    public var createdAt: Date
    /// Saved to the shopper's profile: exempt from expiry and eviction.
    public var saved: Bool

    public init(
        id: String, sessionId: String, file: String, state: ClipState, wrappedKey: Data, frames: Int, width: Int,
        height: Int, fps: Double, bytes: Int, createdAt: Date, saved: Bool
    ) {
        self.id = id
        self.sessionId = sessionId
        self.file = file
        self.state = state
        self.wrappedKey = wrappedKey
        self.frames = frames
        self.width = width
        self.height = height
        self.fps = fps
        self.bytes = bytes
        self.createdAt = createdAt
        self.saved = saved
    }
}

/// Who did something recorded in the audit log. Coded as its string, in JSON and in the database, by the
/// standard library's and GRDB's defaults for string-backed `RawRepresentable` types.
public struct AuditActor: RawRepresentable, Codable, Sendable, Hashable, DatabaseValueConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let staff = AuditActor(rawValue: "staff")
    public static let shopper = AuditActor(rawValue: "shopper")
    public static let system = AuditActor(rawValue: "system")
}

/// What was done, in the audit log.
public struct AuditAction: RawRepresentable, Codable, Sendable, Hashable, DatabaseValueConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let export = AuditAction(rawValue: "export")
    /// A clip decrypted to be played (on the mirror's review and compare screens).
    public static let view = AuditAction(rawValue: "view")
    public static let purge = AuditAction(rawValue: "purge")
    public static let expire = AuditAction(rawValue: "expire")
    public static let evict = AuditAction(rawValue: "evict")
    public static let consent = AuditAction(rawValue: "consent")
    public static let save = AuditAction(rawValue: "save")
    public static let delete = AuditAction(rawValue: "delete")
    public static let reconcile = AuditAction(rawValue: "reconcile")
    public static let clockAnomaly = AuditAction(rawValue: "clock_anomaly")
}

/// One audit log entry; entries outlive the clips they mention.
public struct AuditRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "audit"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// Increasing with insertion; `nil` before the row is inserted.
    public var id: Int64?
    public var at: Date
    public var actor: AuditActor
    public var action: AuditAction
    /// The clip concerned, if any; it may have been deleted since.
    public var clipId: String?
    public var detail: String

    public init(id: Int64? = nil, at: Date, actor: AuditActor, action: AuditAction, clipId: String?, detail: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.clipId = clipId
        self.detail = detail
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Something the shopper did or was shown, kept for the hub (append-only).
public struct SessionEventRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "session_events"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: String
    public var sessionId: String
    public var at: Date
    public var kind: SessionEventKind
    public var sku: String?
    public var size: String?
    public var detail: String
    /// A try-on: how it was known (``TryOnSource``: `scan` or `vision`), and the vision core's match score.
    public var via: String?
    public var score: Double?
    /// A suggestion's events: its kind (`your-size`, `also-in`, `completes-the-look`, `similar`).
    public var suggestionKind: String?
    /// A size request: the size of that style the shopper had on, when known.
    public var triedSize: String?
    /// The end-of-visit rating, 1 to 5.
    public var rating: Int?

    public init(
        id: String = UUID().uuidString, sessionId: String, at: Date = Date(), kind: SessionEventKind, sku: String?,
        size: String? = nil, detail: String = "", via: String? = nil, score: Double? = nil,
        suggestionKind: String? = nil, triedSize: String? = nil, rating: Int? = nil
    ) {
        self.id = id
        self.sessionId = sessionId
        self.at = at
        self.kind = kind
        self.sku = sku
        self.size = size
        self.detail = detail
        self.via = via
        self.score = score
        self.suggestionKind = suggestionKind
        self.triedSize = triedSize
        self.rating = rating
    }
}

/// The kinds of session event.
public struct SessionEventKind: RawRepresentable, Codable, Sendable, Hashable, DatabaseValueConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let triedOn = SessionEventKind(rawValue: VisitEventKind.triedOn)
    /// A visit began (the mirror left its attract screen) or ended: the hub's dwell time.
    public static let visitStarted = SessionEventKind(rawValue: VisitEventKind.started)
    public static let visitEnded = SessionEventKind(rawValue: VisitEventKind.ended)
    /// The shopper gave their loyalty code (the op carries it; the stored event does not).
    public static let identified = SessionEventKind(rawValue: VisitEventKind.identified)
    /// The shopper said the profile was not theirs ("Not you?"); the op carries the subject hash.
    public static let unidentified = SessionEventKind(rawValue: VisitEventKind.unidentified)
    /// The shopper tapped a suggestion's card (a colour, a size, a favourite).
    public static let suggestionTapped = SessionEventKind(rawValue: VisitEventKind.suggestionTapped)
    /// The shopper answered the recording consent; detail: `granted` or `declined`.
    public static let consentAnswered = SessionEventKind(rawValue: VisitEventKind.consentAnswered)
    /// A look was sent to the shopper's phone, or saved to their profile.
    public static let lookShared = SessionEventKind(rawValue: VisitEventKind.lookShared)
    public static let lookSaved = SessionEventKind(rawValue: VisitEventKind.lookSaved)
    /// The shopper rated the visit on the glass (1 to 5, in `rating`).
    public static let rated = SessionEventKind(rawValue: VisitEventKind.rated)
    public static let recordedLook = SessionEventKind(rawValue: "recorded_look")
    public static let favourite = SessionEventKind(rawValue: "favourite")
    public static let unfavourite = SessionEventKind(rawValue: "unfavourite")
    public static let dismissed = SessionEventKind(rawValue: "dismissed")
    public static let sizeRequest = SessionEventKind(rawValue: "size_request")
    public static let suggestionShown = SessionEventKind(rawValue: "suggestion_shown")
    public static let suggestionAccepted = SessionEventKind(rawValue: "suggestion_accepted")
    /// The shopper tapped another colour of a suggested style (the SKU of that colour).
    public static let colourChosen = SessionEventKind(rawValue: "colour_chosen")
    /// The shopper picked (or unpicked) a look as their favourite on the compare screen; detail: "look N".
    public static let favouriteLook = SessionEventKind(rawValue: "favourite_look")
    public static let unfavouriteLook = SessionEventKind(rawValue: "unfavourite_look")
}

/// A garment a shopper asked staff to bring: open until staff mark it done.
public struct StaffRequestRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "staff_requests"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var sessionId: String
    public var at: Date
    public var sku: String
    public var size: String?
    /// What to bring, in words for staff ("Ribbed Crew Jumper, rust, size M").
    public var description: String
    /// `open`, `done` (brought) or `cancelled` (by the shopper).
    public var state: String
    public var doneAt: Date?

    public init(sessionId: String, at: Date = Date(), sku: String, size: String?, description: String) {
        self.sessionId = sessionId
        self.at = at
        self.sku = sku
        self.size = size
        self.description = description
        self.state = "open"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
