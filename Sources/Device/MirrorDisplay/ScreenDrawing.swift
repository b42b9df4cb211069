import CCairo
public import MirrorImaging

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
        } else if case .suggestions = screen, let first = images.first {
            // The reflection whole on the side the styles leave: the camera image moved so its middle, where the
            // shopper stands, is that side's middle.
            // A whole-pixel shift keeps the copy a plain one (a half pixel would resample every frame).
            let shift = (Self.suggestionSheet(width: width, unit: unit).x / 2).rounded() - width / 2
            drawImage(first, x: shift, y: 0, width: width, height: height)
            canvas.rectangle(x: width + shift, y: 0, width: -shift, height: height, color: Color(hex: 0x0B0B0D))
        } else if screen.showsImages, let first = images.first {
            drawImage(first, x: 0, y: 0, width: width, height: height)
        } else {
            canvas.verticalGradient(y: 0, height: height, top: Color(hex: 0x1B1A1F), bottom: Color(hex: 0x0B0B0D))
        }
        let layout = Layout(width: width, height: height, unit: unit, reach: placement.reachRows(height: canvas.height))
        switch screen {
        case .attract: drawAttract(layout)
        case .live(let hint, let looks, let request):
            drawLiveHint(hint, looks: looks, layout)
            if let request { drawRequestChip(request, layout) }
        case .consent(let clipSeconds, let keepHours):
            drawConsent(clipSeconds: clipSeconds, keepHours: keepHours, layout)
        case .countdown(let seconds): drawCountdown(seconds, layout)
        case .recording(let progress, let secondsLeft): drawRecording(progress, secondsLeft, layout)
        case .review(let review): drawReview(review, layout)
        case .compare(let compare): drawCompare(compare, count: images.count, layout)
        case .suggestions(let suggestions): drawSuggestions(suggestions, layout)
        case .codeEntry(let entry): drawCodeEntry(entry, layout)
        case .confirm(let question): drawConfirm(question, layout)
        case .goodbye(let lines): drawGoodbye(lines, layout)
        case .staffOnTheWay(let request, let undo): drawStaff(request, undo: undo, layout)
        case .rating: drawRating(layout)
        case .testPattern(let lines): drawTestPattern(lines, layout)
        case .cameraLost(let detail): drawTitle("Camera reconnecting…", detail: detail, unit: unit)
        }
        if let diagnostics {
            // Beside the styles' sheet (on the right, up to the top) staff's overlay keeps to the left.
            if case .suggestions = screen {
                drawDiagnostics(diagnostics, left: true)
            } else {
                drawDiagnostics(diagnostics)
            }
        }
        canvas.flush()
    }

    /// Convenience for screens over a single image.
    public func draw(_ screen: Screen, live: PixelBuffer?) {
        draw(screen, images: live.map { [$0] } ?? [])
    }

    /// The panel's proportions and reach: sheets are at most 1000 units wide and sit low, with their controls
    /// within reach (see ``PanelPlacement``), so the same layout works portrait (1080x1920 first, 720x1280) and
    /// landscape (1920x1080).
    struct Layout {
        let width: Double
        let height: Double
        let unit: Double
        /// The pixel rows a shopper reaches, standing or from a wheelchair.
        let reach: ClosedRange<Double>
        var sheetWidth: Double { min(width - 120 * unit, 1000 * unit) }
        var sheetX: Double { (width - sheetWidth) / 2 }
        /// The lowest a control's bottom edge may sit: the bottom of the reach, or 60 units above the panel's
        /// bottom edge when that is higher.
        var controlsBottom: Double { min(height - 60 * unit, reach.upperBound) }
        /// The top of a low sheet of the given height: its bottom 30 units below the lowest control (its
        /// buttons sit at least that far inside it), never below 60 units above the panel's edge.
        func sheetTop(height sheet: Double) -> Double {
            min(height - 60 * unit, controlsBottom + 30 * unit) - sheet
        }
        /// The top of a control `tall` units high whose bottom is the lowest within reach.
        func lowestControlTop(_ tall: Double) -> Double { controlsBottom - tall * unit }
    }

    func drawAttract(_ l: Layout) {
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

    func drawLiveHint(_ hint: String, looks: Int, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        let band = 260 * unit
        canvas.verticalGradient(
            y: l.height - band, height: band, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.55))
        if !hint.isEmpty {
            canvas.text(hint, x: l.width / 2, y: l.height - 90 * unit, size: 40 * unit, color: .white, anchor: 0.5)
        }
        // Within reach from a wheelchair, clear of the hint: the visit's looks (once there are any) and the styles
        // on the left, Finish (the rating screen, then the visit ends) on the right.
        let y = l.lowestControlTop(96)
        var x = 40 * unit
        if looks > 0 {
            button(
                ButtonID.myLooks, looks == 1 ? "My look" : "My looks (\(looks))", x: x, y: y, width: 260 * unit,
                height: 96 * unit, unit: unit, primary: false, overImage: true)
            x += 280 * unit
        }
        button(
            ButtonID.suggestions, "Styles", x: x, y: y, width: 200 * unit, height: 96 * unit, unit: unit,
            primary: false, overImage: true)
        if looks > 0 {
            button(
                ButtonID.deleteLooks, "Delete my looks", x: x + 220 * unit, y: y, width: 270 * unit,
                height: 96 * unit, unit: unit, primary: false, overImage: true)
        }
        button(
            ButtonID.finish, "Finish", x: l.width - 260 * unit, y: y, width: 220 * unit,
            height: 96 * unit, unit: unit, primary: false, overImage: true)
    }

    func drawConsent(clipSeconds: Int, keepHours: Int, _ l: Layout) {
        let unit = l.unit
        let left = l.sheetX + 60 * unit
        let textWidth = l.sheetWidth - 120 * unit
        // What the shopper agrees to, sentence by sentence, wrapped by Pango and never cut: the sheet grows to
        // hold it.
        let sentences = [
            "The mirror films you for \(clipSeconds) seconds while you turn.",
            "Only you can watch it, here on this mirror.",
            "It is deleted \(keepHours) hours after you leave, unless you save it to your profile.",
            "No face recognition. Nothing is shared without your OK.",
        ]
        let size = 34 * unit
        let gap = 14 * unit
        let heights = sentences.map { canvas.textHeight($0, width: textWidth, size: size).height }
        let textHeight = heights.reduce(0, +) + gap * Double(sentences.count - 1)
        let sheetHeight = 420 * unit + textHeight
        let top = l.sheetTop(height: sheetHeight)
        drawBrand(unit: unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        canvas.text("Record this look?", x: left, y: top + 120 * unit, size: 58 * unit, color: .white, bold: true)
        var y = top + 170 * unit
        for (sentence, height) in zip(sentences, heights) {
            canvas.paragraph(sentence, x: left, top: y, width: textWidth, size: size, color: Palette.muted)
            y += height + gap
        }
        let buttonY = top + sheetHeight - 200 * unit
        let buttonWidth = (l.sheetWidth - 180 * unit) / 2
        button(
            ButtonID.decline, "No, thanks", x: left, y: buttonY, width: buttonWidth, height: 120 * unit, unit: unit,
            primary: false)
        button(
            ButtonID.accept, "Record", x: l.sheetX + l.sheetWidth - 60 * unit - buttonWidth, y: buttonY,
            width: buttonWidth, height: 120 * unit, unit: unit, primary: true)
    }

    func drawCountdown(_ seconds: Int, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let middle = l.height / 2 - 60 * unit
        canvas.circle(x: l.width / 2, y: middle, radius: 190 * unit, color: Color(0, 0, 0, 0.45))
        canvas.text(
            "\(seconds)", x: l.width / 2, y: middle + 90 * unit, size: 260 * unit, color: .white, bold: true,
            anchor: 0.5)
        canvas.text(
            "Get ready to turn slowly", x: l.width / 2, y: middle + 290 * unit, size: 44 * unit, color: .white,
            anchor: 0.5, plate: true)
        button(
            ButtonID.cancel, "Cancel", x: l.width / 2 - 150 * unit, y: l.lowestControlTop(96), width: 300 * unit,
            height: 96 * unit, unit: unit, primary: false, overImage: true)
    }

    func drawRecording(_ progress: Double, _ secondsLeft: Int, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        canvas.verticalGradient(
            y: l.height - 300 * unit, height: 300 * unit, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.6))
        // Top right: the brand mark holds the top left.
        canvas.text(
            "REC", x: l.width - 40 * unit, y: 77 * unit, size: 36 * unit, color: .white, bold: true, anchor: 1,
            plate: true)
        canvas.circle(x: l.width - 170 * unit, y: 64 * unit, radius: 18 * unit, color: Palette.record)
        canvas.text(
            "Turn slowly all the way round", x: l.width / 2, y: l.height - 170 * unit, size: 44 * unit,
            color: .white, anchor: 0.5)
        progressBar(progress, x: 80 * unit, y: l.height - 110 * unit, width: l.width - 160 * unit, unit: unit)
        canvas.text(
            "\(secondsLeft) s", x: l.width - 80 * unit, y: l.height - 60 * unit, size: 32 * unit, color: Palette.muted,
            anchor: 1)
    }

    func drawReview(_ review: Screen.Review, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        canvas.text(
            "Look \(review.look) of \(review.looks)", x: l.width - 40 * unit, y: 76 * unit, size: 32 * unit,
            color: .white, bold: true, anchor: 1, plate: true)
        // Slow motion names its state; Compare shows only when it opens something; Styles opens "Styles for
        // you". More than four buttons take two rows, so every label fits whole at 32 px.
        var labels = [(ButtonID.slowMotion, review.slowMotion ? "Slow: on" : "Slow: off")]
        if review.canCompare { labels.append((ButtonID.compare, "Compare")) }
        labels += [(ButtonID.suggestions, "Styles"), (ButtonID.share, review.shared ? "Shared" : "Share")]
        if review.saveable { labels.append((ButtonID.save, review.saved ? "Saved" : "Save")) }
        labels.append((ButtonID.done, "Done"))
        let perRow = labels.count > 4 ? (labels.count + 1) / 2 : labels.count
        let rows = (labels.count + perRow - 1) / perRow
        let sheetHeight = (300 + Double(rows - 1) * 106) * unit
        let top = l.sheetTop(height: sheetHeight)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        let inner = l.sheetWidth - 120 * unit
        progressBar(review.position, x: l.sheetX + 60 * unit, y: top + 60 * unit, width: inner, unit: unit)
        canvas.text(
            review.slowMotion ? "Slow motion · swipe to scrub" : "Swipe to scrub", x: l.sheetX + 60 * unit,
            y: top + 130 * unit, size: 32 * unit, color: Palette.muted)
        button(
            ButtonID.deleteLooks, "Delete my looks", x: l.sheetX + l.sheetWidth - 60 * unit - 280 * unit,
            y: top + 88 * unit, width: 280 * unit, height: 60 * unit, unit: unit, primary: false)
        let gap = 16 * unit
        let buttonWidth = (inner - Double(perRow - 1) * gap) / Double(perRow)
        for (index, (id, label)) in labels.enumerated() {
            let (row, column) = (index / perRow, index % perRow)
            button(
                id, label, x: l.sheetX + 60 * unit + Double(column) * (buttonWidth + gap),
                y: top + (170 + Double(row) * 106) * unit, width: buttonWidth, height: 90 * unit, unit: unit,
                primary: id == ButtonID.done)
        }
        var above = top
        if let code = review.code {
            above = drawBanner(
                "Saved to your profile", "Code for your next visit",
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
    func drawBanner(
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
            title, x: left, y: top + 70 * unit,
            size: 34 * unit, color: .white, bold: true, width: width)
        canvas.text(
            line, x: left, y: top + 118 * unit, size: 32 * unit,
            color: Palette.muted, width: width)
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
    func drawShareCard(_ link: Screen.ShareCard, above sheetTop: Double, _ l: Layout) {
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
            "This look on your phone", x: left,
            y: top + 90 * unit, size: 34 * unit, color: .white, bold: true, width: width)
        canvas.text(
            "Scan it with your phone", x: left, y: top + 140 * unit,
            size: 32 * unit, color: Palette.muted, width: width)
        // The phone's PIN in white, the next visit's code in gold: two codes, told apart by what they say and look.
        let pin = link.pin.count == 6 ? "\(link.pin.prefix(3)) \(link.pin.suffix(3))" : link.pin
        canvas.text("PIN for your phone", x: left, y: top + 190 * unit, size: 32 * unit, color: Palette.muted)
        canvas.text(
            pin, x: left, y: top + 266 * unit, size: 64 * unit, color: .white, bold: true, tracking: 4 * unit)
        canvas.text(
            "For \(link.minutes) minutes, this look only",
            x: left, y: top + 330 * unit, size: 32 * unit, color: Palette.muted, width: width)
    }
}
