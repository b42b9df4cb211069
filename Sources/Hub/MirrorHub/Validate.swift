import Foundation
import MirrorCore
import MirrorProtocol

/// Input checks shared by the API and the store: a refused request says which field is wrong and stores nothing.
enum Validate {
    static func identifier(_ value: String, _ what: String) throws {
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":")
        }
        guard !value.isEmpty, value.utf8.count <= 128, allowed else {
            throw HubError(.badRequest, "\(what) must be 1 to 128 letters, digits, '-', '_', '.' or ':'")
        }
    }

    /// A store's id: an identifier that is also a safe folder name of its own (`export-insights` writes each
    /// store's files into a folder named by its id, beside the chain's in `all`): never `.`, `..` or `all`.
    static func storeIdentifier(_ value: String, _ what: String = "store id") throws {
        try identifier(value, what)
        guard !HubStore.reservedStoreIDs.contains(value) else {
            throw HubError(.badRequest, "\(what) cannot be '\(value)' (a folder name the insight export uses)")
        }
    }

    /// An IANA time zone the system knows (`Europe/Paris`, `America/Los_Angeles`, `UTC`).
    static func timeZone(_ value: String) throws -> TimeZone {
        guard value.utf8.count <= 64, let zone = TimeZone(identifier: value) else {
            throw HubError(.badRequest, "time zone '\(value)' is not an IANA time zone such as Europe/Paris")
        }
        return zone
    }

    static func text(_ value: String, _ what: String, max: Int) throws {
        guard !value.isEmpty, value.count <= max, !value.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw HubError(.badRequest, "\(what) must be 1 to \(max) characters with no control characters")
        }
    }

    static func shortString(_ value: JSONValue?, _ what: String, max: Int = 200, optional: Bool = false) throws {
        if optional, value == nil || value == .null { return }
        guard let text = value?.string, text.count <= max else {
            throw HubError(.badRequest, "\(what) must be a string of at most \(max) characters")
        }
    }

    static func integer(_ value: JSONValue?, _ what: String, optional: Bool = false) throws {
        if optional, value == nil || value == .null { return }
        guard value?.int != nil else { throw HubError(.badRequest, "\(what) must be a whole number") }
    }

    /// The fields an op of each entity may carry (a `shopper` op carries profile fields, checked one by one). The
    /// OpenAPI document's patch schemas list the same (`OpenAPIPatchTests`).
    static let patchFields: [SyncEntity: Set<String>] = [
        .sessionEvent: [
            "sessionId", "at", "kind", "sku", "size", "detail", "via", "score", "suggestionKind", "triedSize", "rating",
            "subject",
        ],
        .staffRequest: ["sessionId", "at", "sku", "size", "description", "state", "doneAt"],
        .consent: ["loyaltyId", "purpose", "version", "granted"],
        .savedLook: ["loyaltyId", "at", "garments"],
    ]

    static func fields(_ patch: [String: JSONValue], allowed: Set<String>, _ what: String) throws {
        if let unknown = patch.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw HubError(.badRequest, "\(what) has an unknown field \"\(unknown)\"")
        }
    }

    static func op(_ op: SyncOp) throws {
        guard ULID.isValid(op.opId) else { throw HubError(.badRequest, "op id \(op.opId) is not a ULID") }
        guard op.seq >= 1 else { throw HubError(.badRequest, "op \(op.opId): seq must be 1 or more") }
        guard op.schema >= 1, op.schema <= SyncOp.currentSchema else {
            throw HubError(.badRequest, "op \(op.opId): schema \(op.schema) is not one this hub reads")
        }
        try identifier(op.key, "op \(op.opId) key")
        guard op.patch.count <= 32 else { throw HubError(.badRequest, "op \(op.opId): at most 32 fields") }
        let what = "op \(op.opId) (\(op.entity.rawValue))"
        let patch = op.patch
        switch op.entity {
        case .sessionEvent:
            try fields(patch, allowed: patchFields[.sessionEvent] ?? [], what)
            try shortString(patch["sessionId"], "\(what) sessionId", max: 128)
            try integer(patch["at"], "\(what) at")
            try shortString(patch["kind"], "\(what) kind", max: 64)
            try shortString(patch["sku"], "\(what) sku", max: 128, optional: true)
            try shortString(patch["size"], "\(what) size", max: 16, optional: true)
            try shortString(patch["detail"], "\(what) detail", max: 1000, optional: true)
            try shortString(patch["via"], "\(what) via", max: 16, optional: true)
            if let score = patch["score"], score != .null, score.number.map({ (0...1).contains($0) }) != true {
                throw HubError(.badRequest, "\(what) score must be a number from 0 to 1")
            }
            try shortString(patch["suggestionKind"], "\(what) suggestionKind", max: 64, optional: true)
            try shortString(patch["triedSize"], "\(what) triedSize", max: 16, optional: true)
            if let rating = patch["rating"], rating != .null, rating.int.map({ (1...5).contains($0) }) != true {
                throw HubError(.badRequest, "\(what) rating must be a whole number from 1 to 5")
            }
            if let subject = patch["subject"], subject != .null {
                guard let hash = subject.string, hash.utf8.count == 64,
                    hash.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
                else { throw HubError(.badRequest, "\(what) subject must be a subject hash (64 hex digits)") }
            }
        case .staffRequest:
            try fields(patch, allowed: patchFields[.staffRequest] ?? [], what)
            try shortString(patch["sessionId"], "\(what) sessionId", max: 128, optional: true)
            try integer(patch["at"], "\(what) at", optional: true)
            try shortString(patch["sku"], "\(what) sku", max: 128, optional: true)
            try shortString(patch["size"], "\(what) size", max: 16, optional: true)
            try shortString(patch["description"], "\(what) description", max: 500, optional: true)
            guard ["open", "done", "cancelled"].contains(patch["state"]?.string ?? "") else {
                throw HubError(.badRequest, "\(what) state must be open, done or cancelled")
            }
            try integer(patch["doneAt"], "\(what) doneAt", optional: true)
        case .shopper:
            guard !patch.isEmpty else { throw HubError(.badRequest, "\(what) changes no field") }
            for (field, value) in patch { try shopperField(field, value) }
        case .consent:
            try fields(patch, allowed: patchFields[.consent] ?? [], what)
            try shortString(patch["loyaltyId"], "\(what) loyaltyId", max: 128)
            try identifier(patch["purpose"]?.string ?? "", "\(what) purpose")
            try integer(patch["version"], "\(what) version")
            guard patch["granted"]?.bool != nil else {
                throw HubError(.badRequest, "\(what) granted must be true/false")
            }
        case .savedLook:
            try fields(patch, allowed: patchFields[.savedLook] ?? [], what)
            try shortString(patch["loyaltyId"], "\(what) loyaltyId", max: 128)
            try integer(patch["at"], "\(what) at")
            guard case .array(let garments) = patch["garments"] ?? .array([]), garments.count <= 16,
                garments.allSatisfy({ ($0.string?.count ?? 1000) <= 64 })
            else {
                throw HubError(.badRequest, "\(what) garments must be a list of at most 16 short strings")
            }
        }
    }

    static func shopperField(_ field: String, _ value: JSONValue) throws {
        if field.hasPrefix("sizes.") {
            guard GarmentCategory(rawValue: String(field.dropFirst(6))) != nil else {
                throw HubError(.badRequest, "\(field): no such garment category")
            }
            try shortString(value, field, max: 16)
        } else if ShopperFields.lists.contains(field) {
            guard case .array(let items) = value, items.count <= 64,
                items.allSatisfy({ ($0.string?.count ?? 1000) <= 128 })
            else {
                throw HubError(.badRequest, "\(field) must be a list of at most 64 short strings")
            }
        } else {
            throw HubError(.badRequest, "unknown profile field \"\(field)\"")
        }
    }
}

/// The profile's fields as synced: `sizes.<category>`, `colours`, `dislikes.<colours|categories|brands|skus>`.
enum ShopperFields {
    static let lists: Set<String> = [
        "colours", "dislikes.colours", "dislikes.categories", "dislikes.brands", "dislikes.skus",
    ]

    static func apply(_ field: String, _ value: JSONValue, to profile: inout ShopperProfile) {
        let strings: [String] =
            if case .array(let items) = value { items.compactMap(\.string) } else { [] }
        switch field {
        case "colours": profile.colours = strings
        case "dislikes.colours": profile.dislikes.colours = strings
        case "dislikes.categories": profile.dislikes.categories = strings
        case "dislikes.brands": profile.dislikes.brands = strings
        case "dislikes.skus": profile.dislikes.skus = strings
        default:
            if field.hasPrefix("sizes."), let size = value.string { profile.sizes[String(field.dropFirst(6))] = size }
        }
    }
}
