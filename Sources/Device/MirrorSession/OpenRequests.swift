/// The staff requests a visit made, as a value: what the shopper asked to be brought (or help at the mirror),
/// in the words staff read, with the id the device's store gave each, and where each stands: on its way,
/// cancelled by the shopper, or brought. A new visit starts from an empty value.
public struct OpenRequests: Sendable, Equatable {
    public struct Request: Sendable, Equatable {
        /// The id in the device's store (what `mirrorctl requests` lists).
        public var id: Int64
        /// The garment asked for; empty for help at the mirror.
        public var sku: String
        /// What to bring, in words ("Ribbed Crew Jumper, rust, size M"), or what the help is.
        public var words: String
        public var state: State = .onItsWay

        public init(id: Int64, sku: String, words: String) {
            self.id = id
            self.sku = sku
            self.words = words
        }
    }

    public enum State: Sendable, Equatable {
        case onItsWay, cancelled, brought
    }

    /// The visit's requests, oldest first.
    public private(set) var requests: [Request] = []

    public init() {}

    /// The newest request still on its way: the chip on the glass, with its Cancel.
    public var onItsWay: Request? { requests.last { $0.state == .onItsWay } }

    /// Whether request `id` is on its way.
    public func onItsWay(_ id: Int64) -> Bool { requests.contains { $0.id == id && $0.state == .onItsWay } }

    /// A request was stored; false when one with its id is known already.
    public mutating func stored(_ request: Request) -> Bool {
        guard !requests.contains(where: { $0.id == request.id }) else { return false }
        requests.append(request)
        return true
    }

    /// Request `id` closed (cancelled or brought); the request, or nil when it was not on its way.
    public mutating func close(_ id: Int64, as state: State) -> Request? {
        guard let index = requests.firstIndex(where: { $0.id == id && $0.state == .onItsWay }) else { return nil }
        requests[index].state = state
        return requests[index]
    }
}
