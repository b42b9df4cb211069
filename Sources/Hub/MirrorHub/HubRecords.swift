public struct StoreInfo: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var devices: Int
    /// The store's IANA time zone; nil: not set, its days are UTC.
    public var timeZone: String?
}

public struct DeviceInfo: Codable, Sendable, Hashable {
    public var id: String
    public var storeId: String
    public var name: String
    public var enrolledMillis: Int64
    public var lastSeenMillis: Int64?
    /// The highest sequence held without a gap, and the highest held at all (above the first: ops in flight).
    public var ackedSeq: Int64
    public var highestSeq: Int64
}

public struct HubSessionEvent: Codable, Sendable, Hashable {
    public var deviceId: String
    public var id: String
    public var sessionId: String
    public var atMillis: Int64
    public var kind: String
    public var sku: String?
    public var size: String?
    public var detail: String
}

public struct HubStaffRequest: Codable, Sendable, Hashable {
    public var deviceId: String
    public var id: String
    public var sessionId: String
    public var atMillis: Int64
    public var sku: String
    public var size: String?
    public var description: String
    public var state: String
    public var doneMillis: Int64?
}
