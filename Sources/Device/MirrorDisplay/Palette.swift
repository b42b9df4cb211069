import CCairo

/// The interface's colours: near-black sheets, warm gold accents.
enum Palette {
    static let gold = Color(hex: 0xC9A86A)
    static let ink = Color(hex: 0x141316)
    static let muted = Color(1, 1, 1, 0.72)
    static let sheet = Color(0.06, 0.06, 0.07, 0.82)
    static let quiet = Color(1, 1, 1, 0.16)
    static let record = Color(hex: 0xE5484D)
    /// Behind labels over the camera image: white text on it stays above 7:1 whatever the picture.
    static let plate = Color(0.06, 0.06, 0.07, 0.78)
    /// The favourite heart: light enough for 4.5:1 on the ink circle it sits on.
    static let heart = Color(hex: 0xFF7A7A)
    /// A control's light edge: 3:1 against a dark sheet or a dark picture (the fill inside it holds 3:1 against a
    /// light one), so every control's outline shows whatever is behind it (WCAG 1.4.11).
    static let edge = Color(1, 1, 1, 0.85)
}

extension Canvas {
    func roundedRectangle(x: Double, y: Double, width: Double, height: Double, radius: Double, color: Color) {
        roundedPath(x: x, y: y, width: width, height: height, radius: radius)
        color.set(on: cr)
        cairo_fill(cr)
    }

    /// The path of a rectangle with rounded corners.
    private func roundedPath(x: Double, y: Double, width: Double, height: Double, radius: Double) {
        let r = min(radius, width / 2, height / 2)
        cairo_new_sub_path(cr)
        cairo_arc(cr, x + width - r, y + r, r, -.pi / 2, 0)
        cairo_arc(cr, x + width - r, y + height - r, r, 0, .pi / 2)
        cairo_arc(cr, x + r, y + height - r, r, .pi / 2, .pi)
        cairo_arc(cr, x + r, y + r, r, .pi, 3 * .pi / 2)
        cairo_close_path(cr)
    }

    /// A solid outline `lineWidth` wide just inside a rounded rectangle's edge.
    func edge(x: Double, y: Double, width: Double, height: Double, radius: Double, lineWidth: Double, color: Color) {
        let inset = lineWidth / 2
        roundedPath(
            x: x + inset, y: y + inset, width: width - lineWidth, height: height - lineWidth,
            radius: max(0, radius - inset))
        cairo_set_line_width(cr, lineWidth)
        color.set(on: cr)
        cairo_stroke(cr)
    }

    /// A ring `lineWidth` wide just inside a circle's edge.
    func ring(x: Double, y: Double, radius: Double, lineWidth: Double, color: Color) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius - lineWidth / 2, 0, 2 * .pi)
        cairo_set_line_width(cr, lineWidth)
        color.set(on: cr)
        cairo_stroke(cr)
    }

    func circle(x: Double, y: Double, radius: Double, color: Color) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * .pi)
        color.set(on: cr)
        cairo_fill(cr)
    }

    /// A dashed rounded outline.
    func outline(
        x: Double, y: Double, width: Double, height: Double, radius: Double, lineWidth: Double, dash: Double,
        color: Color
    ) {
        roundedPath(x: x, y: y, width: width, height: height, radius: radius)
        var pattern = [dash, dash]
        cairo_set_dash(cr, &pattern, 2, 0)
        cairo_set_line_width(cr, lineWidth)
        color.set(on: cr)
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
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
