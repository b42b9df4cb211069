import CCairo
import CPango

/// Sets text on a Cairo context with Pango: shaped by HarfBuzz (ligatures, marks, any script Noto covers), fonts
/// found by fontconfig with fallback per character, lines wrapped at word boundaries and ellipsized by Pango.
/// One layout is reused for every string the canvas draws; owned by the canvas's thread.
final class TextSetter {
    /// The face every string is set in; fontconfig falls back per character where it lacks a glyph.
    static let family = "Noto Sans"

    private let cr: OpaquePointer
    private let layout: OpaquePointer
    private var fonts: [FontKey: OpaquePointer] = [:]

    private struct FontKey: Hashable {
        var size: Double
        var bold: Bool
    }

    /// The set text, relative to the layout's top left corner, in pixels: its logical box (what the lines take,
    /// line spacing included), its ink box (what is painted), its first baseline and how many lines it took.
    struct Extent {
        var logical: (x: Double, y: Double, width: Double, height: Double)
        var ink: (x: Double, y: Double, width: Double, height: Double)
        var baseline: Double
        var lines: Int
    }

    init(cr: OpaquePointer, options: OpaquePointer) {
        self.cr = cr
        layout = pango_cairo_create_layout(cr)
        // The canvas's font options (unhinted, greyscale, unrounded metrics) hold for Pango's text too.
        let context = pango_layout_get_context(layout)
        pango_cairo_context_set_font_options(context, options)
        pango_layout_context_changed(layout)
    }

    deinit {
        for font in fonts.values { pango_font_description_free(font) }
        g_object_unref(UnsafeMutableRawPointer(layout))
    }

    /// Lays out `string` at `size` pixels: on one line without `width`; else wrapped to `width`, at most `lines`
    /// lines (nil: as many as it takes), the last one ellipsized when `ellipsize` and the text is longer.
    /// `align` 0 = left, 0.5 = centred, 1 = right, within `width`.
    @discardableResult
    func prepare(
        _ string: String, size: Double, bold: Bool, width: Double?, lines: Int?, ellipsize: Bool, align: Double,
        tracking: Double
    ) -> Extent {
        pango_layout_set_font_description(layout, font(size: size, bold: bold))
        pango_layout_set_text(layout, string, -1)
        if tracking != 0 {
            let attributes = pango_attr_list_new()
            pango_attr_list_insert(attributes, pango_attr_letter_spacing_new(Int32(tracking * Double(PANGO_SCALE))))
            pango_layout_set_attributes(layout, attributes)
            pango_attr_list_unref(attributes)
        } else {
            pango_layout_set_attributes(layout, nil)
        }
        if let width {
            pango_layout_set_width(layout, Int32(width * Double(PANGO_SCALE)))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            // A negative height counts lines: Pango ellipsizes the last one it keeps.
            pango_layout_set_height(layout, lines.map { -Int32($0) } ?? -1)
            pango_layout_set_ellipsize(
                layout, ellipsize && lines != nil ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE)
            pango_layout_set_alignment(
                layout, align >= 0.75 ? PANGO_ALIGN_RIGHT : align >= 0.25 ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT)
        } else {
            pango_layout_set_width(layout, -1)
            pango_layout_set_height(layout, -1)
            pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_NONE)
            pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
        }
        var ink = PangoRectangle()
        var logical = PangoRectangle()
        pango_layout_get_pixel_extents(layout, &ink, &logical)
        return Extent(
            logical: (Double(logical.x), Double(logical.y), Double(logical.width), Double(logical.height)),
            ink: (Double(ink.x), Double(ink.y), Double(ink.width), Double(ink.height)),
            baseline: Double(pango_layout_get_baseline(layout)) / Double(PANGO_SCALE),
            lines: Int(pango_layout_get_line_count(layout)))
    }

    /// Draws the prepared text with its top left corner at (x, y).
    func show(x: Double, y: Double) {
        cairo_move_to(cr, x, y)
        pango_cairo_show_layout(cr, layout)
    }

    private func font(size: Double, bold: Bool) -> OpaquePointer {
        let key = FontKey(size: size, bold: bold)
        if let font = fonts[key] { return font }
        let font = pango_font_description_new()!
        pango_font_description_set_family(font, Self.family)
        pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_absolute_size(font, size * Double(PANGO_SCALE))
        // A few dozen sizes at most: the screens use a handful, scaled with the panel.
        if fonts.count >= 64 {
            for old in fonts.values { pango_font_description_free(old) }
            fonts = [:]
        }
        fonts[key] = font
        return font
    }
}
