import CCairo
public import MirrorImaging

/// A Cairo drawing context over a ``PixelBuffer`` (Cairo's `RGB24`, the project's XRGB8888).
///
/// Owned by one thread at a time.
public final class Canvas {
    public let pixels: PixelBuffer
    let surface: OpaquePointer
    let cr: OpaquePointer
    /// What the last screen put where: every line of text and every button, in drawing order.
    /// Touch hit-testing reads the buttons; layout tests check that nothing overlaps or leaves the panel.
    public private(set) var layout: [LayoutBox] = []
    /// Pango, for every string drawn.
    let setter: TextSetter

    public init(width: Int, height: Int) {
        pixels = PixelBuffer(width: width, height: height)
        surface = Self.makeSurface(pixels)
        cr = cairo_create(surface)
        // Text renders the same whatever size was drawn first in the process. Left to fontconfig, Debian's
        // rules turn hinting off for small DejaVu sizes, and Cairo keeps the first resolution for every
        // later size, so glyphs differed with the order screens were drawn in. Unhinted outlines with
        // greyscale antialiasing (the panel is mounted rotated, so sub-pixel order would be wrong anyway)
        // and unrounded metrics are the same at every size and in every order.
        let options = cairo_font_options_create()!
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        setter = TextSetter(cr: cr, options: options)
        cairo_font_options_destroy(options)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    public var width: Int { pixels.width }
    public var height: Int { pixels.height }

    /// Wraps `buffer`'s memory as a Cairo surface (no copy); the buffer must outlive it and keep its shape.
    static func makeSurface(_ buffer: PixelBuffer) -> OpaquePointer {
        cairo_image_surface_create_for_data(
            buffer.base.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_RGB24, Int32(buffer.width),
            Int32(buffer.height), Int32(buffer.stride))
    }

    /// Finishes drawing so the pixels can be read.
    public func flush() { cairo_surface_flush(surface) }

    /// Forgets the recorded layout (a new screen starts).
    func beginLayout() { layout.removeAll(keepingCapacity: true) }

    /// The button under the point (panel pixels), if any; the topmost wins.
    public func button(atX x: Double, y: Double) -> String? { layout.button(atX: x, y: y) }

    // MARK: Drawing helpers used by the screens

    func record(
        _ kind: LayoutBox.Kind, x: Double, y: Double, width: Double, height: Double, label: String = "",
        edge: LayoutBox.Edge? = nil
    ) {
        layout.append(LayoutBox(kind: kind, x: x, y: y, width: width, height: height, label: label, edge: edge))
    }

    func fill(_ color: Color) {
        color.set(on: cr)
        cairo_paint(cr)
    }

    func rectangle(x: Double, y: Double, width: Double, height: Double, color: Color) {
        color.set(on: cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// Draws `image` scaled to fit inside the box, centred, keeping its proportions.
    func image(_ image: PixelBuffer, x: Double, y: Double, width: Double, height: Double) {
        guard image.width > 0, image.height > 0 else { return }
        let source = Self.makeSurface(image)
        defer { cairo_surface_destroy(source) }
        let scale = min(width / Double(image.width), height / Double(image.height))
        cairo_save(cr)
        cairo_translate(
            cr, x + (width - Double(image.width) * scale) / 2, y + (height - Double(image.height) * scale) / 2)
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    /// A vertical gradient from `top` to `bottom` over the band.
    func verticalGradient(y: Double, height: Double, top: Color, bottom: Color) {
        let pattern = cairo_pattern_create_linear(0, y, 0, y + height)
        cairo_pattern_add_color_stop_rgba(pattern, 0, top.red, top.green, top.blue, top.alpha)
        cairo_pattern_add_color_stop_rgba(pattern, 1, bottom.red, bottom.green, bottom.blue, bottom.alpha)
        cairo_set_source(cr, pattern)
        cairo_rectangle(cr, 0, y, Double(width), height)
        cairo_fill(cr)
        cairo_pattern_destroy(pattern)
    }

    /// Draws text set by Pango with its first baseline at `y`; returns the height its lines take.
    ///
    /// Without `width`, one line: `anchor` 0 puts its left edge at `x`, 0.5 its centre, 1 its right edge. With
    /// `width`, the text is wrapped to a box that wide, placed by `anchor` the same way and aligned in it by
    /// `anchor` too, at most `lines` lines (nil: every line it takes); the last line kept ends in an ellipsis
    /// when the text is longer and `ellipsize` allows (never for consent text or prices: give them the lines).
    /// `plate` puts a dark plate behind it: text over the camera image stays readable whatever is behind.
    @discardableResult
    func text(
        _ string: String, x: Double, y: Double, size: Double, color: Color, bold: Bool = false, anchor: Double = 0,
        tracking: Double = 0, width: Double? = nil, lines: Int? = 1, ellipsize: Bool = true, plate: Bool = false
    ) -> Double {
        let set = setter.prepare(
            string, size: size, bold: bold, width: width, lines: lines, ellipsize: ellipsize, align: anchor,
            tracking: tracking)
        // Whole-pixel origins keep text crisp and its position independent of layout rounding.
        let left = (x - (width ?? set.logical.width) * anchor).rounded()
        let top = (y - set.baseline).rounded()
        if plate {
            let padX = size * 0.5
            let padY = size * 0.3
            roundedRectangle(
                x: left + set.logical.x - padX, y: top + set.logical.y - padY, width: set.logical.width + 2 * padX,
                height: set.logical.height + 2 * padY, radius: size * 0.5, color: Palette.plate)
        }
        return show(string, set, left: left, top: top, size: size, color: color, bold: bold)
    }

    /// Draws the text Pango has set with its layout's top left at (`left`, `top`) and records where its ink is;
    /// returns the height its lines take.
    private func show(
        _ string: String, _ set: TextSetter.Extent, left: Double, top: Double, size: Double, color: Color, bold: Bool
    ) -> Double {
        color.set(on: cr)
        setter.show(x: left, y: top)
        layout.append(
            LayoutBox(
                kind: .text(string), x: left + set.ink.x, y: top + set.ink.y, width: set.ink.width,
                height: set.ink.height, size: size, bold: bold))
        return set.logical.height
    }

    /// Draws a paragraph wrapped by Pango to `width` with its top at `top` (every line it takes, none cut, unless
    /// `lines` bounds them: then the last one kept is ellipsized); returns the height it takes.
    @discardableResult
    func paragraph(
        _ string: String, x: Double, top: Double, width: Double, size: Double, color: Color, bold: Bool = false,
        align: Double = 0, lines: Int? = nil
    ) -> Double {
        let set = setter.prepare(
            string, size: size, bold: bold, width: width, lines: lines, ellipsize: lines != nil, align: align,
            tracking: 0)
        return show(string, set, left: x.rounded(), top: top.rounded(), size: size, color: color, bold: bold)
    }

    /// The advance width of `string` on one line at `size`.
    func textWidth(_ string: String, size: Double, bold: Bool = false) -> Double {
        setter.prepare(
            string, size: size, bold: bold, width: nil, lines: 1, ellipsize: false, align: 0, tracking: 0
        ).logical.width
    }

    /// The height `string` takes wrapped to `width` at `size` (as ``text(_:x:y:size:color:bold:anchor:tracking:width:lines:ellipsize:)``
    /// would draw it), and how many lines.
    func textHeight(
        _ string: String, width: Double, size: Double, bold: Bool = false, lines: Int? = nil
    ) -> (height: Double, lines: Int) {
        let set = setter.prepare(
            string, size: size, bold: bold, width: width, lines: lines, ellipsize: true, align: 0, tracking: 0)
        return (set.logical.height, set.lines)
    }

    /// Encodes the canvas as PNG (Cairo's encoder).
    public func pngData() throws(DisplayError) -> [UInt8] {
        flush()
        return try PNGWriter.encode(surface)
    }
}

/// Where a screen drew one element, in panel pixels.
public struct LayoutBox: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case text(String)
        /// A touch target; the id names the event it sends.
        case button(String)
        /// A large touch target beneath the buttons (a whole look on the compare screen): a tap on a button
        /// inside it goes to the button.
        case area(String)
    }

    public var kind: Kind
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    /// What a control says (its label, or what it does when it shows a symbol); empty for text.
    public var label = ""
    /// Text: its size in pixels and weight (the contrast it needs depends on them).
    public var size = 0.0
    public var bold = false
    /// A control's drawn edge, which must stand out from what is around it; nil for text and areas.
    public var edge: Edge?

    /// Where a control's edge is drawn.
    public enum Edge: Sendable, Equatable {
        /// The box itself, its corners rounded by `radius` (a pill, a chip, a key).
        case rounded(radius: Double)
        /// A disc inside a larger touch target (a colour swatch, the heart, a rating face).
        case disc(x: Double, y: Double, radius: Double)
    }

    public func contains(x px: Double, y py: Double) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }

    /// Whether the two boxes share any area (touching edges do not count).
    public func overlaps(_ other: LayoutBox) -> Bool {
        x < other.x + other.width && other.x < x + width && y < other.y + other.height && other.y < y + height
    }
}

extension [LayoutBox] {
    /// The id of the topmost button containing (x, y), else of the topmost area, if any.
    func button(atX x: Double, y: Double) -> String? {
        for box in reversed() {
            if case .button(let id) = box.kind, box.contains(x: x, y: y) { return id }
        }
        for box in reversed() {
            if case .area(let id) = box.kind, box.contains(x: x, y: y) { return id }
        }
        return nil
    }
}

/// An sRGB colour with alpha, components 0…1.
struct Color {
    var red: Double
    var green: Double
    var blue: Double
    var alpha: Double = 1

    init(_ red: Double, _ green: Double, _ blue: Double, _ alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    init(hex: UInt32, alpha: Double = 1) {
        self.init(
            Double((hex >> 16) & 0xFF) / 255, Double((hex >> 8) & 0xFF) / 255, Double(hex & 0xFF) / 255, alpha)
    }

    func set(on cr: OpaquePointer) { cairo_set_source_rgba(cr, red, green, blue, alpha) }

    static let white = Color(1, 1, 1)
    static let black = Color(0, 0, 0)
}

/// PNG encoding through Cairo's `cairo_surface_write_to_png_stream`.
public enum PNGWriter {
    private final class Sink {
        var bytes: [UInt8] = []
    }

    /// PNG bytes of `image` (XRGB8888).
    public static func encode(_ image: PixelBuffer) throws(DisplayError) -> [UInt8] {
        let surface = Canvas.makeSurface(image)
        defer { cairo_surface_destroy(surface) }
        return try encode(surface)
    }

    static func encode(_ surface: OpaquePointer) throws(DisplayError) -> [UInt8] {
        let sink = Sink()
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(
                surface,
                { closure, data, length in
                    let sink = Unmanaged<Sink>.fromOpaque(closure!).takeUnretainedValue()
                    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                    return CAIRO_STATUS_SUCCESS
                }, Unmanaged.passUnretained(sink).toOpaque())
        }
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DisplayError(.drawing, "PNG encoding failed: \(String(cString: cairo_status_to_string(status)))")
        }
        return sink.bytes
    }
}
