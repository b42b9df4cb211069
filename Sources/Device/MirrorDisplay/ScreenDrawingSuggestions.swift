import CCairo

/// The styles for the shopper: a sheet on the half of the panel the reflection leaves, so the shopper still sees
/// themselves head to foot beside it (``draw(_:images:diagnostics:)`` puts the camera image on the other half);
/// every control on it within reach.
extension MirrorRenderer {
    /// Where the sheet stands: the right 54 %, less a margin (the left 46 % holds a shopper in the middle of the
    /// camera's view head to foot).
    static func suggestionSheet(width: Double, unit: Double) -> (x: Double, width: Double) {
        let x = (width * 0.46).rounded()
        return (x, width - x - 30 * unit)
    }

    func drawSuggestions(_ suggestions: Screen.Suggestions, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let (sheetX, sheetWidth) = Self.suggestionSheet(width: l.width, unit: unit)
        let left = sheetX + 36 * unit
        let inner = sheetWidth - 72 * unit
        let gap = 24 * unit
        let across = Screen.Suggestions.cardsAcross(width: Int(l.width), height: Int(l.height))
        let cards = Array(suggestions.cards.prefix(across))
        // From the lowest reach up: Back to mirror and Call a colleague (side by side when there is room), then
        // Next style and the loyalty code, then the cards, their tops within reach and at most 480 units tall (the heart and the colours sit
        // on the photo); above them, read only, the title and what the mirror spotted.
        let backY = l.lowestControlTop(96)
        let staffY = across >= 2 ? backY : backY - 112 * unit
        let rowY = staffY - 88 * unit
        let cardBottom = rowY - 16 * unit
        // (A panel hung so high that the reach leaves less than the smallest card has the card reach above it.)
        let cardTop = min(max(l.reach.lowerBound, cardBottom - 480 * unit), cardBottom - 430 * unit)
        let titleBaseline = cardTop - 36 * unit
        let profileBaseline = titleBaseline - 52 * unit
        let chipsBottom = (suggestions.identified ? profileBaseline - 40 * unit : titleBaseline - 56 * unit)
        // The chips keep 150 units from the top (staff's overlay moves to the left on this screen); with no room,
        // none.
        let room = max(0, Int((chipsBottom - 150 * unit) / (72 * unit)))
        let rows = chipRows(suggestions.recognised, width: inner, unit: unit, most: min(room, 3))
        let chipsTop = chipsBottom - Double(rows.count) * 72 * unit
        let sheetTop = chipsTop - (rows.isEmpty ? 40 : 110) * unit
        canvas.roundedRectangle(
            x: sheetX, y: sheetTop, width: sheetWidth, height: l.controlsBottom + 30 * unit - sheetTop,
            radius: 36 * unit, color: Palette.sheet)

        if !rows.isEmpty {
            canvas.text("We spotted", x: left, y: chipsTop - 30 * unit, size: 32 * unit, color: Palette.muted)
        }
        for (index, row) in rows.enumerated() {
            var chipX = left
            let y = chipsTop + Double(index) * 72 * unit
            for chip in row {
                guard case .garment(let name) = chip else {
                    if case .more(let count) = chip {
                        canvas.text("+\(count)", x: chipX + 10 * unit, y: y + 42 * unit, size: 32 * unit, color: .white)
                    }
                    continue
                }
                let labelWidth = min(canvas.textWidth(name, size: 32 * unit), inner - 48 * unit)
                canvas.roundedRectangle(
                    x: chipX, y: y, width: labelWidth + 48 * unit, height: 60 * unit, radius: 30 * unit,
                    color: Palette.quiet)
                canvas.text(
                    name, x: chipX + 24 * unit, y: y + 42 * unit, size: 32 * unit, color: .white,
                    width: labelWidth + 1)
                chipX += labelWidth + 64 * unit
            }
        }
        if suggestions.identified {
            canvas.text("Using your profile", x: left, y: profileBaseline, size: 32 * unit, color: Palette.gold)
        }
        canvas.text("Styles for you", x: left, y: titleBaseline, size: 40 * unit, color: .white, bold: true)
        if suggestions.total > cards.count, !cards.isEmpty {
            let last = min(suggestions.first + cards.count, suggestions.total)
            let shown = cards.count > 1 ? "\(suggestions.first + 1)–\(last)" : "\(suggestions.first + 1)"
            canvas.text(
                "\(shown) of \(suggestions.total)", x: left + inner, y: titleBaseline, size: 32 * unit,
                color: Palette.muted, anchor: 1)
        }
        if cards.isEmpty {
            canvas.paragraph(
                "Suggestions follow what you try on: stand back so the mirror sees it", x: left,
                top: cardTop + 20 * unit, width: inner, size: 32 * unit, color: Palette.muted)
        }
        let cardWidth = (inner - Double(across - 1) * gap) / Double(across)
        for (index, card) in cards.enumerated() {
            drawCard(
                card, x: left + Double(index) * (cardWidth + gap), y: cardTop, width: cardWidth,
                height: cardBottom - cardTop, unit)
        }

        let half = (inner - 16 * unit) / 2
        if suggestions.total > cards.count {
            button(
                ButtonID.nextStyle, "Next style", x: left, y: rowY, width: half, height: 72 * unit, unit: unit,
                primary: false)
        }
        if suggestions.identified {
            button(
                ButtonID.notYou, "Not you?", x: left + inner - half, y: rowY, width: half, height: 72 * unit,
                unit: unit, primary: false)
        } else {
            button(
                ButtonID.loyalty, "Loyalty code", x: left + inner - half, y: rowY, width: half, height: 72 * unit,
                unit: unit, primary: false)
        }
        let staffWidth = across >= 2 ? (inner - gap) / 2 : inner
        button(
            ButtonID.staff, "Call a colleague", x: left, y: staffY, width: staffWidth, height: 96 * unit, unit: unit,
            primary: false)
        button(
            ButtonID.done, "Back to mirror", x: left + inner - staffWidth, y: backY, width: staffWidth,
            height: 96 * unit, unit: unit, primary: true)
    }

    /// A chip of the recognised garments: one garment, or how many more there are than the rows hold.
    enum Chip: Equatable {
        case garment(String)
        case more(Int)
    }

    /// The recognised garments as chips in rows `width` wide, at most `most` rows; what does not fit is summed
    /// up as "+N" at the end of the last row (which keeps room for it).
    func chipRows(_ names: [String], width: Double, unit: Double, most: Int) -> [[Chip]] {
        guard most > 0 else { return [] }
        let room = 100 * unit
        var rows: [[Chip]] = []
        var x = width
        for (index, name) in names.enumerated() {
            let chip = min(canvas.textWidth(name, size: 32 * unit), width - 48 * unit) + 64 * unit
            let remaining = names.count - index
            // On the last row a chip leaves room for "+N" when more follow it.
            func fits(from start: Double, lastRow: Bool) -> Bool {
                start + chip <= width + 16 * unit - (lastRow && remaining > 1 ? room : 0)
            }
            if !rows.isEmpty, fits(from: x, lastRow: rows.count == most) {
                rows[rows.count - 1].append(.garment(name))
                x += chip
            } else if rows.count < most, fits(from: 0, lastRow: rows.count + 1 == most) {
                rows.append([.garment(name)])
                x = chip
            } else {
                if rows.count < most { rows.append([]) }
                rows[rows.count - 1].append(.more(remaining))
                break
            }
        }
        return rows
    }

    /// A suggestion card `height` tall: the photo (with the colours and the heart), the name, price and reason
    /// at 32 px, the sizes, Bring and ✕.
    func drawCard(_ card: Screen.Garment, x: Double, y: Double, width: Double, height: Double, _ unit: Double) {
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: height, radius: 24 * unit, color: Color(1, 1, 1, 0.08))
        let pad = 20 * unit
        let textWidth = width - 2 * pad
        // Name and reason on up to two lines each (wrapped by Pango, never cut mid-word while they fit two), one
        // each when two would leave the photo too small for its swatches and heart; the photo takes the rest.
        let chipHeight = 52 * unit
        let smallestPhoto = 84 * unit
        func textBelow(_ lines: Int) -> (name: Double, reason: Double, below: Double) {
            let name = canvas.textHeight(card.name, width: textWidth, size: 32 * unit, bold: true, lines: lines).height
            let reason = canvas.textHeight(card.reason, width: textWidth, size: 32 * unit, lines: lines).height
            return (name, reason, 20 * unit + name + 48 * unit + reason + 16 * unit + chipHeight + 100 * unit)
        }
        var lines = 2
        var (name, reason, below) = textBelow(lines)
        if height - 16 * unit - below < smallestPhoto {
            lines = 1
            (name, reason, below) = textBelow(lines)
        }
        // The product photo on its white studio background; the main colour when there is no photo.
        let photoHeight = max(smallestPhoto, height - 16 * unit - below)
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
                // The one shown ringed in gold; each an ink and a white ring, which stand out from a light photo and
                // a dark one.
                if index == 0 { canvas.circle(x: swatchX, y: swatchY, radius: radius + 8 * unit, color: Palette.gold) }
                canvas.circle(x: swatchX, y: swatchY, radius: radius + 5 * unit, color: Palette.ink)
                canvas.circle(x: swatchX, y: swatchY, radius: radius + 2 * unit, color: .white)
                canvas.circle(x: swatchX, y: swatchY, radius: radius, color: Color(hex: colour))
                if index > 0, index < card.colourSKUs.count {
                    // The touch target is 44 units square around the swatch, wider than what is drawn.
                    let target = 44 * unit
                    canvas.record(
                        .button(ButtonID.colour(card.sku, card.colourSKUs[index])), x: swatchX - target / 2,
                        y: swatchY - target / 2, width: target, height: target, label: "Another colour",
                        edge: .disc(x: swatchX, y: swatchY, radius: radius + 5 * unit))
                }
                swatchX += 2 * radius + 22 * unit
            }
        }
        // Favourite: a heart in the photo's corner, its disc and ring wholly on the photo.
        let heart = 30 * unit
        let (heartX, heartY) = (x + width - 16 * unit - 12 * unit - heart, y + 16 * unit + 12 * unit + heart)
        canvas.circle(x: heartX, y: heartY, radius: heart, color: Palette.ink)
        canvas.ring(x: heartX, y: heartY, radius: heart, lineWidth: 3 * unit, color: Palette.edge)
        canvas.text(
            card.favourite ? "♥" : "♡", x: heartX, y: heartY + 12 * unit, size: 34 * unit,
            color: card.favourite ? Palette.heart : .white, anchor: 0.5)
        canvas.record(
            .button(ButtonID.favourite(card.sku)), x: heartX - heart, y: heartY - heart,
            width: 2 * heart, height: 2 * heart, label: card.favourite ? "Favourite (tap to remove)" : "Favourite",
            edge: .disc(x: heartX, y: heartY, radius: heart))
        let nameTop = y + 16 * unit + photoHeight + 20 * unit
        canvas.paragraph(
            card.name, x: x + pad, top: nameTop, width: textWidth, size: 32 * unit, color: .white, bold: true,
            lines: lines)
        let priceBaseline = nameTop + name + 38 * unit
        canvas.text(card.price, x: x + pad, y: priceBaseline, size: 32 * unit, color: Palette.gold)
        canvas.paragraph(
            card.reason, x: x + pad, top: priceBaseline + 10 * unit, width: textWidth, size: 32 * unit,
            color: Palette.muted, lines: lines)
        // Sizes: in stock bright, out of stock an outline only, the shopper's in gold; tap one to choose it.
        var sizeX = x + pad
        let sizeY = priceBaseline + 10 * unit + reason + 16 * unit
        for size in card.sizes {
            let label = size.label
            let chip = max(52 * unit, canvas.textWidth(label, size: 32 * unit) + 24 * unit)
            guard sizeX + chip <= x + width - pad else { break }
            let chosen = size.label == card.size
            if chosen || size.inStock {
                canvas.roundedRectangle(
                    x: sizeX, y: sizeY, width: chip, height: chipHeight, radius: 10 * unit,
                    color: chosen ? Palette.gold : Color(1, 1, 1, 0.22))
                canvas.edge(
                    x: sizeX, y: sizeY, width: chip, height: chipHeight, radius: 10 * unit, lineWidth: 3 * unit,
                    color: chosen ? Palette.ink : Palette.edge)
            } else {
                canvas.outline(
                    x: sizeX + unit, y: sizeY + unit, width: chip - 2 * unit, height: chipHeight - 2 * unit,
                    radius: 10 * unit, lineWidth: 2 * unit, dash: 5 * unit, color: Color(1, 1, 1, 0.3))
            }
            canvas.text(
                label, x: sizeX + chip / 2, y: sizeY + 37 * unit, size: 32 * unit,
                color: chosen ? Palette.ink : size.inStock ? .white : Palette.muted, anchor: 0.5)
            if size.inStock {
                canvas.record(
                    .button(ButtonID.size(card.sku, size.label)), x: sizeX, y: sizeY, width: chip,
                    height: chipHeight, label: size.label, edge: .rounded(radius: 10 * unit))
            }
            sizeX += chip + 8 * unit
        }
        // Bring it (a staff request) and dismiss.
        let buttonY = y + height - 80 * unit
        let dismissWidth = 64 * unit
        button(
            ButtonID.bring(card.sku, size: card.size), card.size.map { "Bring \($0)" } ?? "Bring it", x: x + pad,
            y: buttonY,
            width: width - 2 * pad - dismissWidth - 10 * unit, height: 64 * unit, unit: unit, primary: false)
        button(
            ButtonID.dismiss(card.sku), "✕", x: x + width - pad - dismissWidth, y: buttonY, width: dismissWidth,
            height: 64 * unit, unit: unit, primary: false)
    }
}
