extension MirrorRenderer {
    /// A request was sent: who is coming and what they bring, with Undo once it is stored.
    func drawStaff(_ request: String, undo: Int64?, _ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let height = (undo == nil ? 420 : 560) * unit
        let top = l.sheetTop(height: height)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: height, radius: 36 * unit, color: Palette.sheet)
        canvas.circle(x: l.width / 2, y: top + 110 * unit, radius: 50 * unit, color: Palette.gold)
        canvas.check(x: l.width / 2, y: top + 110 * unit, size: 50 * unit, color: Palette.ink)
        canvas.text(
            "Someone is on the way", x: l.width / 2, y: top + 240 * unit, size: 52 * unit, color: .white, bold: true,
            anchor: 0.5)
        canvas.text(
            request, x: l.width / 2,
            y: top + 320 * unit, size: 36 * unit, color: Palette.muted, anchor: 0.5, width: l.sheetWidth - 120 * unit)
        if let undo {
            button(
                ButtonID.cancelRequest(undo), "Undo", x: l.width / 2 - 150 * unit, y: top + 400 * unit,
                width: 300 * unit, height: 110 * unit, unit: unit, primary: false)
        }
    }

    /// The newest request on its way, on the live mirror above its buttons, until staff bring it or the shopper
    /// cancels it.
    func drawRequestChip(_ request: Screen.OpenRequest, _ l: Layout) {
        let unit = l.unit
        let y = l.lowestControlTop(96) - 126 * unit
        let x = 40 * unit
        let width = l.width - 80 * unit
        canvas.roundedRectangle(x: x, y: y, width: width, height: 96 * unit, radius: 48 * unit, color: Palette.plate)
        let cancelWidth = 200 * unit
        canvas.text(
            "\(request.words) · on its way", x: x + 36 * unit, y: y + 60 * unit, size: 32 * unit, color: .white,
            width: width - cancelWidth - 60 * unit)
        button(
            ButtonID.cancelRequest(request.id), "Cancel", x: x + width - cancelWidth - 8 * unit, y: y + 8 * unit,
            width: cancelWidth, height: 80 * unit, unit: unit, primary: false)
    }
}
