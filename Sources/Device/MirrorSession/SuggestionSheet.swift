public import MirrorCore
public import MirrorProtocol

/// The suggestion sheet's side of the visit as a value: who the shopper is when they gave their loyalty code,
/// what they are trying on (tags scanned, what the camera recognises), the sizes and colours they chose, what they
/// liked and dismissed, and which suggestions were shown and tapped. The catalog side (what exists, what is in
/// stock, what to suggest) is the daemon's; this decides what the visit remembers and which session events to
/// note for the hub's funnel, each once per visit.
public struct SuggestionSheet: Sendable, Equatable {
    /// A price tag read at the mirror: the garment and size it names.
    public struct Tag: Sendable, Hashable {
        public var sku: String
        public var size: String

        public init(sku: String, size: String) {
            self.sku = sku
            self.size = size
        }
    }

    /// A garment the suggestions take as tried on, with the catalog match's score when the camera placed it.
    public struct Tried: Sendable, Equatable {
        public var sku: String
        public var score: Double?

        public init(sku: String, score: Double? = nil) {
            self.sku = sku
            self.score = score
        }
    }

    /// A suggestion on the screen or in the API's answer, with the kind it was suggested as.
    public struct Shown: Sendable, Equatable {
        public var sku: String
        public var kind: String

        public init(sku: String, kind: String) {
            self.sku = sku
            self.kind = kind
        }
    }

    public enum Event: Sendable, Equatable {
        /// What the vision core recognises over the visit (voted observations).
        case observed([GarmentObservation])
        /// A price tag of the catalog was read: tried on in that size (once per tag).
        case tagScanned(Tag)
        /// The shopper's loyalty code found their opted-in profile.
        case identified(ShopperProfile)
        /// Shoppers erased at head office, by subject hash: the one identified now, if among them, is forgotten.
        case erased(subjects: Set<String>)
        /// "Not you?": the profile identified is not the shopper's, and is forgotten with the sizes it gave.
        case notMe
        /// The suggestions were worked out (for the screen or the API): what is tried on and what is shown.
        case seen(tried: [Tried], shown: [Shown])
        /// The heart on a card.
        case favouriteToggled(sku: String)
        /// ✕ on a card: its style, in every colour, is not suggested again in this visit.
        case dismissed(sku: String, style: String)
        /// Another colour of the card's style (`variant`, of `style`) was tapped on the card of `card`.
        case colourChosen(variant: String, style: String, card: String)
        /// A size of the card's style was tapped on the card of `card`.
        case sizeSelected(size: String, style: String, card: String)
        /// "Next style": the next card (or cards) of the suggestions, round again after the last.
        case nextStyle
    }

    /// A session event to store for the hub's figures, with the kind of suggestion its SKU was shown as.
    public struct Note: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case triedOn, suggestionShown, suggestionTapped, favourite, unfavourite, dismissed, colourChosen
        }

        public var kind: Kind
        public var sku: String
        public var size: String?
        public var via: TryOnSource?
        public var score: Double?
        public var suggestionKind: String?

        public init(
            _ kind: Kind, sku: String, size: String? = nil, via: TryOnSource? = nil, score: Double? = nil,
            suggestionKind: String? = nil
        ) {
            self.kind = kind
            self.sku = sku
            self.size = size
            self.via = via
            self.score = score
            self.suggestionKind = suggestionKind
        }
    }

    /// The identified shopper's profile.
    public private(set) var profile: ShopperProfile?
    /// The size the shopper picked, by style.
    public private(set) var requestedSizes: [String: String] = [:]
    /// The colour the shopper tapped for a style: the SKU shown on its card.
    public private(set) var chosenColour: [String: String] = [:]
    /// The SKUs whose ✕ was tapped, and their styles: no colour of a dismissed style comes back.
    public private(set) var dismissed: Set<String> = []
    public private(set) var dismissedStyles: Set<String> = []
    public private(set) var favourites: [String] = []
    public private(set) var observations: [GarmentObservation] = []
    /// Tags read, in order.
    public private(set) var scanned: [Tag] = []
    /// The kind each SKU was first suggested as (for the hub's suggestion funnel).
    public private(set) var shownKinds: [String: String] = [:]
    public private(set) var tried: Set<String> = []
    public private(set) var tapped: Set<String> = []
    /// How many times the shopper asked for the next style: which cards the sheet shows.
    public private(set) var page = 0

    public init() {}

    /// The size of `style` the shopper has on, when its tag was scanned: where a size swap starts.
    public func scannedSize(of style: String, styleOf: (String) -> String?) -> String? {
        scanned.last { styleOf($0.sku) == style }?.size
    }

    /// Applies `event`; `handled` is false when it changes nothing (a tag read twice, nothing new shown).
    public mutating func handle(_ event: Event) -> (handled: Bool, notes: [Note]) {
        switch event {
        case .observed(let seen):
            observations = seen
            return (true, [])
        case .tagScanned(let tag):
            guard !scanned.contains(tag) else { return (false, []) }
            scanned.append(tag)
            // Known exactly now: the recognition core's guess at the same SKU adds no second try-on.
            tried.insert(tag.sku)
            return (true, [note(.triedOn, sku: tag.sku, size: tag.size, via: .scan)])
        case .identified(let found):
            profile = found
            return (true, [])
        case .erased(let subjects):
            guard let profile, subjects.contains(SubjectHash.of(loyaltyId: profile.loyaltyID)) else {
                return (false, [])
            }
            self.profile = nil
            requestedSizes = [:]
            return (true, [])
        case .nextStyle:
            page += 1
            return (true, [])
        case .notMe:
            guard profile != nil else { return (false, []) }
            profile = nil
            requestedSizes = [:]
            return (true, [])
        case .seen(let triedNow, let shown):
            var notes = triedNow.filter { tried.insert($0.sku).inserted }.map {
                note(.triedOn, sku: $0.sku, via: .vision, score: $0.score)
            }
            for suggestion in shown where shownKinds[suggestion.sku] == nil {
                shownKinds[suggestion.sku] = suggestion.kind
                notes.append(note(.suggestionShown, sku: suggestion.sku))
            }
            return (!notes.isEmpty, notes)
        case .favouriteToggled(let sku):
            let on: Bool
            if let index = favourites.firstIndex(of: sku) {
                favourites.remove(at: index)
                on = false
            } else {
                favourites.append(sku)
                on = true
            }
            return (true, [note(on ? .favourite : .unfavourite, sku: sku)] + tap(sku))
        case .dismissed(let sku, let style):
            dismissed.insert(sku)
            dismissedStyles.insert(style)
            return (true, [note(.dismissed, sku: sku)])
        case .colourChosen(let variant, let style, let card):
            chosenColour[style] = variant
            return (true, [note(.colourChosen, sku: variant)] + tap(card))
        case .sizeSelected(let size, let style, let card):
            requestedSizes[style] = size
            return (true, tap(card))
        }
    }

    /// A note about `sku`, with the kind it was suggested as, when it was.
    private func note(
        _ kind: Note.Kind, sku: String, size: String? = nil, via: TryOnSource? = nil, score: Double? = nil
    ) -> Note {
        Note(kind, sku: sku, size: size, via: via, score: score, suggestionKind: shownKinds[sku])
    }

    /// The first tap on a suggested card in a visit (the funnel's second step).
    private mutating func tap(_ sku: String) -> [Note] {
        guard shownKinds[sku] != nil, tapped.insert(sku).inserted else { return [] }
        return [note(.suggestionTapped, sku: sku)]
    }
}
