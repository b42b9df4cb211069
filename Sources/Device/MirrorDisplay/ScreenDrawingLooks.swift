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
            // "Never your face" kept on one line (no-break spaces).
            case .loyalty:
                ("Your loyalty code", "Type it, or hold its QR code up to the camera. Never\u{00A0}your\u{00A0}face.")
            case .savedLook: ("Your saved look's code", "The mirror showed it when you saved the look.")
            }
        canvas.text(title, x: left, y: top + 86 * unit, size: 44 * unit, color: .white, bold: true)
        // Two lines: "Never your face" is what a shopper holding a code up to the camera needs to read whole.
        canvas.text(
            hint, x: left, y: top + 136 * unit, size: 32 * unit,
            color: Palette.muted, width: inner, lines: 2)
        let field = top + 214 * unit
        canvas.roundedRectangle(
            x: left, y: field, width: inner, height: 96 * unit, radius: 20 * unit, color: Palette.quiet)
        if !entry.typed.isEmpty {
            canvas.text(
                entry.masked, x: left + inner / 2, y: field + 64 * unit, size: 44 * unit, color: .white, anchor: 0.5,
                tracking: 6 * unit)
        }
        if let message = entry.message {
            canvas.text(
                message, x: left + inner / 2, y: field + 146 * unit,
                size: 32 * unit, color: Palette.gold, anchor: 0.5, width: inner)
        }
        // Ten keys across; the last row ends with a wide delete key.
        let gap = 10 * unit
        let key = (inner - 9 * gap) / 10
        let keyHeight = min(key * 1.1, (sheetHeight - 564 * unit) / 4 - gap)
        var y = field + 180 * unit
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
