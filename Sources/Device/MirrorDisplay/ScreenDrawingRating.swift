import CCairo

extension MirrorRenderer {
    /// The words under the faces, 1 to 5: the faces' mouths say the same for who cannot tell their colours apart.
    static let ratingWords = ["Poor", "Not great", "OK", "Good", "Great"]
    /// The faces' colours, red through amber to green.
    static let ratingColours: [UInt32] = [0xE5484D, 0xF08C4A, 0xE8C25A, 0x9BC45A, 0x46A758]

    /// How was the visit? Five faces (each a big touch target with its word) and Skip, on a bottom sheet; one
    /// tap ends the visit. No free text, nothing that names the shopper.
    func drawRating(_ l: Layout) {
        let unit = l.unit
        drawBrand(unit: unit)
        let height = 640 * unit
        let top = l.sheetTop(height: height)
        canvas.roundedRectangle(
            x: l.sheetX, y: top, width: l.sheetWidth, height: height, radius: 36 * unit, color: Palette.sheet)
        canvas.text(
            "How was your visit?", x: l.width / 2, y: top + 110 * unit, size: 56 * unit, color: .white, bold: true,
            anchor: 0.5)
        canvas.text(
            "One tap, no names. It helps the store.",
            x: l.width / 2, y: top + 170 * unit, size: 32 * unit, color: Palette.muted, anchor: 0.5,
            width: l.sheetWidth - 100 * unit)
        let inner = l.sheetWidth - 60 * unit
        let cell = inner / 5
        let radius = min(cell * 0.42, 80 * unit)
        for face in 1...5 {
            let x = l.sheetX + 30 * unit + cell * (Double(face) - 0.5)
            let y = top + 300 * unit
            drawFace(face, x: x, y: y, radius: radius)
            canvas.text(
                Self.ratingWords[face - 1], x: x,
                y: y + radius + 56 * unit, size: 32 * unit, color: .white, anchor: 0.5, width: cell - 10 * unit)
            // The face and its word are one target, taller than the face alone.
            canvas.record(
                .button(ButtonID.rate(face)), x: x - cell / 2, y: y - radius - 20 * unit, width: cell,
                height: radius * 2 + 100 * unit, label: Self.ratingWords[face - 1],
                edge: .disc(x: x, y: y, radius: radius))
        }
        button(
            ButtonID.skip, "Skip", x: l.width / 2 - 150 * unit, y: top + height - 140 * unit, width: 300 * unit,
            height: 96 * unit, unit: unit, primary: false)
    }

    /// Face `face` (1 to 5): a coloured disc with two eyes and a mouth from a frown to a smile.
    func drawFace(_ face: Int, x: Double, y: Double, radius: Double) {
        canvas.circle(x: x, y: y, radius: radius, color: Color(hex: Self.ratingColours[face - 1]))
        canvas.ring(x: x, y: y, radius: radius, lineWidth: radius * 0.05, color: Palette.edge)
        for side in [-1.0, 1.0] {
            canvas.circle(x: x + side * radius * 0.34, y: y - radius * 0.22, radius: radius * 0.11, color: Palette.ink)
        }
        canvas.mouth(
            x: x, y: y + radius * 0.3, width: radius * 0.9, curve: Double(face - 3) * radius * 0.2,
            line: radius * 0.12, color: Palette.ink)
    }
}

extension Canvas {
    /// A mouth: a curve `width` wide centred on (x, y), bending down by `curve` in the middle (a smile; a
    /// negative `curve` frowns, 0 is straight).
    func mouth(x: Double, y: Double, width: Double, curve: Double, line: Double, color: Color) {
        cairo_move_to(cr, x - width / 2, y - curve / 2)
        cairo_curve_to(cr, x - width / 4, y + curve, x + width / 4, y + curve, x + width / 2, y - curve / 2)
        cairo_set_line_width(cr, line)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        color.set(on: cr)
        cairo_stroke(cr)
    }
}
