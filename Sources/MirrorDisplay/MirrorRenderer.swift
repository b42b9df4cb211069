import CCairo
import MirrorImaging

/// Composes what the panel shows: the mirrored camera image and the interface over it.
///
/// Owns its canvas and a cached Cairo surface for the camera image, so drawing a frame allocates
/// nothing once warm.
public final class MirrorRenderer {
    public let canvas: Canvas
    public let rotation: Int
    public let mirror: Bool
    private var frameSurface: OpaquePointer?
    private var frameKey: (UnsafeMutableRawPointer, Int, Int, Int)?

    /// What the overlay shows besides the picture.
    public struct Overlay: Sendable {
        public var hint: String
        /// Staff diagnostics in a corner (fps, latency), or nil for none.
        public var diagnostics: String?

        public init(hint: String = "Tap the mirror to record your look", diagnostics: String? = nil) {
            self.hint = hint
            self.diagnostics = diagnostics
        }
    }

    public init(width: Int, height: Int, rotation: Int, mirror: Bool) {
        precondition([0, 90, 180, 270].contains(rotation))
        canvas = Canvas(width: width, height: height)
        self.rotation = rotation
        self.mirror = mirror
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
        let cr = canvas.cr
        let surface = surface(for: frame)
        cairo_surface_mark_dirty(surface)
        let scale = coverScale(frameWidth: frame.width, frameHeight: frame.height)
        cairo_save(cr)
        cairo_translate(cr, Double(canvas.width) / 2, Double(canvas.height) / 2)
        if mirror { cairo_scale(cr, -1, 1) }
        cairo_rotate(cr, Double(rotation) * .pi / 180)
        cairo_scale(cr, scale, scale)
        cairo_translate(cr, -Double(frame.width) / 2, -Double(frame.height) / 2)
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_paint(cr)
        cairo_restore(cr)
        drawOverlay(overlay)
        canvas.flush()
    }

    /// A full-screen message, e.g. while the camera reconnects.
    public func drawMessage(_ title: String, detail: String) {
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        canvas.fill(Color(hex: 0x111214))
        drawBrand(unit: unit)
        let middle = Double(canvas.height) / 2
        canvas.text(title, x: Double(canvas.width) / 2, y: middle, size: 56 * unit, color: .white, anchor: 0.5)
        canvas.text(
            detail, x: Double(canvas.width) / 2, y: middle + 70 * unit, size: 32 * unit,
            color: Color(1, 1, 1, 0.6), anchor: 0.5)
        canvas.flush()
    }

    private func drawOverlay(_ overlay: Overlay) {
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        let height = Double(canvas.height)
        canvas.verticalGradient(y: 0, height: 200 * unit, top: Color(0, 0, 0, 0.45), bottom: Color(0, 0, 0, 0))
        drawBrand(unit: unit)
        let band = 260 * unit
        canvas.verticalGradient(
            y: height - band, height: band, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.55))
        canvas.text(
            overlay.hint, x: Double(canvas.width) / 2, y: height - 90 * unit, size: 40 * unit, color: .white,
            anchor: 0.5)
        if let diagnostics = overlay.diagnostics {
            canvas.text(
                diagnostics, x: Double(canvas.width) - 36 * unit, y: 72 * unit, size: 24 * unit,
                color: Color(1, 1, 1, 0.75), anchor: 1)
        }
    }

    private func drawBrand(unit: Double) {
        canvas.text(
            "MIRROR", x: 40 * unit, y: 76 * unit, size: 30 * unit, color: Color(1, 1, 1, 0.9), bold: true,
            tracking: 8 * unit)
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
