import Foundation
public import MirrorCore

// The wire format between a mirror and the hub: JSON over HTTPS, described in `docs/hub-openapi.yaml`.
//
// A device writes every change it makes to its outbox in the same transaction as the change itself; the outbox is
// pushed in order of a gap-free device sequence and the hub answers the highest sequence it holds without a gap.
// Shared data (catalog, inventory, erasures) comes back through a pull by cursor, within an epoch that changes
// whenever the hub starts, so a hub restored from a backup never leaves a device believing it is up to date.

/// Any JSON value, for field patches whose fields have different types.
public enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var number: Double? { if case .number(let value) = self { value } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var int: Int64? { number.flatMap { $0.rounded() == $0 && abs($0) < 9e15 ? Int64($0) : nil } }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// What a synced change is about.
public enum SyncEntity: String, Codable, Sendable, CaseIterable {
    /// Something that happened in the fitting room (append-only); key: the event's id.
    case sessionEvent = "session_event"
    /// A shopper's request for a garment to be brought (fields last-writer-wins); key: the device's request id.
    case staffRequest = "staff_request"
    /// Fields of a shopper's profile changed at the mirror (last-writer-wins per field); key: the loyalty id.
    case shopper
    /// A consent given or withdrawn (append-only, withdrawal wins); key: the record's id.
    case consent
    /// A look the shopper saved to their profile at the mirror (append-only; when, and the garments recognised,
    /// never video); key: the clip's id.
    case savedLook = "saved_look"
}

/// One change in a device's outbox.
public struct SyncOp: Codable, Hashable, Sendable {
    /// A ULID, unique per device: the hub applies an op id once, however often it is pushed.
    public var opId: String
    /// The device's sequence number: 1, 2, 3… without gaps.
    public var seq: Int64
    /// When the change was made, on the device's hybrid logical clock.
    public var hlc: HLC
    public var entity: SyncEntity
    public var key: String
    /// The fields changed and their new values.
    public var patch: [String: JSONValue]
    /// The device schema version that wrote the op.
    public var schema: Int

    public init(
        opId: String, seq: Int64, hlc: HLC, entity: SyncEntity, key: String, patch: [String: JSONValue],
        schema: Int = SyncOp.currentSchema
    ) {
        self.opId = opId
        self.seq = seq
        self.hlc = hlc
        self.entity = entity
        self.key = key
        self.patch = patch
        self.schema = schema
    }

    public static let currentSchema = 1
}

/// The hub's answer to a device saying hello: who it is, and what the hub holds of its outbox.
public struct SyncHello: Codable, Hashable, Sendable {
    public var deviceId: String
    public var storeId: String
    /// Changes whenever the hub starts; a pull cursor from another epoch starts again from zero.
    public var epoch: String
    /// The highest device sequence the hub holds with no gap below it; a device re-sends everything above it.
    public var ackedSeq: Int64
    public var serverHLC: HLC

    public init(deviceId: String, storeId: String, epoch: String, ackedSeq: Int64, serverHLC: HLC) {
        self.deviceId = deviceId
        self.storeId = storeId
        self.epoch = epoch
        self.ackedSeq = ackedSeq
        self.serverHLC = serverHLC
    }
}

public struct SyncPushRequest: Codable, Hashable, Sendable {
    public var ops: [SyncOp]
    public init(ops: [SyncOp]) { self.ops = ops }
    /// The most ops one push may carry.
    public static let maxOps = 500
}

public struct SyncPushResponse: Codable, Hashable, Sendable {
    /// The highest device sequence the hub now holds with no gap below it.
    public var ackedSeq: Int64
    /// Ops applied by this push, and ops the hub already had (sent again after a lost reply).
    public var applied: Int
    public var duplicates: Int
    public var epoch: String
    public var serverHLC: HLC

    public init(ackedSeq: Int64, applied: Int, duplicates: Int, epoch: String, serverHLC: HLC) {
        self.ackedSeq = ackedSeq
        self.applied = applied
        self.duplicates = duplicates
        self.epoch = epoch
        self.serverHLC = serverHLC
    }
}

/// What a device pulls: shared data changed since its cursor.
public enum SyncChangeKind: String, Codable, Sendable {
    /// A catalog item (body: the item), key: SKU.
    case catalogItem = "catalog_item"
    /// The device's store stock of one SKU (body: `{"sizes": {"M": 3}}`), key: SKU.
    case inventory
    /// A shopper erased (no body), key: the subject hash (``SubjectHash``). Devices purge everything they hold.
    case erasure
}

public struct SyncChange: Codable, Hashable, Sendable {
    public var seq: Int64
    public var kind: SyncChangeKind
    public var key: String
    /// The new value; `nil` when the thing was deleted.
    public var body: JSONValue?

    public init(seq: Int64, kind: SyncChangeKind, key: String, body: JSONValue?) {
        self.seq = seq
        self.kind = kind
        self.key = key
        self.body = body
    }
}

public struct SyncPullResponse: Codable, Hashable, Sendable {
    public var epoch: String
    /// The cursor to send next time (the last change's sequence, or the one sent when there was nothing new).
    public var cursor: Int64
    public var changes: [SyncChange]
    /// Whether more changes wait beyond this page.
    public var more: Bool
    public var serverHLC: HLC

    public init(epoch: String, cursor: Int64, changes: [SyncChange], more: Bool, serverHLC: HLC) {
        self.epoch = epoch
        self.cursor = cursor
        self.changes = changes
        self.more = more
        self.serverHLC = serverHLC
    }
}

/// Enrolment: a device trades a one-time token for its own credential.
public struct EnrolRequest: Codable, Hashable, Sendable {
    public var token: String
    public var name: String
    public init(token: String, name: String) {
        self.token = token
        self.name = name
    }
}

public struct EnrolResponse: Codable, Hashable, Sendable {
    public var deviceId: String
    public var storeId: String
    /// The device's bearer credential, shown once; the hub keeps only its hash.
    public var credential: String
    public init(deviceId: String, storeId: String, credential: String) {
        self.deviceId = deviceId
        self.storeId = storeId
        self.credential = credential
    }
}
