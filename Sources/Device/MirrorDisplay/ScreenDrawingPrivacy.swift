extension MirrorRenderer {
    /// A question before something that cannot be undone: a low sheet with the question, what it means, and the
    /// two answers within reach (No on the left, Yes on the right).
    func drawConfirm(_ question: Screen.Confirm, _ l: Layout) {
        let unit = l.unit
        let left = l.sheetX + 60 * unit
        let width = l.sheetWidth - 120 * unit
        let size = 34 * unit
        let detail = canvas.textHeight(question.detail, width: width, size: size).height
        // The way out that withdraws sits lowest, under the two answers, so neither is tapped by a near miss.
        let extra = question.withdraw == nil ? 0 : 150 * unit
        // Choices sit in rows of up to five above the answers, each row 130 units.
        let rows = (question.choices.count + 4) / 5
        let choicesHeight = Double(rows) * 130 * unit
        let sheetHeight = 380 * unit + detail + choicesHeight + extra
        let top = l.sheetTop(height: sheetHeight)
        drawBrand(unit: unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        canvas.text(
            question.title, x: left, y: top + 110 * unit, size: 50 * unit, color: .white, bold: true, width: width)
        canvas.paragraph(
            question.detail, x: left, top: top + 150 * unit, width: width, size: size, color: Palette.muted)
        let buttonWidth = (l.sheetWidth - 180 * unit) / 2
        let buttonY = top + sheetHeight - 180 * unit - extra
        if !question.choices.isEmpty {
            drawChoices(question.choices, left: left, width: width, bottom: buttonY - 30 * unit, unit: unit)
        }
        button(
            ButtonID.confirmNo, question.no, x: left, y: buttonY, width: buttonWidth, height: 120 * unit, unit: unit,
            primary: false)
        if question.choices.isEmpty {
            button(
                ButtonID.confirmYes, question.yes, x: l.sheetX + l.sheetWidth - 60 * unit - buttonWidth, y: buttonY,
                width: buttonWidth, height: 120 * unit, unit: unit, primary: true)
        }
        if let withdraw = question.withdraw {
            button(
                ButtonID.withdraw, withdraw, x: left, y: buttonY + 150 * unit, width: width, height: 110 * unit,
                unit: unit, primary: false)
        }
    }

    /// The end of a visit: thanks, and what is kept and for how long, one sentence a line; no control.
    func drawGoodbye(_ lines: [String], _ l: Layout) {
        let unit = l.unit
        let left = l.sheetX + 60 * unit
        let width = l.sheetWidth - 120 * unit
        let size = 36 * unit
        let gap = 16 * unit
        let heights = lines.map { canvas.textHeight($0, width: width, size: size).height }
        let sheetHeight = 230 * unit + heights.reduce(0, +) + gap * Double(max(0, lines.count - 1))
        let top = l.sheetTop(height: sheetHeight)
        drawBrand(unit: unit)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: sheetHeight, radius: 36 * unit, color: Palette.sheet)
        canvas.text("Thank you", x: left, y: top + 110 * unit, size: 56 * unit, color: .white, bold: true)
        var y = top + 160 * unit
        for (line, height) in zip(lines, heights) {
            canvas.paragraph(line, x: left, top: y, width: width, size: size, color: .white)
            y += height + gap
        }
    }

    /// Answers to pick from (sizes), in rows of up to five ending at `bottom`.
    func drawChoices(_ choices: [String], left: Double, width: Double, bottom: Double, unit: Double) {
        let perRow = min(5, choices.count)
        let gap = 20 * unit
        let side = (width - gap * Double(perRow - 1)) / Double(perRow)
        let rows = (choices.count + 4) / 5
        for (index, choice) in choices.enumerated() {
            let row = index / 5
            let x = left + Double(index % 5) * (side + gap)
            let y = bottom - Double(rows - row) * 130 * unit
            button(
                ButtonID.choose(choice), choice, x: x, y: y, width: side, height: 110 * unit, unit: unit,
                primary: true)
        }
    }
}
