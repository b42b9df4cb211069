import CCairo
import MirrorImaging

/// The screens of a session, drawn over (or instead of) the live mirror.
public enum Screen: Sendable, Equatable {
    /// Nobody there: the invitation.
    case attract
    /// Before the first recording: what is recorded, for how long, who can see it.
    case consent(clipSeconds: Int, keepHours: Int)
    /// Seconds left before recording starts.
    case countdown(Int)
    /// Recording: fraction done and seconds left.
    case recording(progress: Double, secondsLeft: Int)
    /// A staff request was sent.
    case staffOnTheWay(request: String)
}

extension MirrorRenderer {
    /// Draws `screen`; screens that keep the mirror visible draw over `live` (dimmed where text sits).
    public func draw(_ screen: Screen, live: PixelBuffer?) {
        let unit = Double(min(canvas.width, canvas.height)) / 1080
        let width = Double(canvas.width)
        let height = Double(canvas.height)
        if let live, screen != .attract {
            drawLive(live, overlay: .init(hint: ""))
        } else {
            canvas.verticalGradient(y: 0, height: height, top: Color(hex: 0x1B1A1F), bottom: Color(hex: 0x0B0B0D))
        }
        switch screen {
        case .attract:
            canvas.text(
                "MIRROR", x: width / 2, y: height * 0.36, size: 54 * unit, color: Palette.gold, bold: true, anchor: 0.5,
                tracking: 22 * unit)
            canvas.text(
                "See your look from every side", x: width / 2, y: height * 0.36 + 110 * unit, size: 56 * unit,
                color: .white, anchor: 0.5)
            canvas.text(
                "Step in front of the mirror and tap to begin", x: width / 2, y: height * 0.36 + 180 * unit,
                size: 32 * unit, color: Palette.muted, anchor: 0.5)
            canvas.roundedRectangle(
                x: width / 2 - 230 * unit, y: height * 0.62, width: 460 * unit, height: 110 * unit, radius: 55 * unit,
                color: Palette.gold)
            canvas.text(
                "Tap to start", x: width / 2, y: height * 0.62 + 70 * unit, size: 40 * unit, color: Palette.ink,
                bold: true, anchor: 0.5)
        case .consent(let clipSeconds, let keepHours):
            let top = height * 0.42
            canvas.roundedRectangle(
                x: 60 * unit, y: top, width: width - 120 * unit, height: 860 * unit, radius: 36 * unit,
                color: Palette.sheet)
            let left = 120 * unit
            canvas.text("Record this look?", x: left, y: top + 120 * unit, size: 58 * unit, color: .white, bold: true)
            let lines = [
                "The mirror films you for \(clipSeconds) seconds while you turn.",
                "Only you can watch it, here on this mirror.",
                "It is deleted \(keepHours) hours after you leave,",
                "unless you save it to your profile.",
                "No face recognition. Nothing is shared without your OK.",
            ]
            for (index, line) in lines.enumerated() {
                canvas.text(
                    line, x: left, y: top + (220 + Double(index) * 62) * unit, size: 34 * unit, color: Palette.muted)
            }
            let buttonY = top + 620 * unit
            let buttonWidth = (width - 300 * unit) / 2
            canvas.roundedRectangle(
                x: left, y: buttonY, width: buttonWidth, height: 120 * unit, radius: 60 * unit, color: Palette.quiet)
            canvas.text(
                "No, thanks", x: left + buttonWidth / 2, y: buttonY + 76 * unit, size: 40 * unit, color: .white,
                anchor: 0.5)
            let acceptX = width - left - buttonWidth
            canvas.roundedRectangle(
                x: acceptX, y: buttonY, width: buttonWidth, height: 120 * unit, radius: 60 * unit, color: Palette.gold)
            canvas.text(
                "Record", x: acceptX + buttonWidth / 2, y: buttonY + 76 * unit, size: 40 * unit, color: Palette.ink,
                bold: true, anchor: 0.5)
        case .countdown(let seconds):
            canvas.circle(x: width / 2, y: height / 2, radius: 190 * unit, color: Color(0, 0, 0, 0.45))
            canvas.text(
                "\(seconds)", x: width / 2, y: height / 2 + 90 * unit, size: 260 * unit, color: .white, bold: true,
                anchor: 0.5)
            canvas.text(
                "Get ready to turn slowly", x: width / 2, y: height / 2 + 320 * unit, size: 44 * unit, color: .white,
                anchor: 0.5)
        case .recording(let progress, let secondsLeft):
            canvas.verticalGradient(
                y: height - 300 * unit, height: 300 * unit, top: Color(0, 0, 0, 0), bottom: Color(0, 0, 0, 0.6))
            // Top right: the brand mark holds the top left.
            canvas.circle(x: width - 150 * unit, y: 64 * unit, radius: 18 * unit, color: Palette.record)
            canvas.text(
                "REC", x: width - 40 * unit, y: 77 * unit, size: 36 * unit, color: .white, bold: true, anchor: 1)
            canvas.text(
                "Turn slowly all the way round", x: width / 2, y: height - 170 * unit, size: 44 * unit, color: .white,
                anchor: 0.5)
            let barWidth = width - 160 * unit
            canvas.roundedRectangle(
                x: 80 * unit, y: height - 110 * unit, width: barWidth, height: 16 * unit, radius: 8 * unit,
                color: Color(1, 1, 1, 0.25))
            canvas.roundedRectangle(
                x: 80 * unit, y: height - 110 * unit, width: max(16 * unit, barWidth * min(max(progress, 0), 1)),
                height: 16 * unit, radius: 8 * unit, color: Palette.gold)
            canvas.text(
                "\(secondsLeft) s", x: width - 80 * unit, y: height - 130 * unit, size: 30 * unit, color: Palette.muted,
                anchor: 1)
        case .staffOnTheWay(let request):
            let top = height * 0.58
            canvas.roundedRectangle(
                x: 60 * unit, y: top, width: width - 120 * unit, height: 420 * unit, radius: 36 * unit,
                color: Palette.sheet)
            canvas.circle(x: width / 2, y: top + 110 * unit, radius: 50 * unit, color: Palette.gold)
            canvas.check(x: width / 2, y: top + 110 * unit, size: 50 * unit, color: Palette.ink)
            canvas.text(
                "Someone is on the way", x: width / 2, y: top + 240 * unit, size: 52 * unit, color: .white, bold: true,
                anchor: 0.5)
            canvas.text(request, x: width / 2, y: top + 320 * unit, size: 36 * unit, color: Palette.muted, anchor: 0.5)
        }
        canvas.flush()
    }
}

/// The interface's colours: near-black sheets, warm gold accents.
enum Palette {
    static let gold = Color(hex: 0xC9A86A)
    static let ink = Color(hex: 0x141316)
    static let muted = Color(1, 1, 1, 0.72)
    static let sheet = Color(0.06, 0.06, 0.07, 0.82)
    static let quiet = Color(1, 1, 1, 0.16)
    static let record = Color(hex: 0xE5484D)
}

extension Canvas {
    func roundedRectangle(x: Double, y: Double, width: Double, height: Double, radius: Double, color: Color) {
        let r = min(radius, width / 2, height / 2)
        cairo_new_sub_path(cr)
        cairo_arc(cr, x + width - r, y + r, r, -.pi / 2, 0)
        cairo_arc(cr, x + width - r, y + height - r, r, 0, .pi / 2)
        cairo_arc(cr, x + r, y + height - r, r, .pi / 2, .pi)
        cairo_arc(cr, x + r, y + r, r, .pi, 3 * .pi / 2)
        cairo_close_path(cr)
        color.set(on: cr)
        cairo_fill(cr)
    }

    func circle(x: Double, y: Double, radius: Double, color: Color) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * .pi)
        color.set(on: cr)
        cairo_fill(cr)
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

/// Reads PNG files into XRGB8888 (Cairo's reader), for golden-image tests and assets.
public enum PNGReader {
    public static func read(_ path: String, into image: PixelBuffer) throws(DisplayError) {
        let surface = cairo_image_surface_create_from_png(path)
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw DisplayError(.drawing, "cannot read \(path): \(String(cString: cairo_status_to_string(status)))")
        }
        let width = Int(cairo_image_surface_get_width(surface))
        let height = Int(cairo_image_surface_get_height(surface))
        image.reshape(width: width, height: height)
        let target = Canvas.makeSurface(image)
        defer { cairo_surface_destroy(target) }
        let cr = cairo_create(target)
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(target)
    }
}
