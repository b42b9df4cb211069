import CCairo
import MirrorImaging

extension MirrorRenderer {
    /// Two looks side by side; three or four in a grid.
    func drawGrid(_ images: [PixelBuffer]) {
        let cells = gridCells(count: images.count)
        for (image, cell) in zip(images, cells) {
            drawImage(image, x: cell.x, y: cell.y, width: cell.width, height: cell.height)
        }
    }

    func gridCells(count: Int) -> [(x: Double, y: Double, width: Double, height: Double)] {
        let width = Double(canvas.width)
        let height = Double(canvas.height)
        // Two or three looks side by side as columns (three never leave an empty cell), four in a 2x2 grid.
        let columns = count == 3 ? 3 : 2
        let rows = count <= 3 ? 1 : 2
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

    func drawCompare(_ compare: Screen.Compare, count: Int, _ l: Layout) {
        let unit = l.unit
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        canvas.text(
            "Tap a look to pick your favourite", x: l.width - 40 * unit, y: 76 * unit, size: 32 * unit,
            color: .white, anchor: 1, plate: true)
        let cells = gridCells(count: max(count, 2))
        for (index, (look, cell)) in zip(compare.looks, cells).enumerated() {
            // The whole look is the touch target; Done, a button, wins a tap where they overlap.
            canvas.record(
                .area(ButtonID.look(index)), x: cell.x, y: cell.y, width: cell.width, height: cell.height,
                label: look.title)
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
            let garments = look.garments.joined(separator: " · ")
            let widest = max(
                canvas.textWidth(title, size: 32 * unit, bold: picked), canvas.textWidth(garments, size: 32 * unit))
            let chipWidth = min(cell.width - 40 * unit, widest + 60 * unit)
            // The garments wrap (Pango) to two lines before anything is cut.
            let words =
                garments.isEmpty
                ? 0 : canvas.textHeight(garments, width: chipWidth - 40 * unit, size: 32 * unit, lines: 2).height
            // The title too wraps to two lines in a narrow column ("Saved 16 Nov · favourite").
            let titleHeight = canvas.textHeight(
                title, width: chipWidth - 40 * unit, size: 32 * unit, bold: picked, lines: 2
            ).height
            let extra = titleHeight - canvas.textHeight("A", width: chipWidth, size: 32 * unit, bold: picked).height
            let chipHeight = (garments.isEmpty ? 60 * unit : 68 * unit + words) + extra
            // Low in the look, and above Done where the look reaches down to it.
            let doneTop = l.lowestControlTop(96)
            let overDone =
                cell.x < l.width / 2 + 150 * unit && cell.x + cell.width > l.width / 2 - 150 * unit
                && cell.y + cell.height > doneTop
            let chipBottom = overDone ? doneTop - 24 * unit : cell.y + cell.height - 40 * unit
            let chipY = chipBottom - chipHeight
            canvas.roundedRectangle(
                x: cell.x + (cell.width - chipWidth) / 2, y: chipY, width: chipWidth, height: chipHeight,
                radius: 30 * unit, color: picked ? Palette.gold : Palette.sheet)
            canvas.paragraph(
                title, x: cell.x + (cell.width - chipWidth) / 2 + 20 * unit, top: chipY + 10 * unit,
                width: chipWidth - 40 * unit, size: 32 * unit, color: picked ? Palette.ink : .white, bold: picked,
                align: 0.5, lines: 2)
            if !garments.isEmpty {
                canvas.paragraph(
                    garments, x: cell.x + (cell.width - chipWidth) / 2 + 20 * unit, top: chipY + 52 * unit + extra,
                    width: chipWidth - 40 * unit, size: 32 * unit, color: picked ? Palette.ink : Palette.muted,
                    align: 0.5, lines: 2)
            }
        }
        button(
            ButtonID.done, "Done", x: l.width / 2 - 150 * unit, y: l.lowestControlTop(96), width: 300 * unit,
            height: 96 * unit, unit: unit, primary: true)
    }

    func drawCodeEntry(_ entry: Screen.CodeEntry, _ l: Layout) {
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
            hint, x: left, y: top + 136 * unit, size: 32 * unit,
            color: Palette.muted, width: inner)
        canvas.roundedRectangle(
            x: left, y: top + 170 * unit, width: inner, height: 96 * unit, radius: 20 * unit, color: Palette.quiet)
        if !entry.typed.isEmpty {
            canvas.text(
                entry.masked, x: left + inner / 2, y: top + 234 * unit, size: 44 * unit, color: .white, anchor: 0.5,
                tracking: 6 * unit)
        }
        if let message = entry.message {
            canvas.text(
                message, x: left + inner / 2, y: top + 316 * unit,
                size: 32 * unit, color: Palette.gold, anchor: 0.5, width: inner)
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

    func drawSuggestions(_ suggestions: Screen.Suggestions, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        // Portrait panels take the full sheet; a short (landscape) panel gets smaller photos instead of
        // covering the top of the screen.
        let sheetHeight = min(1000 * unit, l.height - 170 * unit)
        let shrink = 1000 * unit - sheetHeight
        let top = l.sheetTop(height: sheetHeight)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        let left = l.sheetX + 50 * unit
        let inner = l.sheetWidth - 100 * unit
        canvas.text("We spotted", x: left, y: top + 80 * unit, size: 32 * unit, color: Palette.muted)
        // Recognised garments as chips on one line; what does not fit is summed up.
        var chipX = left
        for (index, name) in suggestions.recognised.enumerated() {
            let labelWidth = min(canvas.textWidth(name, size: 32 * unit), inner / 2)
            let chipWidth = labelWidth + 48 * unit
            let remaining = suggestions.recognised.count - index
            if chipX + chipWidth > left + inner - (remaining > 1 ? 120 * unit : 0) {
                canvas.text("+\(remaining)", x: chipX + 10 * unit, y: top + 152 * unit, size: 32 * unit, color: .white)
                break
            }
            canvas.roundedRectangle(
                x: chipX, y: top + 110 * unit, width: chipWidth, height: 60 * unit, radius: 30 * unit,
                color: Palette.quiet)
            canvas.text(
                name, x: chipX + 24 * unit, y: top + 152 * unit, size: 32 * unit, color: .white,
                width: labelWidth + 1)
            chipX += chipWidth + 16 * unit
        }
        canvas.text("Styles for you", x: left, y: top + 250 * unit, size: 40 * unit, color: .white, bold: true)
        if suggestions.identified {
            canvas.text(
                "Using your profile", x: left + inner - 224 * unit, y: top + 248 * unit, size: 32 * unit,
                color: Palette.gold, anchor: 1)
            button(
                ButtonID.notYou, "Not you?", x: left + inner - 200 * unit, y: top + 196 * unit, width: 200 * unit,
                height: 72 * unit, unit: unit, primary: false)
        } else {
            button(
                ButtonID.loyalty, "Loyalty code", x: left + inner - 280 * unit, y: top + 196 * unit,
                width: 280 * unit, height: 72 * unit, unit: unit, primary: false)
        }
        // Two cards side by side, so names, prices and reasons are set at 32 px and read from where one stands.
        let cards = Array(suggestions.cards.prefix(Screen.Suggestions.cardsShown))
        if cards.isEmpty {
            canvas.paragraph(
                "Suggestions follow what you try on: stand back so the mirror sees it", x: left,
                top: top + 296 * unit, width: inner, size: 32 * unit, color: Palette.muted)
        }
        let gap = 24 * unit
        let cardWidth =
            (inner - Double(Screen.Suggestions.cardsShown - 1) * gap) / Double(Screen.Suggestions.cardsShown)
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

    func drawCard(
        _ card: Screen.Garment, x: Double, y: Double, width: Double, shrink: Double, _ unit: Double
    ) {
        let height = 520 * unit - shrink
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: height, radius: 24 * unit, color: Color(1, 1, 1, 0.08))
        let pad = 20 * unit
        let textWidth = width - 2 * pad
        // Name and reason on up to two lines each (wrapped by Pango, never cut mid-word while they fit two); the
        // photo takes what the text, the sizes and the buttons leave.
        // A short (landscape) panel's cards keep one line each.
        let lines = shrink > 0 ? 1 : 2
        let name = canvas.textHeight(card.name, width: textWidth, size: 32 * unit, bold: true, lines: lines).height
        let reason = canvas.textHeight(card.reason, width: textWidth, size: 32 * unit, lines: lines).height
        let chipHeight = 52 * unit
        let below = 20 * unit + name + 48 * unit + reason + 16 * unit + chipHeight + 20 * unit + 64 * unit + 16 * unit
        // The product photo on its white studio background; the main colour when there is no photo.
        let photoHeight = max(80 * unit, height - 16 * unit - below)
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

    func drawTestPattern(_ lines: [String], _ l: Layout) {
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
                line, x: l.width / 2,
                y: l.height * 0.62 + (150 + Double(index) * 46) * unit, size: 32 * unit, color: Palette.muted,
                anchor: 0.5, width: l.width - 120 * unit)
        }
    }

    func progressBar(_ progress: Double, x: Double, y: Double, width: Double, unit: Double) {
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: 16 * unit, radius: 8 * unit, color: Color(1, 1, 1, 0.25))
        canvas.roundedRectangle(
            x: x, y: y, width: max(16 * unit, width * min(max(progress, 0), 1)), height: 16 * unit, radius: 8 * unit,
            color: Palette.gold)
    }

    /// A touch button: a pill with a centred label that shrinks to fit; recorded for hit-testing.
    /// A pill-shaped button; `overImage` gives a quiet one a dark plate, for it sits over the camera image.
    func button(
        _ id: String, _ label: String, x: Double, y: Double, width: Double, height: Double, unit: Double,
        primary: Bool, overImage: Bool = false
    ) {
        canvas.roundedRectangle(
            x: x, y: y, width: width, height: height, radius: height / 2,
            color: primary ? Palette.gold : overImage ? Palette.plate : Palette.quiet)
        // A two-tone edge: ink around gold, a light line around a quiet or plated button.
        canvas.edge(
            x: x, y: y, width: width, height: height, radius: height / 2, lineWidth: 3 * unit,
            color: primary ? Palette.ink : Palette.edge)
        // Never under 32 px at 1080 wide (text a shopper reads from where they stand); a layout gives its buttons
        // the width their labels need at that size.
        var size = min(40 * unit, max(32 * unit, height * 0.36))
        while size > 32 * unit, canvas.textWidth(label, size: size, bold: primary) > width - 32 * unit {
            size = max(32 * unit, size - unit)
        }
        canvas.text(
            label, x: x + width / 2,
            y: y + height / 2 + size * 0.36, size: size, color: primary ? Palette.ink : .white, bold: primary,
            anchor: 0.5, width: width - 32 * unit)
        canvas.record(
            .button(id), x: x, y: y, width: width, height: height, label: label, edge: .rounded(radius: height / 2))
    }
}
