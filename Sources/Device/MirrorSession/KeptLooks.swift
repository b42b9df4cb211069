/// What the shopper keeps of this visit's looks, as a value: the garments each look was recorded in, the look
/// picked as the favourite on the compare screen, the agreement to share, and the looks saved to their profile
/// with the code that opens each at a later visit. Taps and the store's answers come in as events; what to store
/// goes out as effects, which the daemon carries out and answers. A new visit starts from an empty value, so an
/// answer for a look of a visit that is gone changes nothing.
public struct KeptLooks: Sendable, Equatable {
    /// The look number of the earlier visit's saved look on the compare screen (it comes after this visit's).
    public static let earlierLook = -1

    /// A look the shopper saved at an earlier visit, opened with its code: compared beside this visit's looks.
    public struct Earlier: Sendable, Equatable {
        public var clipID: String
        /// The day it was saved, as the panel names it ("16 Nov").
        public var day: String
        /// The garments recognised in it, in words.
        public var garments: [String]

        public init(clipID: String, day: String, garments: [String]) {
            self.clipID = clipID
            self.day = day
            self.garments = garments
        }
    }

    public enum Event: Sendable, Equatable {
        /// A look finished recording in these garments (in words).
        case recorded(look: Int, garments: [String])
        /// The shopper tapped a look on the compare screen: picks it as the favourite, or takes the pick back.
        case pick(look: Int)
        /// The shopper tapped Share: the agreement that staff may export this visit's looks.
        case share
        /// The agreement was stored (`stored`), or could not be.
        case shareAnswered(stored: Bool)
        /// The shopper tapped Save on a look; only a shopper identified by their loyalty code can.
        case save(look: Int, identified: Bool)
        /// The store's answer to a save: the code that opens the look at a later visit, or nil when it failed.
        case saveAnswered(look: Int, code: String?)
        /// How many looks the identified shopper saved here at earlier visits (counted as a look is reviewed).
        case earlierCounted(Int)
        /// The shopper opened an earlier visit's look with its code.
        case earlierOpened(Earlier)
    }

    public enum Effect: Sendable, Equatable {
        /// Stores the favourite pick (a session event): `picked` false takes it back.
        case storePick(look: Int, picked: Bool)
        case storeShare
        /// Saves the look to the identified shopper's profile, with the garments it was recorded in.
        case save(look: Int, garments: [String])
    }

    /// The garments each look was recorded in, by look number.
    public private(set) var garments: [Int: [String]] = [:]
    /// The favourite look's number (``earlierLook`` for the earlier visit's), if one is picked.
    public private(set) var favourite: Int?
    /// The shopper agreed on the mirror to share this visit's looks.
    public private(set) var shared = false
    /// Looks saved to the shopper's profile, with the code that opens each.
    public private(set) var saved: [Int: String] = [:]
    /// Looks whose save was asked and not yet answered: a second tap does not save twice.
    public private(set) var saving: Set<Int> = []
    /// How many looks the shopper saved here at earlier visits: the review screen offers to open one when any.
    public private(set) var earlierCount = 0
    /// The earlier visit's look opened with its code, compared beside this visit's.
    public private(set) var earlier: Earlier?

    public init() {}

    /// Applies `event`; `handled` is false when it means nothing now (an answer nobody waits for, say).
    public mutating func handle(_ event: Event) -> (handled: Bool, effects: [Effect]) {
        switch event {
        case .recorded(let look, let words):
            garments[look] = words
            return (true, [])
        case .pick(let look):
            favourite = favourite == look ? nil : look
            return (true, [.storePick(look: look, picked: favourite != nil)])
        case .share:
            return (true, [.storeShare])
        case .shareAnswered(let stored):
            if stored { shared = true }
            return (stored, [])
        case .save(let look, let identified):
            guard identified else { return (false, []) }
            guard saved[look] == nil, saving.insert(look).inserted else { return (true, []) }
            return (true, [.save(look: look, garments: garments[look] ?? [])])
        case .saveAnswered(let look, let code):
            guard saving.remove(look) != nil else { return (false, []) }
            if let code { saved[look] = code }
            return (code != nil, [])
        case .earlierCounted(let count):
            earlierCount = max(0, count)
            return (true, [])
        case .earlierOpened(let look):
            earlier = look
            return (true, [])
        }
    }
}
