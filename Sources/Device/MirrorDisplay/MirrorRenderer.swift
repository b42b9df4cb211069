import CCairo
public import MirrorImaging

/// Composes what the panel shows: the mirrored camera image and the interface over it.
///
/// Owns its canvas and a cached Cairo surface for the camera image, so drawing a frame allocates
/// nothing once warm.
public final class MirrorRenderer {
    public let canvas: Canvas
    public let rotation: Int
    public let mirror: Bool
    /// Where the panel hangs: the layout keeps controls within reach from it.
    public let placement: PanelPlacement
    private var frameSurface: OpaquePointer?
    private var frameKey: (UnsafeMutableRawPointer, Int, Int, Int)?

    /// What the overlay shows besides the picture.
    public struct Overlay: Sendable {
        public var hint: String
        /// Staff diagnostics in a corner (fps, latency, versions), one entry per line, or nil for none.
        public var diagnostics: [String]?

        public init(hint: String = "Tap the mirror to record your look", diagnostics: [String]? = nil) {
            self.hint = hint
            self.diagnostics = diagnostics
        }
    }

    public init(width: Int, height: Int, rotation: Int, mirror: Bool, placement: PanelPlacement? = nil) {
        precondition([0, 90, 180, 270].contains(rotation))
        canvas = Canvas(width: width, height: height)
        self.rotation = rotation
        self.mirror = mirror
        self.placement = placement ?? .floorStanding(width: width, height: height)
    }

    deinit {
        if let frameSurface { cairo_surface_destroy(frameSurface) }
    }

    /// The size the camera image has on screen after rotation, before scaling.
    func uprightSize(width: Int, height: Int) -> (Int, Int) {
        rotation % 180 == 0 ? (width, height) : (height, width)
    }

    /// The factor by which the camera image is scaled to cover the panel.
    public func coverScale(frameWidth: Int, frameHeight: Int) -> Double {
        let (w, h) = uprightSize(width: frameWidth, height: frameHeight)
        return max(Double(canvas.width) / Double(w), Double(canvas.height) / Double(h))
    }

    /// The largest DCT downscale that still gives at least one camera pixel per panel pixel.
    public func decodeScale(frameWidth: Int, frameHeight: Int) -> JPEGScale {
        let scale = coverScale(frameWidth: frameWidth, frameHeight: frameHeight)
        return JPEGScale.allCases.last { 1 / Double($0.rawValue) >= scale } ?? .full
    }

    /// Draws the live view: `frame` rotated upright, scaled to cover the panel, flipped like a mirror.
    public func drawLive(_ frame: PixelBuffer, overlay: Overlay) {
        canvas.beginLayout()
        drawImage(frame, x: 0, y: 0, width: Double(canvas.width), height: Double(canvas.height))
        drawOverlay(overlay)
        canvas.flush()
    }

    /// Draws a camera image upright, mirrored and scaled to cover the rectangle (clipped to it).
    func drawImage(_ frame: PixelBuffer, x: Double, y: Double, width: Double, height: Double) {
        let cr = canvas.cr
        let surface = surface(for: frame)
        cairo_surface_mark_dirty(surface)
        let (w, h) = uprightSize(width: frame.width, height: frame.height)
        let scale = max(width / Double(w), height / Double(h))
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        cairo_translate(cr, x + width / 2, y + height / 2)
        if mirror { cairo_scale(cr, -1, 1) }
        cairo_rotate(cr, Double(rotation) * .pi / 180)
        cairo_scale(cr, scale, scale)
        cairo_translate(cr, -Double(frame.width) / 2, -Double(frame.height) / 2)
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_paint(cr)
        cairo_restore(cr)
    }

    /// A full-screen message, e.g. while the camera reconnects.
    public func drawMessage(_ title: String, detail: String, diagnostics: [String]? = nil) {
        canvas.beginLayout()
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        canvas.fill(Color(hex: 0x111214))
        drawTitle(title, detail: detail, unit: unit)
        if let diagnostics { drawDiagnostics(diagnostics) }
        canvas.flush()
    }

    /// The brand mark and a centred title with one line of detail (messages, camera lost).
    func drawTitle(_ title: String, detail: String, unit: Double) {
        drawBrand(unit: unit)
        let width = Double(canvas.width)
        let middle = Double(canvas.height) / 2
        canvas.text(title, x: width / 2, y: middle, size: 56 * unit, color: .white, anchor: 0.5)
        canvas.text(
            detail, x: width / 2, y: middle + 70 * unit,
            size: 32 * unit, color: Color(1, 1, 1, 0.6), anchor: 0.5, width: width - 120 * unit)
    }

    private func drawOverlay(_ overlay: Overlay) {
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        let height = Double(canvas.height)
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        let band = 260 * unit
        canvas.verticalGradient(
            y: height - band, height: band, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.55))
        if !overlay.hint.isEmpty {
            canvas.text(
                overlay.hint, x: Double(canvas.width) / 2, y: height - 90 * unit, size: 40 * unit, color: .white,
                anchor: 0.5)
        }
        if let diagnostics = overlay.diagnostics { drawDiagnostics(diagnostics) }
    }

    /// The staff panel: small monospaced lines on a dark card in the top-right corner.
    func drawDiagnostics(_ lines: [String], left: Bool = false) {
        guard !lines.isEmpty else { return }
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        let size = 22 * unit
        let lineHeight = 32 * unit
        // Staff's overlay, top right; on a landscape panel it keeps to the margin beside the centred sheets.
        let width = Double(canvas.width)
        let margin = (width - min(width - 120 * unit, 1000 * unit)) / 2 - 48 * unit
        let cardWidth = canvas.width > canvas.height ? min(600 * unit, max(360 * unit, margin)) : 600 * unit
        let cardX = left ? 24 * unit : Double(canvas.width) - cardWidth - 24 * unit
        let cardY = 110 * unit
        canvas.roundedRectangle(
            x: cardX, y: cardY, width: cardWidth, height: Double(lines.count) * lineHeight + 28 * unit,
            radius: 14 * unit, color: Color(0, 0, 0, 0.7))
        for (index, line) in lines.enumerated() {
            canvas.text(
                line, x: cardX + 20 * unit,
                y: cardY + 14 * unit + Double(index + 1) * lineHeight - 8 * unit, size: size,
                color: Color(0.75, 1, 0.8, 0.95), width: cardWidth - 40 * unit)
        }
    }

    func drawBrand(unit: Double) {
        canvas.text(
            "MIRROR", x: 40 * unit, y: 76 * unit, size: 30 * unit, color: .white, bold: true,
            tracking: 8 * unit, plate: true)
    }

    private func surface(for frame: PixelBuffer) -> OpaquePointer {
        if let frameSurface, let key = frameKey, key.0 == frame.base, key.1 == frame.width,
            key.2 == frame.height, key.3 == frame.stride
        {
            return frameSurface
        }
        if let frameSurface { cairo_surface_destroy(frameSurface) }
        let made = Canvas.makeSurface(frame)
        frameSurface = made
        frameKey = (frame.base, frame.width, frame.height, frame.stride)
        return made
    }
}
