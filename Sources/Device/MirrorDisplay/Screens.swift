import CCairo
public import MirrorImaging

/// The screens of a session, drawn over (or instead of) the live mirror.
public enum Screen: Sendable, Equatable {
    /// Nobody there: the invitation.
    case attract
    /// The plain live mirror with its hint; the newest request on its way as a chip with its Cancel.
    case live(hint: String, looks: Int = 0, request: OpenRequest? = nil)
    /// Before the first recording: what is recorded, for how long, who can see it.
    case consent(clipSeconds: Int, keepHours: Int)
    /// Seconds left before recording starts.
    case countdown(Int)
    /// Recording: fraction done and seconds left.
    case recording(progress: Double, secondsLeft: Int)
    /// Watching a recorded look (drawn over the clip's frame).
    case review(Review)
    /// Two to four looks side by side (drawn over their frames), with what was recognised in each and the
    /// shopper's favourite.
    case compare(Compare)
    /// What the mirror recognised and what it suggests.
    case suggestions(Suggestions)
    /// The shopper types their loyalty code on the glass (over the suggestions).
    case codeEntry(CodeEntry)
    /// A question before something that cannot be undone (deleting the visit's looks).
    case confirm(Confirm)
    /// The end of a visit: what is kept, and for how long.
    case goodbye(lines: [String])
    /// A staff request was sent; `undo` is the request's id once it is stored.
    case staffOnTheWay(request: String, undo: Int64? = nil)
    /// How was the visit? Five faces and Skip, at the end of a visit.
    case rating
    /// The camera stopped; why, in a few words.
    case cameraLost(detail: String)
    /// Colour bars, grey ramp, edge markers and the panel's facts: for checking a panel's setup.
    case testPattern(lines: [String])

    /// The looks on the compare screen, in grid order.
    public struct Compare: Sendable, Equatable {
        public struct Look: Sendable, Equatable {
            /// "Look 2": its number in the session.
            public var title: String
            /// The garments recognised while it was recorded, in words ("rust knitwear").
            public var garments: [String]

            public init(title: String, garments: [String] = []) {
                self.title = title
                self.garments = garments
            }
        }

        public var looks: [Look]
        /// The look the shopper picked (an index into `looks`).
        public var favourite: Int?

        public init(looks: [Look], favourite: Int? = nil) {
            self.looks = looks
            self.favourite = favourite
        }
    }

    /// Playback state shown on the review screen.
    public struct Review: Sendable, Equatable {
        public var look: Int
        public var looks: Int
        /// Position in the clip, 0…1.
        public var position: Double
        public var slowMotion: Bool
        /// The shopper agreed to share this session's clips.
        public var shared: Bool
        /// The link to this look for the shopper's phone, when the mirror serves share links.
        public var link: ShareCard?
        /// Whether the look can be saved to the shopper's profile (they identified), and whether it was.
        public var saveable: Bool
        public var saved: Bool
        /// Just saved: the code that opens this look again at a later visit (shown to the shopper only now).
        public var code: String?
        /// Looks the identified shopper saved here at earlier visits (a button offers to compare with one).
        public var earlierLooks: Int
        /// Whether Compare would open something: two looks of this visit, or one beside an earlier visit's.
        public var canCompare: Bool

        public init(
            look: Int, looks: Int, position: Double, slowMotion: Bool, shared: Bool = false, link: ShareCard? = nil,
            saveable: Bool = false, saved: Bool = false, code: String? = nil, earlierLooks: Int = 0,
            canCompare: Bool? = nil
        ) {
            self.canCompare = canCompare ?? (looks >= 2)
            self.saveable = saveable
            self.saved = saved
            self.code = code
            self.earlierLooks = earlierLooks
            self.look = look
            self.looks = looks
            self.position = position
            self.slowMotion = slowMotion
            self.shared = shared
            self.link = link
        }
    }

    /// A short-lived link to one look: its QR code and the PIN the phone must type.
    public struct ShareCard: Sendable, Equatable {
        public var url: String
        public var pin: String
        public var minutes: Int
        public var symbol: QRSymbol

        public init?(url: String, pin: String, minutes: Int) {
            guard let symbol = QRSymbol(url) else { return nil }
            self.url = url
            self.pin = pin
            self.minutes = minutes
            self.symbol = symbol
        }
    }

    /// A suggestion card: a catalog item with its photo, why it is suggested, and stock for this store.
    public struct Garment: Sendable, Equatable {
        public var sku: String
        public var name: String
        public var price: String
        /// Sizes in the catalogue order and whether this store has each in stock.
        public var sizes: [Size]
        /// Colours available, as 0xRRGGBB; the first is the one shown.
        public var colours: [UInt32]
        /// The SKU of each colour (the same order); a tap on a swatch shows that one. Empty: swatches not tappable.
        public var colourSKUs: [String]
        /// Why it is suggested ("Your size M is in stock").
        public var reason: String
        /// The size the shopper needs, when known: highlighted, and what "Bring" asks for.
        public var size: String?
        public var favourite: Bool
        public var photo: ProductPhoto?

        public struct Size: Sendable, Equatable {
            public var label: String
            public var inStock: Bool
            public init(_ label: String, inStock: Bool) {
                self.label = label
                self.inStock = inStock
            }
        }

        public init(
            sku: String, name: String, price: String, sizes: [Size], colours: [UInt32], reason: String = "",
            size: String? = nil, favourite: Bool = false, photo: ProductPhoto? = nil, colourSKUs: [String] = []
        ) {
            self.colourSKUs = colourSKUs
            self.sku = sku
            self.name = name
            self.price = price
            self.sizes = sizes
            self.colours = colours
            self.reason = reason
            self.size = size
            self.favourite = favourite
            self.photo = photo
        }
    }

    /// The recognised garments (names) and the suggestion cards shown now, on a sheet beside the reflection.
    public struct Suggestions: Sendable, Equatable {
        public var recognised: [String]
        public var cards: [Garment]
        /// Whether a shopper's profile personalises them (else the loyalty code button shows).
        public var identified: Bool
        /// Where the cards shown stand among all the suggestions (the first shown, 0-based, and how many there
        /// are): "Next style" shows when there are more.
        public var first: Int
        public var total: Int
        /// How many suggestions the sheet pages through.
        public static let cardsKept = 6

        public init(
            recognised: [String], cards: [Garment], identified: Bool = false, first: Int = 0, total: Int? = nil
        ) {
            self.recognised = recognised
            self.cards = cards
            self.identified = identified
            self.first = first
            self.total = total ?? cards.count
        }

        /// How many cards sit side by side on the sheet, which takes the half of the panel the reflection leaves:
        /// two on a landscape panel, one (with "Next style") on a portrait one, each wide enough for 32 px text.
        public static func cardsAcross(width: Int, height: Int) -> Int { width > height ? 2 : 1 }
    }

    /// A code being typed (a loyalty code, or a saved look's code), and how the last try went.
    /// A question with its two answers; Yes is the id ``ButtonID/confirmYes``, No ``ButtonID/confirmNo``.
    public struct Confirm: Sendable, Equatable {
        public var title: String
        public var detail: String
        public var yes: String
        public var no: String
        /// A third way out, below the two: withdrawing consent (``ButtonID/withdraw``).
        public var withdraw: String?
        /// Answers to choose from instead of yes (``ButtonID/choose(_:)``): the sizes "Bring" asks about.
        public var choices: [String]

        public init(
            title: String, detail: String, yes: String, no: String, withdraw: String? = nil, choices: [String] = []
        ) {
            self.title = title
            self.detail = detail
            self.yes = yes
            self.no = no
            self.withdraw = withdraw
            self.choices = choices
        }
    }

    public struct CodeEntry: Sendable, Equatable {
        public enum Purpose: Sendable, Equatable {
            /// The shopper's loyalty code, over the suggestions.
            case loyalty
            /// The code shown when a look was saved, over the review screen: opens that look beside this visit's.
            case savedLook
        }

        public var purpose: Purpose
        public var typed: String
        /// Why the last code was not taken, or that it is being checked.
        public var message: String?

        public init(purpose: Purpose = .loyalty, typed: String = "", message: String? = nil) {
            self.purpose = purpose
            self.typed = typed
            self.message = message
        }

        /// The code as the panel shows it: all but the last two characters hidden (the mirror is in a shop).
        public var masked: String {
            String(repeating: "•", count: max(0, typed.count - 2)) + typed.suffix(2)
        }

        /// The keyboard's rows: digits, letters and the dash of codes like "DEMO-1234".
        public static let rows = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM"]
    }

    /// Whether the screen shows camera images (live or recorded) beneath it.
    /// A staff request on its way, in the words staff read.
    public struct OpenRequest: Sendable, Equatable {
        public var id: Int64
        public var words: String

        public init(id: Int64, words: String) {
            self.id = id
            self.words = words
        }
    }

    public var showsImages: Bool {
        switch self {
        case .attract, .cameraLost, .testPattern: false
        default: true
        }
    }
}

/// Button ids: what a tap on each button asks for (the session maps them to its events).
public enum ButtonID {
    public static let start = "start"
    public static let accept = "accept"
    public static let decline = "decline"
    public static let cancel = "cancel"
    public static let stop = "stop"
    public static let slowMotion = "slow-motion"
    public static let compare = "compare"
    public static let recordAgain = "record"
    public static let suggestions = "suggestions"
    public static let staff = "staff"
    public static let nextStyle = "next-style"
    public static let done = "back"
    public static let share = "share"
    /// Finish the visit (the live mirror's corner button): the rating screen, then the end.
    public static let finish = "finish"
    /// From the live mirror: the visit's last look, to watch and compare.
    public static let myLooks = "my-looks"
    /// Deletes the visit's looks, after a question.
    public static let deleteLooks = "delete-looks"
    public static let confirmYes = "confirm:yes"
    /// Withdraws consent: ends the visit and deletes what it kept (a saved look only if the shopper says so).
    public static let withdraw = "withdraw"
    /// "Not you?" beside the profile the suggestions use: forgets it for the visit.
    public static let notYou = "not-you"
    /// One of the answers a question offers (a size to bring).
    public static func choose(_ answer: String) -> String { "choose:\(answer)" }
    /// Undo or Cancel on the staff request `id`, on its way.
    public static func cancelRequest(_ id: Int64) -> String { "cancel-request:\(id)" }
    public static let confirmNo = "confirm:no"
    /// The rating screen's Skip.
    public static let skip = "skip"
    /// A face on the rating screen, 1 (unhappy) to 5 (delighted).
    public static func rate(_ face: Int) -> String { "rate:\(face)" }
    /// Saves the look under review to the identified shopper's profile.
    public static let save = "save"
    /// Compare with a look saved at an earlier visit (asks for its code).
    public static let earlier = "earlier"
    /// The suggestions screen's "Loyalty code" button, and the code entry's own buttons.
    public static let loyalty = "loyalty"
    public static let codeOK = "code:ok"
    public static let codeCancel = "code:cancel"
    public static let codeDelete = "key:delete"
    public static func key(_ character: Character) -> String { "key:\(character)" }

    /// A look on the compare screen (its whole cell), by its place in the grid: picks it as the favourite.
    public static func look(_ index: Int) -> String { "look:\(index)" }

    /// Card buttons carry the card's SKU (and size): `favourite:SKU`, `bring:SKU` (or `bring:SKU:M`, the size the
    /// card names on its button), `dismiss:SKU`, `size:SKU:M`.
    public static func favourite(_ sku: String) -> String { "favourite:\(sku)" }
    public static func bring(_ sku: String, size: String? = nil) -> String {
        "bring:\(sku)" + (size.map { ":\($0)" } ?? "")
    }
    public static func dismiss(_ sku: String) -> String { "dismiss:\(sku)" }
    public static func size(_ sku: String, _ size: String) -> String { "size:\(sku):\(size)" }
    /// A colour swatch on a card: show `variant` (another colour of the card's style) instead of `sku`.
    public static func colour(_ sku: String, _ variant: String) -> String { "colour:\(sku):\(variant)" }
}

/// A product photo for a suggestion card: decoded once, never changed afterwards, so it can be shared
/// between the controller and the display thread.
public final class ProductPhoto: @unchecked Sendable, Equatable {
    public let image: PixelBuffer
    public init(_ image: PixelBuffer) { self.image = image }
    public static func == (a: ProductPhoto, b: ProductPhoto) -> Bool { a === b }
}
