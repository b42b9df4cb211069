/// The visit's code keyboard as a value: the loyalty code over the suggestions, or a saved look's code over the
/// review screen. Keys, scans and the answers of the checks come in as events; what to check goes out as effects,
/// carried out by the daemon, whose answer comes back as an event. An answer for a code no longer on the keyboard
/// (typed on, cancelled, the visit gone) changes nothing. Codes are never logged.
public struct CodeKeyboard: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        /// The shopper's loyalty code, over the suggestions.
        case loyalty
        /// The code shown when a look was saved, over the review screen: opens that look beside this visit's.
        case savedLook
    }

    /// What a saved look's code opened.
    public enum LookAnswer: Sendable, Equatable {
        case opened
        case wrong(triesLeft: Int)
        case locked
        /// The mirror could not look (its store failed).
        case unavailable
    }

    public enum Event: Sendable, Equatable {
        /// The button that opens the keyboard for `purpose`; `allowed` says whether the screen offers it now.
        case open(Purpose, allowed: Bool)
        case key(Character)
        case delete
        case ok
        case cancel
        /// A QR code the camera read: taken as a loyalty code while that keyboard is open, each code once.
        case scanned(String)
        case loyaltyChecked(code: String, found: Bool)
        case lookChecked(code: String, LookAnswer)
        /// The visit moved to another screen: the loyalty keyboard stays over the suggestions, any other closes.
        case screenChanged(toSuggestions: Bool)
    }

    public enum Effect: Sendable, Equatable {
        case checkLoyalty(String)
        case openSavedLook(String)
    }

    /// What the keyboard shows while it is open.
    public struct Entry: Sendable, Equatable {
        public var purpose: Purpose
        public var typed: String
        /// Why the last code was not taken, or that it is being checked.
        public var message: String?

        public init(purpose: Purpose, typed: String = "", message: String? = nil) {
            self.purpose = purpose
            self.typed = typed
            self.message = message
        }
    }

    public static let maxLength = 24
    /// The keys: digits, capital letters and the dash of codes like "DEMO-1234".
    public static func isKey(_ character: Character) -> Bool {
        character == "-" || ("0"..."9").contains(character) || ("A"..."Z").contains(character)
    }

    public private(set) var entry: Entry?
    /// Loyalty codes read off QR codes since the keyboard opened: each is checked once (a wrong one held up stays
    /// refused without asking the hub again and again).
    public private(set) var scannedCodes: Set<String> = []

    public init() {}

    /// Applies `event`; `handled` is false when it means nothing now (a key with the keyboard closed, say).
    public mutating func handle(_ event: Event) -> (handled: Bool, effects: [Effect]) {
        switch event {
        case .open(let purpose, let allowed):
            guard allowed else { return (false, []) }
            entry = Entry(purpose: purpose)
            scannedCodes = []
            return (true, [])
        case .cancel:
            guard entry != nil else { return (false, []) }
            entry = nil
            return (true, [])
        case .delete:
            guard var open = entry else { return (false, []) }
            open.typed = String(open.typed.dropLast())
            open.message = nil
            entry = open
            return (true, [])
        case .key(let character):
            guard var open = entry, Self.isKey(character), open.typed.count < Self.maxLength else {
                return (false, [])
            }
            open.typed.append(character)
            open.message = nil
            entry = open
            return (true, [])
        case .ok:
            guard var open = entry, !open.typed.isEmpty else { return (false, []) }
            open.message = "Checking…"
            entry = open
            return (true, [open.purpose == .loyalty ? .checkLoyalty(open.typed) : .openSavedLook(open.typed)])
        case .scanned(let text):
            let code = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
                .uppercased()
            guard entry?.purpose == .loyalty, !code.isEmpty, code.count <= Self.maxLength,
                code.allSatisfy(Self.isKey), scannedCodes.insert(code).inserted
            else { return (false, []) }
            entry = Entry(purpose: .loyalty, typed: code, message: "Checking…")
            return (true, [.checkLoyalty(code)])
        case .loyaltyChecked(let code, let found):
            guard entry?.purpose == .loyalty, entry?.typed == code else { return (false, []) }
            entry = found ? nil : Entry(purpose: .loyalty, typed: code, message: "No opted-in profile with that code")
            return (true, [])
        case .lookChecked(let code, let answer):
            guard entry?.purpose == .savedLook, entry?.typed == code else { return (false, []) }
            switch answer {
            case .opened: entry = nil
            case .wrong(let left):
                entry?.message = "That code opens none of your looks · \(left) \(left == 1 ? "try" : "tries") left"
            case .locked: entry?.message = "Too many wrong codes: try again tomorrow"
            case .unavailable: entry?.message = "The mirror cannot open saved looks just now"
            }
            return (true, [])
        case .screenChanged(let toSuggestions):
            guard entry != nil, !(toSuggestions && entry?.purpose == .loyalty) else { return (false, []) }
            entry = nil
            return (true, [])
        }
    }
}
