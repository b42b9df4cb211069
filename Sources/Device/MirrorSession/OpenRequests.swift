/// The staff requests a visit made, as a value: what the shopper asked to be brought (or help at the mirror),
/// in the words staff read, with the id the device's store gave each. A new visit starts from an empty value.
public struct OpenRequests: Sendable, Equatable {
    public struct Request: Sendable, Equatable {
        /// The id in the device's store (what `mirrorctl requests` lists).
        public var id: Int64
        /// The garment asked for; empty for help at the mirror.
        public var sku: String
        /// What to bring, in words ("Ribbed Crew Jumper, rust, size M"), or what the help is.
        public var words: String

        public init(id: Int64, sku: String, words: String) {
            self.id = id
            self.sku = sku
            self.words = words
        }
    }

    /// The visit's requests, oldest first.
    public private(set) var requests: [Request] = []

    public init() {}

    /// A request was stored; false when one with its id is known already.
    public mutating func stored(_ request: Request) -> Bool {
        guard !requests.contains(where: { $0.id == request.id }) else { return false }
        requests.append(request)
        return true
    }
}
