import MirrorCore

/// The session and screen as `GET /v1/ui` reports them; `mirrorctl ui state` prints it.
public struct UIReport: Codable, Sendable, Equatable {
    /// The session state: `idle`, `live`, `consent`, `countdown`, `recording`, `review`, `compare`,
    /// `suggestions`, `staffOnTheWay` or `rating`.
    public var state: String
    /// The session's id while someone uses the mirror.
    public var session: String?
    /// Clip numbers recorded in this session.
    public var clips: [Int]
    /// The buttons on the panel now, by id.
    public var buttons: [String]
    public var diagnostics: Bool
    /// On the compare screen: the looks in grid order (press `look:N` to pick the N-th, from 0).
    public var looks: [Look]?
    /// On the review screen after Share: the link and PIN the panel shows for the shopper's phone.
    public var shareLink: ShareLink?
    /// On the review screen after Save: the code the panel shows for opening the look at a later visit.
    public var savedLookCode: String?
    /// On the code keyboard: what the panel says about the last code typed ("… 4 tries left").
    public var codeMessage: String?
    /// Every control on the panel now, in drawing order: its id (what `ui press` takes), what it says, and its
    /// rectangle in panel pixels from the top left.
    public var controls: [Control]?

    public struct Control: Codable, Sendable, Equatable {
        public var id: String
        public var text: String
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int

        public init(id: String, text: String, x: Int, y: Int, width: Int, height: Int) {
            self.id = id
            self.text = text
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public struct ShareLink: Codable, Sendable, Equatable {
        public var url: String
        public var pin: String
        public var minutes: Int

        public init(url: String, pin: String, minutes: Int) {
            self.url = url
            self.pin = pin
            self.minutes = minutes
        }
    }

    public struct Look: Codable, Sendable, Equatable {
        public var title: String
        /// The garments recognised while it was recorded, in words.
        public var garments: [String]
        public var favourite: Bool

        public init(title: String, garments: [String], favourite: Bool) {
            self.title = title
            self.garments = garments
            self.favourite = favourite
        }
    }

    public init(
        state: String, session: String?, clips: [Int], buttons: [String], diagnostics: Bool, looks: [Look]? = nil,
        shareLink: ShareLink? = nil, savedLookCode: String? = nil, codeMessage: String? = nil,
        controls: [Control]? = nil
    ) {
        self.controls = controls
        self.shareLink = shareLink
        self.savedLookCode = savedLookCode
        self.codeMessage = codeMessage
        self.state = state
        self.session = session
        self.clips = clips
        self.buttons = buttons
        self.diagnostics = diagnostics
        self.looks = looks
    }
}

/// The panel as `GET /v1/display` reports it; `mirrorctl display info` prints it.
public struct DisplayInfo: Codable, Sendable, Equatable {
    public var device: String
    public var width: Int
    public var height: Int
    /// Bytes per line.
    public var stride: Int
    public var bitsPerPixel: Int
    /// `XRGB8888`, `XBGR8888`, `RGB565` or the bitfields.
    public var pixelFormat: String
    /// `offset:length` of red, green and blue.
    public var red: String
    public var green: String
    public var blue: String
    /// Buffering, vsync and console mode.
    public var features: [String]
    /// Degrees the camera picture is turned; whether it is flipped like a mirror.
    public var rotation: Int
    public var mirror: Bool

    public init(
        device: String, width: Int, height: Int, stride: Int, bitsPerPixel: Int, pixelFormat: String, red: String,
        green: String, blue: String, features: [String], rotation: Int, mirror: Bool
    ) {
        self.device = device
        self.width = width
        self.height = height
        self.stride = stride
        self.bitsPerPixel = bitsPerPixel
        self.pixelFormat = pixelFormat
        self.red = red
        self.green = green
        self.blue = blue
        self.features = features
        self.rotation = rotation
        self.mirror = mirror
    }
}

/// One clip as `GET /v1/clips` lists it (never its key or its pixels).
public struct ClipInfo: Codable, Sendable, Equatable {
    public var id: String
    public var session: String
    /// `recording` or `ready`.
    public var state: String
    public var frames: Int
    public var width: Int
    public var height: Int
    public var fps: Double
    public var bytes: Int
    /// Wall-clock time of recording, ISO 8601.
    public var created: String
    /// Saved to the shopper's profile: kept beyond the retention period.
    public var saved: Bool
    /// Whether the vision core saw a full turn in the clip (nil without vision).
    public var turnComplete: Bool?
    /// The shopper's turn phase per frame, 0…1 of a turn (nil where it was not followed).
    public var turnPhases: [Float?]?

    public init(
        id: String, session: String, state: String, frames: Int, width: Int, height: Int, fps: Double, bytes: Int,
        created: String, saved: Bool, turnComplete: Bool? = nil, turnPhases: [Float?]? = nil
    ) {
        self.turnComplete = turnComplete
        self.turnPhases = turnPhases
        self.id = id
        self.session = session
        self.state = state
        self.frames = frames
        self.width = width
        self.height = height
        self.fps = fps
        self.bytes = bytes
        self.created = created
        self.saved = saved
    }
}

/// The answer to a purge: how many clips went.
public struct PurgeReport: Codable, Sendable, Equatable {
    public var deleted: Int
    public init(deleted: Int) { self.deleted = deleted }
}

/// One suggestion as `GET /v1/suggestions` lists it; `mirrorctl suggestions` prints it.
public struct SuggestionCard: Codable, Sendable, Equatable {
    public var sku: String
    public var name: String
    public var colour: String
    public var price: String
    /// `your-size`, `also-in`, `completes-the-look` or `similar`.
    public var kind: String
    /// The sentence on the card.
    public var reason: String
    /// The size the shopper needs, when known.
    public var size: String?
    /// Sizes in catalog order with whether this store has each in stock.
    public var sizes: [String]
    public var inStock: [Bool]
    public var favourite: Bool

    public init(
        sku: String, name: String, colour: String, price: String, kind: String, reason: String, size: String?,
        sizes: [String], inStock: [Bool], favourite: Bool
    ) {
        self.sku = sku
        self.name = name
        self.colour = colour
        self.price = price
        self.kind = kind
        self.reason = reason
        self.size = size
        self.sizes = sizes
        self.inStock = inStock
        self.favourite = favourite
    }
}

/// The suggestions of the current session.
public struct SuggestionsReport: Codable, Sendable, Equatable {
    /// Whether a shopper identified with a loyalty code in this session (the code itself is not shown).
    public var identified: Bool
    /// The catalog items the shopper is trying, as recognised.
    public var tried: [String]
    public var suggestions: [SuggestionCard]
    public var favourites: [String]
    public var catalogItems: Int
    /// Why suggestions are missing or stale, in words staff can act on.
    public var problem: String?

    public init(
        identified: Bool, tried: [String], suggestions: [SuggestionCard], favourites: [String], catalogItems: Int,
        problem: String?
    ) {
        self.identified = identified
        self.tried = tried
        self.suggestions = suggestions
        self.favourites = favourites
        self.catalogItems = catalogItems
        self.problem = problem
    }
}

/// A garment a shopper asked staff to bring, as `GET /v1/requests` lists it.
public struct StaffRequestInfo: Codable, Sendable, Equatable {
    public var id: Int
    /// When it was asked, ISO 8601.
    public var at: String
    public var sku: String
    public var size: String?
    /// What to bring, in words.
    public var description: String
    /// `open`, `done` (brought) or `cancelled` (by the shopper, on the glass).
    public var state: String

    public init(id: Int, at: String, sku: String, size: String?, description: String, state: String) {
        self.id = id
        self.at = at
        self.sku = sku
        self.size = size
        self.description = description
        self.state = state
    }
}
