import CCairo
import MirrorImaging

/// The screens of a session, drawn over (or instead of) the live mirror.
public enum Screen: Sendable, Equatable {
    /// Nobody there: the invitation.
    case attract
    /// The plain live mirror with its hint.
    case live(hint: String)
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
    /// A staff request was sent.
    case staffOnTheWay(request: String)
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

        public init(
            look: Int, looks: Int, position: Double, slowMotion: Bool, shared: Bool = false, link: ShareCard? = nil,
            saveable: Bool = false, saved: Bool = false, code: String? = nil, earlierLooks: Int = 0
        ) {
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

    /// The recognised garments (names) and up to three suggestion cards.
    public struct Suggestions: Sendable, Equatable {
        public var recognised: [String]
        public var cards: [Garment]
        /// Whether a shopper's profile personalises them (else the loyalty code button shows).
        public var identified: Bool
        public init(recognised: [String], cards: [Garment], identified: Bool = false) {
            self.recognised = recognised
            self.cards = cards
            self.identified = identified
        }
    }

    /// A code being typed (a loyalty code, or a saved look's code), and how the last try went.
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
        public static let maxLength = 24
    }

    /// Whether the screen shows camera images (live or recorded) beneath it.
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
    public static let done = "back"
    public static let share = "share"
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

    /// Card buttons carry the card's SKU (and size): `favourite:SKU`, `bring:SKU`, `dismiss:SKU`, `size:SKU:M`.
    public static func favourite(_ sku: String) -> String { "favourite:\(sku)" }
    public static func bring(_ sku: String) -> String { "bring:\(sku)" }
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

extension MirrorRenderer {
    /// Draws `screen` over `images`: the live or recorded frame (compare: one per look); screens that
    /// show no images ignore them. `diagnostics` adds the staff panel.
    public func draw(_ screen: Screen, images: [PixelBuffer], diagnostics: [String]? = nil) {
        canvas.beginLayout()
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        let width = Double(canvas.width)
        let height = Double(canvas.height)
        if case .compare = screen, images.count >= 2 {
            canvas.fill(Color(hex: 0x0B0B0D))  // the gaps between the looks
            drawGrid(images)
        } else if screen.showsImages, let first = images.first {
            drawImage(first, x: 0, y: 0, width: width, height: height)
        } else {
            canvas.verticalGradient(y: 0, height: height, top: Color(hex: 0x1B1A1F), bottom: Color(hex: 0x0B0B0D))
        }
        let layout = Layout(width: width, height: height, unit: unit)
        switch screen {
        case .attract: drawAttract(layout)
        case .live(let hint): drawLiveHint(hint, layout)
        case .consent(let clipSeconds, let keepHours):
            drawConsent(clipSeconds: clipSeconds, keepHours: keepHours, layout)
        case .countdown(let seconds): drawCountdown(seconds, layout)
        case .recording(let progress, let secondsLeft): drawRecording(progress, secondsLeft, layout)
        case .review(let review): drawReview(review, layout)
        case .compare(let compare): drawCompare(compare, count: images.count, layout)
        case .suggestions(let suggestions): drawSuggestions(suggestions, layout)
        case .codeEntry(let entry): drawCodeEntry(entry, layout)
        case .staffOnTheWay(let request): drawStaff(request, layout)
        case .testPattern(let lines): drawTestPattern(lines, layout)
        case .cameraLost(let detail): drawTitle("Camera reconnecting…", detail: detail, unit: unit)
        }
        if let diagnostics { drawDiagnostics(diagnostics) }
        canvas.flush()
    }

    /// Convenience for screens over a single image.
    public func draw(_ screen: Screen, live: PixelBuffer?) {
        draw(screen, images: live.map { [$0] } ?? [])
    }

    /// The panel's proportions: sheets are at most 1000 units wide and sit at the bottom, so the same
    /// layout works portrait (1080x1920 first, 720x1280) and landscape (1920x1080).
    struct Layout {
        let width: Double
        let height: Double
        let unit: Double
        var sheetWidth: Double { min(width - 120 * unit, 1000 * unit) }
        var sheetX: Double { (width - sheetWidth) / 2 }
        /// The top of a bottom sheet of the given height, 60 units above the bottom edge.
        func sheetTop(height sheet: Double) -> Double { height - sheet - 60 * unit }
    }

    private func drawAttract(_ l: Layout) {
        let unit = l.unit
        let top = min(l.height * 0.36, l.height - 520 * unit)
        canvas.text(
            "MIRROR", x: l.width / 2, y: top, size: 54 * unit, color: Palette.gold, bold: true, anchor: 0.5,
            tracking: 22 * unit)
        canvas.text(
            "See your look from every side", x: l.width / 2, y: top + 110 * unit, size: 56 * unit, color: .white,
            anchor: 0.5)
        canvas.text(
            "Step in front of the mirror and tap to begin", x: l.width / 2, y: top + 180 * unit, size: 32 * unit,
            color: Palette.muted, anchor: 0.5)
        let buttonY = min(l.height * 0.62, top + 300 * unit)
        button(
            ButtonID.start, "Tap to start", x: l.width / 2 - 230 * unit, y: buttonY, width: 460 * unit,
            height: 110 * unit, unit: unit, primary: true)
    }

    private func drawLiveHint(_ hint: String, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        let band = 260 * unit
        canvas.verticalGradient(
            y: l.height - band, height: band, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.55))
        if !hint.isEmpty {
            canvas.text(hint, x: l.width / 2, y: l.height - 90 * unit, size: 40 * unit, color: .white, anchor: 0.5)
        }
    }

    private func drawConsent(clipSeconds: Int, keepHours: Int, _ l: Layout) {
        let unit = l.unit
        let top = l.sheetTop(height: 820 * unit)
        drawBrand(unit: unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: 820 * unit, radius: 36 * unit, color: Palette.sheet)
        let left = l.sheetX + 60 * unit
        canvas.text("Record this look?", x: left, y: top + 120 * unit, size: 58 * unit, color: .white, bold: true)
        let lines = [
            "The mirror films you for \(clipSeconds) seconds while you turn.",
            "Only you can watch it, here on this mirror.",
            "It is deleted \(keepHours) hours after you leave,",
            "unless you save it to your profile.",
            "No face recognition. Nothing is shared without your OK.",
        ]
        for (index, line) in lines.enumerated() {
            canvas.text(
                canvas.fitted(line, width: l.sheetWidth - 120 * unit, size: 34 * unit), x: left,
                y: top + (220 + Double(index) * 62) * unit, size: 34 * unit, color: Palette.muted)
        }
        let buttonY = top + 620 * unit
        let buttonWidth = (l.sheetWidth - 180 * unit) / 2
        button(
            ButtonID.decline, "No, thanks", x: left, y: buttonY, width: buttonWidth, height: 120 * unit, unit: unit,
            primary: false)
        button(
            ButtonID.accept, "Record", x: l.sheetX + l.sheetWidth - 60 * unit - buttonWidth, y: buttonY,
            width: buttonWidth, height: 120 * unit, unit: unit, primary: true)
    }

    private func drawCountdown(_ seconds: Int, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let middle = l.height / 2 - 60 * unit
        canvas.circle(x: l.width / 2, y: middle, radius: 190 * unit, color: Color(0, 0, 0, 0.45))
        canvas.text(
            "\(seconds)", x: l.width / 2, y: middle + 90 * unit, size: 260 * unit, color: .white, bold: true,
            anchor: 0.5)
        canvas.text(
            "Get ready to turn slowly", x: l.width / 2, y: middle + 290 * unit, size: 44 * unit, color: .white,
            anchor: 0.5)
        button(
            ButtonID.cancel, "Cancel", x: l.width / 2 - 150 * unit, y: l.height - 200 * unit, width: 300 * unit,
            height: 96 * unit, unit: unit, primary: false)
    }

    private func drawRecording(_ progress: Double, _ secondsLeft: Int, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        canvas.verticalGradient(
            y: l.height - 300 * unit, height: 300 * unit, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.6))
        // Top right: the brand mark holds the top left.
        canvas.circle(x: l.width - 150 * unit, y: 64 * unit, radius: 18 * unit, color: Palette.record)
        canvas.text(
            "REC", x: l.width - 40 * unit, y: 77 * unit, size: 36 * unit, color: .white, bold: true, anchor: 1)
        canvas.text(
            "Turn slowly all the way round", x: l.width / 2, y: l.height - 170 * unit, size: 44 * unit,
            color: .white, anchor: 0.5)
        progressBar(progress, x: 80 * unit, y: l.height - 110 * unit, width: l.width - 160 * unit, unit: unit)
        canvas.text(
            "\(secondsLeft) s", x: l.width - 80 * unit, y: l.height - 60 * unit, size: 30 * unit, color: Palette.muted,
            anchor: 1)
    }

    private func drawReview(_ review: Screen.Review, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        canvas.text(
            "Look \(review.look) of \(review.looks)", x: l.width - 40 * unit, y: 76 * unit, size: 30 * unit,
            color: .white, bold: true, anchor: 1)
        let top = l.sheetTop(height: 300 * unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: 300 * unit, radius: 36 * unit, color: Palette.sheet)
        let inner = l.sheetWidth - 120 * unit
        progressBar(review.position, x: l.sheetX + 60 * unit, y: top + 60 * unit, width: inner, unit: unit)
        canvas.text(
            review.slowMotion ? "Slow motion · swipe to scrub" : "Swipe to scrub", x: l.width / 2,
            y: top + 130 * unit, size: 28 * unit, color: Palette.muted, anchor: 0.5)
        let gap = 16 * unit
        var labels = [
            (ButtonID.slowMotion, review.slowMotion ? "Normal" : "Slow"), (ButtonID.compare, "Compare"),
            (ButtonID.suggestions, "Styles"), (ButtonID.share, review.shared ? "Shared" : "Share"),
        ]
        if review.saveable { labels.append((ButtonID.save, review.saved ? "Saved" : "Save")) }
        labels.append((ButtonID.done, "Done"))
        let buttonWidth = (inner - Double(labels.count - 1) * gap) / Double(labels.count)
        for (index, (id, label)) in labels.enumerated() {
            button(
                id, label, x: l.sheetX + 60 * unit + Double(index) * (buttonWidth + gap), y: top + 170 * unit,
                width: buttonWidth, height: 90 * unit, unit: unit, primary: id == ButtonID.done)
        }
        var above = top
        if let code = review.code {
            above = drawBanner(
                "Saved to your profile", "Its code, to watch it at your next visit",
                big: "\(code.prefix(3)) \(code.dropFirst(3))", above: above, l)
        } else if review.earlierLooks > 0 {
            let looks = review.earlierLooks == 1 ? "a look" : "\(review.earlierLooks) looks"
            above = drawBanner(
                "You saved \(looks) here", "Compare with this one: type its code", button: (ButtonID.earlier, "Open"),
                above: above, l)
        }
        if let link = review.link { drawShareCard(link, above: above, l) }
    }

    /// A short sheet above the one at `sheetTop`: a title, a line, and a big code or a button. Returns its top.
    private func drawBanner(
        _ title: String, _ line: String, big: String? = nil, button: (id: String, label: String)? = nil,
        above sheetTop: Double, _ l: Layout
    ) -> Double {
        let unit = l.unit
        let height = 170 * unit
        let top = sheetTop - height - 30 * unit
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: height, radius: 36 * unit, color: Palette.sheet)
        let left = l.sheetX + 50 * unit
        let side =
            big.map { canvas.textWidth($0, size: 64 * unit, bold: true) + 4 * unit * Double($0.count) } ?? 220 * unit
        let width = l.sheetWidth - 100 * unit - side - 30 * unit
        canvas.text(
            canvas.fitted(title, width: width, size: 34 * unit, bold: true), x: left, y: top + 70 * unit,
            size: 34 * unit, color: .white, bold: true)
        canvas.text(
            canvas.fitted(line, width: width, size: 26 * unit), x: left, y: top + 118 * unit, size: 26 * unit,
            color: Palette.muted)
        let right = l.sheetX + l.sheetWidth - 50 * unit
        if let big {
            canvas.text(
                big, x: right, y: top + 110 * unit, size: 64 * unit, color: Palette.gold, bold: true, anchor: 1,
                tracking: 4 * unit)
        }
        if let button {
            self.button(
                button.id, button.label, x: right - side, y: top + 37 * unit, width: side, height: 96 * unit,
                unit: unit, primary: false)
        }
        return top
    }

    /// The QR code of the share link on a white square (with the quiet zone scanners need), beside the PIN.
    private func drawShareCard(_ link: Screen.ShareCard, above sheetTop: Double, _ l: Layout) {
        let unit = l.unit
        let height = 440 * unit
        let top = sheetTop - height - 30 * unit
        guard top > 120 * unit else { return }
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: height, radius: 36 * unit, color: Palette.sheet)
        let side = height - 60 * unit
        let x = l.sheetX + 30 * unit
        let y = top + 30 * unit
        canvas.roundedRectangle(x: x, y: y, width: side, height: side, radius: 12 * unit, color: .white)
        let symbol = link.symbol
        // Whole pixels per module on whole-pixel edges, each row's dark runs as one rectangle: no antialiased
        // seams between modules for a scanner to trip on.
        let module = (side / Double(symbol.size + 8)).rounded(.down)
        let originX = (x + (side - module * Double(symbol.size)) / 2).rounded()
        let originY = (y + (side - module * Double(symbol.size)) / 2).rounded()
        for row in 0..<symbol.size {
            var column = 0
            while column < symbol.size {
                guard symbol.isDark(x: column, y: row) else {
                    column += 1
                    continue
                }
                var end = column
                while end < symbol.size, symbol.isDark(x: end, y: row) { end += 1 }
                canvas.rectangle(
                    x: originX + Double(column) * module, y: originY + Double(row) * module,
                    width: Double(end - column) * module, height: module, color: .black)
                column = end
            }
        }
        let left = x + side + 40 * unit
        let width = l.sheetX + l.sheetWidth - 40 * unit - left
        canvas.text(
            canvas.fitted("This look on your phone", width: width, size: 34 * unit, bold: true), x: left,
            y: top + 90 * unit, size: 34 * unit, color: .white, bold: true)
        canvas.text(
            canvas.fitted("Scan, then type the PIN", width: width, size: 28 * unit), x: left, y: top + 140 * unit,
            size: 28 * unit, color: Palette.muted)
        let pin = link.pin.count == 6 ? "\(link.pin.prefix(3)) \(link.pin.suffix(3))" : link.pin
        canvas.text(
            pin, x: left, y: top + 250 * unit, size: 72 * unit, color: Palette.gold, bold: true, tracking: 4 * unit)
        canvas.text(
            canvas.fitted("For \(link.minutes) minutes, this look only", width: width, size: 26 * unit),
            x: left, y: top + 330 * unit, size: 26 * unit, color: Palette.muted)
    }

    /// Two looks side by side; three or four in a grid.
    private func drawGrid(_ images: [PixelBuffer]) {
        let cells = gridCells(count: images.count)
        for (image, cell) in zip(images, cells) {
            drawImage(image, x: cell.x, y: cell.y, width: cell.width, height: cell.height)
        }
    }

    private func gridCells(count: Int) -> [(x: Double, y: Double, width: Double, height: Double)] {
        let width = Double(canvas.width)
        let height = Double(canvas.height)
        let columns = 2
        let rows = count <= 2 ? 1 : 2
        let gap = 6.0
        let cellWidth = (width - gap * Double(columns - 1)) / Double(columns)
        let cellHeight = (height - gap * Double(rows - 1)) / Double(rows)
        return (0..<count).map { index in
            (
                Double(index % columns) * (cellWidth + gap), Double(index / columns) * (cellHeight + gap), cellWidth,
                cellHeight
            )
        }
    }

    private func drawCompare(_ compare: Screen.Compare, count: Int, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        canvas.text(
            "Tap a look to pick your favourite", x: l.width - 40 * unit, y: 76 * unit, size: 28 * unit,
            color: Palette.muted, anchor: 1)
        let cells = gridCells(count: max(count, 2))
        for (index, (look, cell)) in zip(compare.looks, cells).enumerated() {
            // The whole look is the touch target; Done, a button, wins a tap where they overlap.
            canvas.record(.area(ButtonID.look(index)), x: cell.x, y: cell.y, width: cell.width, height: cell.height)
            let picked = compare.favourite == index
            if picked {
                let edge = 8 * unit
                canvas.rectangle(x: cell.x, y: cell.y, width: cell.width, height: edge, color: Palette.gold)
                canvas.rectangle(
                    x: cell.x, y: cell.y + cell.height - edge, width: cell.width, height: edge, color: Palette.gold)
                canvas.rectangle(x: cell.x, y: cell.y, width: edge, height: cell.height, color: Palette.gold)
                canvas.rectangle(
                    x: cell.x + cell.width - edge, y: cell.y, width: edge, height: cell.height, color: Palette.gold)
            }
            let title = picked ? "\(look.title) · favourite" : look.title
            let garments = look.garments.joined(separator: ", ")
            let widest = max(
                canvas.textWidth(title, size: 30 * unit, bold: picked), canvas.textWidth(garments, size: 24 * unit))
            let chipWidth = min(cell.width - 40 * unit, widest + 60 * unit)
            let chipHeight = (garments.isEmpty ? 60 : 96) * unit
            let chipY =
                cell.y + cell.height - (cell.y + cell.height >= l.height - 1 ? 260 : 100) * unit
                - (chipHeight - 60 * unit)
            canvas.roundedRectangle(
                x: cell.x + (cell.width - chipWidth) / 2, y: chipY, width: chipWidth, height: chipHeight,
                radius: 30 * unit, color: picked ? Palette.gold : Palette.sheet)
            canvas.text(
                canvas.fitted(title, width: chipWidth - 40 * unit, size: 30 * unit, bold: picked),
                x: cell.x + cell.width / 2, y: chipY + 41 * unit, size: 30 * unit, color: picked ? Palette.ink : .white,
                bold: picked, anchor: 0.5)
            if !garments.isEmpty {
                canvas.text(
                    canvas.fitted(garments, width: chipWidth - 40 * unit, size: 24 * unit), x: cell.x + cell.width / 2,
                    y: chipY + 78 * unit, size: 24 * unit, color: picked ? Palette.ink : Palette.muted, anchor: 0.5)
            }
        }
        button(
            ButtonID.done, "Done", x: l.width / 2 - 150 * unit, y: l.height - 150 * unit, width: 300 * unit,
            height: 96 * unit, unit: unit, primary: true)
    }

    private func drawCodeEntry(_ entry: Screen.CodeEntry, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let sheetHeight = min(920 * unit, l.height - 160 * unit)
        let top = l.sheetTop(height: sheetHeight)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        let left = l.sheetX + 50 * unit
        let inner = l.sheetWidth - 100 * unit
        let (title, hint) =
            switch entry.purpose {
            case .loyalty: ("Your loyalty code", "Type it, or hold its QR code up to the camera. Never your face.")
            case .savedLook: ("Your saved look's code", "The mirror showed it when you saved the look.")
            }
        canvas.text(title, x: left, y: top + 86 * unit, size: 44 * unit, color: .white, bold: true)
        canvas.text(
            canvas.fitted(hint, width: inner, size: 26 * unit), x: left, y: top + 136 * unit, size: 26 * unit,
            color: Palette.muted)
        canvas.roundedRectangle(
            x: left, y: top + 170 * unit, width: inner, height: 96 * unit, radius: 20 * unit, color: Palette.quiet)
        if !entry.typed.isEmpty {
            canvas.text(
                entry.masked, x: left + inner / 2, y: top + 234 * unit, size: 44 * unit, color: .white, anchor: 0.5,
                tracking: 6 * unit)
        }
        if let message = entry.message {
            canvas.text(
                canvas.fitted(message, width: inner, size: 28 * unit), x: left + inner / 2, y: top + 316 * unit,
                size: 28 * unit, color: Palette.gold, anchor: 0.5)
        }
        // Ten keys across; the last row ends with a wide delete key.
        let gap = 10 * unit
        let key = (inner - 9 * gap) / 10
        let keyHeight = min(key * 1.1, (sheetHeight - 520 * unit) / 4 - gap)
        var y = top + 350 * unit
        for row in Screen.CodeEntry.rows {
            var x = left
            for character in row {
                button(
                    ButtonID.key(character), String(character), x: x, y: y, width: key, height: keyHeight, unit: unit,
                    primary: false)
                x += key + gap
            }
            if row.count < 10 {
                button(
                    ButtonID.codeDelete, "Delete", x: x, y: y, width: left + inner - x, height: keyHeight, unit: unit,
                    primary: false)
            }
            y += keyHeight + gap
        }
        let buttonWidth = (inner - 30 * unit) / 2
        button(
            ButtonID.codeCancel, "Cancel", x: left, y: top + sheetHeight - 130 * unit, width: buttonWidth,
            height: 96 * unit, unit: unit, primary: false)
        button(
            ButtonID.codeOK, "OK", x: left + buttonWidth + 30 * unit, y: top + sheetHeight - 130 * unit,
            width: buttonWidth, height: 96 * unit, unit: unit, primary: true)
    }

    private func drawSuggestions(_ suggestions: Screen.Suggestions, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        // Portrait panels take the full sheet; a short (landscape) panel gets smaller photos instead of
        // covering the top of the screen.
        let sheetHeight = min(1000 * unit, l.height - 200 * unit)
        let shrink = 1000 * unit - sheetHeight
        let top = l.sheetTop(height: sheetHeight)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        let left = l.sheetX + 50 * unit
        let inner = l.sheetWidth - 100 * unit
        canvas.text("We spotted", x: left, y: top + 80 * unit, size: 30 * unit, color: Palette.muted)
        // Recognised garments as chips on one line; what does not fit is summed up.
        var chipX = left
        for (index, name) in suggestions.recognised.enumerated() {
            let label = canvas.fitted(name, width: inner / 2, size: 30 * unit)
            let chipWidth = canvas.textWidth(label, size: 30 * unit) + 48 * unit
            let remaining = suggestions.recognised.count - index
            if chipX + chipWidth > left + inner - (remaining > 1 ? 120 * unit : 0) {
                canvas.text("+\(remaining)", x: chipX + 10 * unit, y: top + 152 * unit, size: 30 * unit, color: .white)
                break
            }
            canvas.roundedRectangle(
                x: chipX, y: top + 110 * unit, width: chipWidth, height: 60 * unit, radius: 30 * unit,
                color: Palette.quiet)
            canvas.text(label, x: chipX + 24 * unit, y: top + 152 * unit, size: 30 * unit, color: .white)
            chipX += chipWidth + 16 * unit
        }
        canvas.text("Picked for you", x: left, y: top + 250 * unit, size: 40 * unit, color: .white, bold: true)
        if suggestions.identified {
            canvas.text(
                "Using your profile", x: left + inner, y: top + 248 * unit, size: 28 * unit, color: Palette.gold,
                anchor: 1)
        } else {
            button(
                ButtonID.loyalty, "Loyalty code", x: left + inner - 280 * unit, y: top + 196 * unit,
                width: 280 * unit, height: 72 * unit, unit: unit, primary: false)
        }
        let cards = Array(suggestions.cards.prefix(3))
        if cards.isEmpty {
            canvas.text(
                canvas.fitted(
                    "Suggestions follow what you try on: stand back so the mirror sees it", width: inner,
                    size: 30 * unit),
                x: left, y: top + 330 * unit, size: 30 * unit, color: Palette.muted)
        }
        let gap = 24 * unit
        let cardWidth = (inner - 2 * gap) / 3
        for (index, card) in cards.enumerated() {
            drawCard(
                card, x: left + Double(index) * (cardWidth + gap), y: top + 290 * unit, width: cardWidth,
                shrink: shrink, unit)
        }
        let buttonWidth = (inner - gap) / 2
        button(
            ButtonID.staff, "Call a colleague", x: left, y: top + sheetHeight - 130 * unit, width: buttonWidth,
            height: 96 * unit, unit: unit, primary: false)
        button(
            ButtonID.done, "Back to mirror", x: left + buttonWidth + gap, y: top + sheetHeight - 130 * unit,
            width: buttonWidth, height: 96 * unit, unit: unit, primary: true)
    }

    private func drawCard(
        _ card: Screen.Garment, x: Double, y: Double, width: Double, shrink: Double, _ unit: Double
    ) {
        let height = 520 * unit - shrink
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: height, radius: 24 * unit, color: Color(1, 1, 1, 0.08))
        // The product photo on its white studio background; the main colour when there is no photo.
        let photoHeight = 190 * unit - shrink
        canvas.roundedRectangle(
            x: x + 16 * unit, y: y + 16 * unit, width: width - 32 * unit, height: photoHeight, radius: 16 * unit,
            color: card.photo == nil ? Color(hex: card.colours.first ?? 0x444444) : Color(hex: 0xF7F7F5))
        if let photo = card.photo {
            canvas.image(
                photo.image, x: x + 16 * unit, y: y + 16 * unit, width: width - 32 * unit, height: photoHeight)
        }
        // The style's colours as swatches along the photo's bottom edge, the one shown ringed; tap one to see it.
        if card.colours.count > 1 {
            let radius = 15 * unit
            var swatchX = x + 16 * unit + 14 * unit + radius
            let swatchY = y + 16 * unit + photoHeight - 14 * unit - radius
            for (index, colour) in card.colours.prefix(5).enumerated() {
                if index == 0 { canvas.circle(x: swatchX, y: swatchY, radius: radius + 4 * unit, color: Palette.ink) }
                canvas.circle(x: swatchX, y: swatchY, radius: radius + 2 * unit, color: .white)
                canvas.circle(x: swatchX, y: swatchY, radius: radius, color: Color(hex: colour))
                if index > 0, index < card.colourSKUs.count {
                    canvas.record(
                        .button(ButtonID.colour(card.sku, card.colourSKUs[index])), x: swatchX - radius - 4 * unit,
                        y: swatchY - radius - 4 * unit, width: 2 * radius + 8 * unit, height: 2 * radius + 8 * unit)
                }
                swatchX += 2 * radius + 16 * unit
            }
        }
        // Favourite: a heart in the photo's corner.
        let heart = 30 * unit
        canvas.circle(x: x + width - 44 * unit, y: y + 44 * unit, radius: heart, color: Color(0, 0, 0, 0.35))
        canvas.text(
            card.favourite ? "♥" : "♡", x: x + width - 44 * unit, y: y + 56 * unit, size: 34 * unit,
            color: card.favourite ? Palette.record : .white, anchor: 0.5)
        canvas.record(
            .button(ButtonID.favourite(card.sku)), x: x + width - 44 * unit - heart, y: y + 44 * unit - heart,
            width: 2 * heart, height: 2 * heart)
        let pad = 20 * unit
        var lineY = y + photoHeight + 60 * unit
        canvas.text(
            canvas.fitted(card.name, width: width - 2 * pad, size: 26 * unit, bold: true), x: x + pad, y: lineY,
            size: 26 * unit, color: .white, bold: true)
        lineY += 34 * unit
        canvas.text(card.price, x: x + pad, y: lineY, size: 26 * unit, color: Palette.gold)
        lineY += 34 * unit
        // The reason on up to two lines, broken between words.
        var first = ""
        var words = card.reason.split(separator: " ").map(String.init)
        while let word = words.first,
            canvas.textWidth(first.isEmpty ? word : "\(first) \(word)", size: 22 * unit) <= width - 2 * pad
        {
            first = first.isEmpty ? word : "\(first) \(word)"
            words.removeFirst()
        }
        for (index, line) in [first, words.joined(separator: " ")].enumerated() where !line.isEmpty {
            canvas.text(
                canvas.fitted(line, width: width - 2 * pad, size: 22 * unit), x: x + pad,
                y: lineY + Double(index) * 28 * unit, size: 22 * unit, color: Palette.muted)
        }
        lineY += 28 * unit
        // Sizes: in stock bright, out of stock dimmed, the shopper's ringed in gold; tap one to choose it.
        var sizeX = x + pad
        let sizeY = lineY + 20 * unit
        for size in card.sizes {
            let label = size.label
            let chip = max(44 * unit, canvas.textWidth(label, size: 22 * unit) + 20 * unit)
            guard sizeX + chip <= x + width - pad else { break }
            let chosen = size.label == card.size
            canvas.roundedRectangle(
                x: sizeX, y: sizeY, width: chip, height: 44 * unit, radius: 10 * unit,
                color: chosen ? Palette.gold : size.inStock ? Color(1, 1, 1, 0.22) : Color(1, 1, 1, 0.05))
            canvas.text(
                label, x: sizeX + chip / 2, y: sizeY + 30 * unit, size: 22 * unit,
                color: chosen ? Palette.ink : size.inStock ? .white : Color(1, 1, 1, 0.35), anchor: 0.5)
            if size.inStock {
                canvas.record(
                    .button(ButtonID.size(card.sku, size.label)), x: sizeX, y: sizeY, width: chip, height: 44 * unit)
            }
            sizeX += chip + 8 * unit
        }
        // Bring it (a staff request) and dismiss.
        let buttonY = y + height - 80 * unit
        let dismissWidth = 64 * unit
        button(
            ButtonID.bring(card.sku), card.size.map { "Bring \($0)" } ?? "Bring it", x: x + pad, y: buttonY,
            width: width - 2 * pad - dismissWidth - 10 * unit, height: 64 * unit, unit: unit, primary: false)
        button(
            ButtonID.dismiss(card.sku), "✕", x: x + width - pad - dismissWidth, y: buttonY, width: dismissWidth,
            height: 64 * unit, unit: unit, primary: false)
    }

    private func drawTestPattern(_ lines: [String], _ l: Layout) {
        let unit = l.unit
        let bars: [UInt32] = [0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF, 0x000000]
        let barWidth = l.width / Double(bars.count)
        for (index, bar) in bars.enumerated() {
            canvas.rectangle(
                x: Double(index) * barWidth, y: 0, width: barWidth + 1, height: l.height * 0.5, color: Color(hex: bar))
        }
        // A 16-step grey ramp: banding or swapped channels show at once.
        for step in 0..<16 {
            let level = Double(step) / 15
            canvas.rectangle(
                x: Double(step) * l.width / 16, y: l.height * 0.5, width: l.width / 16 + 1, height: l.height * 0.12,
                color: Color(level, level, level))
        }
        canvas.rectangle(x: 0, y: l.height * 0.62, width: l.width, height: l.height * 0.38, color: Color(hex: 0x202024))
        // One-pixel white frame on the outermost pixels: all four edges must be visible on the glass.
        for (x, y, w, h) in [
            (0.0, 0.0, l.width, 1.0), (0.0, l.height - 1, l.width, 1.0), (0.0, 0.0, 1.0, l.height),
            (l.width - 1, 0.0, 1.0, l.height),
        ] {
            canvas.rectangle(x: x, y: y, width: w, height: h, color: .white)
        }
        canvas.text(
            "TEST PATTERN", x: l.width / 2, y: l.height * 0.62 + 90 * unit, size: 48 * unit, color: .white,
            bold: true, anchor: 0.5)
        for (index, line) in lines.enumerated() {
            canvas.text(
                canvas.fitted(line, width: l.width - 120 * unit, size: 30 * unit), x: l.width / 2,
                y: l.height * 0.62 + (150 + Double(index) * 46) * unit, size: 30 * unit, color: Palette.muted,
                anchor: 0.5)
        }
    }

    private func drawStaff(_ request: String, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let top = l.sheetTop(height: 420 * unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: 420 * unit, radius: 36 * unit, color: Palette.sheet)
        canvas.circle(x: l.width / 2, y: top + 110 * unit, radius: 50 * unit, color: Palette.gold)
        canvas.check(x: l.width / 2, y: top + 110 * unit, size: 50 * unit, color: Palette.ink)
        canvas.text(
            "Someone is on the way", x: l.width / 2, y: top + 240 * unit, size: 52 * unit, color: .white, bold: true,
            anchor: 0.5)
        canvas.text(
            canvas.fitted(request, width: l.sheetWidth - 120 * unit, size: 36 * unit), x: l.width / 2,
            y: top + 320 * unit, size: 36 * unit, color: Palette.muted, anchor: 0.5)
    }

    private func progressBar(_ progress: Double, x: Double, y: Double, width: Double, unit: Double) {
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: 16 * unit, radius: 8 * unit, color: Color(1, 1, 1, 0.25))
        canvas.roundedRectangle(
            x: x, y: y, width: max(16 * unit, width * min(max(progress, 0), 1)), height: 16 * unit, radius: 8 * unit,
            color: Palette.gold)
    }

    /// A touch button: a pill with a centred label that shrinks to fit; recorded for hit-testing.
    private func button(
        _ id: String, _ label: String, x: Double, y: Double, width: Double, height: Double, unit: Double,
        primary: Bool
    ) {
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: height, radius: height / 2,
            color: primary ? Palette.gold : Palette.quiet)
        var size = min(40 * unit, height * 0.36)
        while size > 18 * unit, canvas.textWidth(label, size: size, bold: primary) > width - 32 * unit { size -= unit }
        canvas.text(
            canvas.fitted(label, width: width - 32 * unit, size: size, bold: primary), x: x + width / 2,
            y: y + height / 2 + size * 0.36, size: size, color: primary ? Palette.ink : .white, bold: primary,
            anchor: 0.5)
        canvas.record(.button(id), x: x, y: y, width: width, height: height)
    }
}

/// The interface's colours: near-black sheets, warm gold accents.
enum Palette {
    static let gold = Color(hex: 0xC9A86A)
    static let ink = Color(hex: 0x141316)
    static let muted = Color(1, 1, 1, 0.72)
    static let sheet = Color(0.06, 0.06, 0.07, 0.82)
    static let quiet = Color(1, 1, 1, 0.16)
    static let record = Color(hex: 0xE5484D)
}

extension Canvas {
    func roundedRectangle(x: Double, y: Double, width: Double, height: Double, radius: Double, color: Color) {
        let r = min(radius, width / 2, height / 2)
        cairo_new_sub_path(cr)
        cairo_arc(cr, x + width - r, y + r, r, -.pi / 2, 0)
        cairo_arc(cr, x + width - r, y + height - r, r, 0, .pi / 2)
        cairo_arc(cr, x + r, y + height - r, r, .pi / 2, .pi)
        cairo_arc(cr, x + r, y + r, r, .pi, 3 * .pi / 2)
        cairo_close_path(cr)
        color.set(on: cr)
        cairo_fill(cr)
    }

    func circle(x: Double, y: Double, radius: Double, color: Color) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * .pi)
        color.set(on: cr)
        cairo_fill(cr)
    }

    /// A check mark centred on (x, y).
    func check(x: Double, y: Double, size: Double, color: Color) {
        cairo_move_to(cr, x - size * 0.4, y)
        cairo_line_to(cr, x - size * 0.1, y + size * 0.3)
        cairo_line_to(cr, x + size * 0.45, y - size * 0.3)
        cairo_set_line_width(cr, size * 0.14)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        color.set(on: cr)
        cairo_stroke(cr)
    }
}

/// Reads PNG files into XRGB8888 (Cairo's reader), for golden-image tests and assets.
public enum PNGReader {
    public static func read(_ path: String, into image: PixelBuffer) throws(DisplayError) {
        let surface = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DisplayError(.drawing, "cannot read \(path): \(String(cString: cairo_status_to_string(status)))")
        }
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        image.reshape(width: width, height: height)
        let target = Canvas.makeSurface(image)
        defer { cairo_surface_destroy(target) }
        let cr = cairo_create(target)
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(target)
    }
}
