import CCairo
public import MirrorCore
public import MirrorImaging

/// Flat product drawings of garments on a white studio background (Cairo): the demo catalog's photos
/// and the retrieval benchmark's catalog are made with it. Same arguments, same picture.
public enum GarmentArt {
    /// Runs `body` with a Cairo context drawing into `image`.
    public static func withContext(_ image: PixelBuffer, _ body: (OpaquePointer) -> Void) {
        let surface = cairo_image_surface_create_for_data(
            image.base.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_RGB24, Int32(image.width),
            Int32(image.height), Int32(image.stride))!
        let cr = cairo_create(surface)!
        body(cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        cairo_surface_destroy(surface)
    }

    /// A garment of `category` in `colour` (sRGB, 0…1) with `pattern` (`solid`, `stripes`, `checks`),
    /// centred on a white background filling the square `image`.
    public static func draw(
        _ category: GarmentCategory, colour: (Double, Double, Double), pattern: String, into image: PixelBuffer
    ) {
        withContext(image) { cr in
            let s = Double(image.width)
            cairo_set_source_rgb(cr, 0.97, 0.97, 0.96)
            cairo_paint(cr)
            func poly(_ points: [(Double, Double)]) {
                cairo_move_to(cr, points[0].0 * s, points[0].1 * s)
                for point in points.dropFirst() { cairo_line_to(cr, point.0 * s, point.1 * s) }
                cairo_close_path(cr)
            }
            func outline() {
                switch category {
                case .tops, .knitwear, .shirts:
                    poly([
                        (0.3, 0.15), (0.42, 0.12), (0.58, 0.12), (0.7, 0.15), (0.9, 0.35), (0.8, 0.42), (0.7, 0.34),
                        (0.7, 0.85), (0.3, 0.85), (0.3, 0.34), (0.2, 0.42), (0.1, 0.35),
                    ])
                case .trousers:
                    poly([
                        (0.3, 0.08), (0.7, 0.08), (0.74, 0.92), (0.56, 0.92), (0.5, 0.35), (0.44, 0.92), (0.26, 0.92),
                    ])
                case .dresses, .swimwear:
                    poly([(0.38, 0.06), (0.62, 0.06), (0.64, 0.38), (0.8, 0.94), (0.2, 0.94), (0.36, 0.38)])
                case .skirts:
                    poly([(0.34, 0.2), (0.66, 0.2), (0.82, 0.8), (0.18, 0.8)])
                case .bags:
                    poly([(0.2, 0.4), (0.8, 0.4), (0.86, 0.86), (0.14, 0.86)])
                case .footwear:
                    poly([(0.14, 0.4), (0.42, 0.4), (0.5, 0.52), (0.84, 0.6), (0.88, 0.72), (0.14, 0.72)])
                case .accessories:
                    poly([(0.42, 0.08), (0.58, 0.08), (0.6, 0.62), (0.7, 0.92), (0.52, 0.92), (0.46, 0.62)])
                case .outerwear, .suits:
                    poly([
                        (0.3, 0.08), (0.7, 0.08), (0.88, 0.22), (0.9, 0.8), (0.78, 0.8), (0.74, 0.3), (0.74, 0.95),
                        (0.26, 0.95), (0.26, 0.3), (0.22, 0.8), (0.1, 0.8), (0.12, 0.22),
                    ])
                }
            }
            outline()
            cairo_save(cr)
            cairo_clip_preserve(cr)
            cairo_set_source_rgb(cr, colour.0, colour.1, colour.2)
            cairo_fill_preserve(cr)
            // The pattern fills only its own rectangles (inside the garment's clip).
            cairo_new_path(cr)
            let light = (min(1, colour.0 + 0.55), min(1, colour.1 + 0.55), min(1, colour.2 + 0.5))
            cairo_set_source_rgb(cr, light.0, light.1, light.2)
            if pattern == "stripes" {
                for y in stride(from: 0.0, to: s, by: s / 16) { cairo_rectangle(cr, 0, y, s, s / 40) }
                cairo_fill(cr)
            } else if pattern == "checks" {
                for t in stride(from: 0.0, to: s, by: s / 10) {
                    cairo_rectangle(cr, t, 0, s / 60, s)
                    cairo_rectangle(cr, 0, t, s, s / 60)
                }
                cairo_fill(cr)
            }
            cairo_restore(cr)
            // Seams and shading: a darker outline.
            outline()
            cairo_set_source_rgba(cr, 0, 0, 0, 0.35)
            cairo_set_line_width(cr, s / 120)
            cairo_stroke(cr)
            details(category, cr, s, colour)
        }
    }

    /// What tells the categories of one shape apart: buttons, a collar, ribbing, handles, a sole.
    private static func details(
        _ category: GarmentCategory, _ cr: OpaquePointer, _ s: Double, _ colour: (Double, Double, Double)
    ) {
        let dark = (colour.0 * 0.6, colour.1 * 0.6, colour.2 * 0.6)
        switch category {
        case .outerwear:
            cairo_set_source_rgb(cr, 0.85, 0.8, 0.6)
            for y in [0.4, 0.55, 0.7] {
                cairo_arc(cr, 0.5 * s, y * s, s / 70, 0, 2 * .pi)
                cairo_fill(cr)
            }
        case .knitwear:
            // Ribbed hem and cuffs.
            cairo_set_source_rgb(cr, dark.0, dark.1, dark.2)
            for x in stride(from: 0.31, to: 0.69, by: 0.025) { cairo_rectangle(cr, x * s, 0.78 * s, s / 160, 0.07 * s) }
            cairo_fill(cr)
        case .shirts:
            cairo_set_source_rgb(cr, min(1, colour.0 + 0.2), min(1, colour.1 + 0.2), min(1, colour.2 + 0.2))
            cairo_move_to(cr, 0.42 * s, 0.12 * s)
            cairo_line_to(cr, 0.5 * s, 0.24 * s)
            cairo_line_to(cr, 0.58 * s, 0.12 * s)
            cairo_close_path(cr)
            cairo_fill(cr)
            cairo_set_source_rgb(cr, 0.9, 0.9, 0.88)
            for y in [0.32, 0.44, 0.56, 0.68] {
                cairo_arc(cr, 0.5 * s, y * s, s / 90, 0, 2 * .pi)
                cairo_fill(cr)
            }
        case .bags:
            cairo_set_source_rgb(cr, dark.0, dark.1, dark.2)
            cairo_set_line_width(cr, s / 40)
            cairo_arc(cr, 0.5 * s, 0.4 * s, 0.18 * s, .pi, 2 * .pi)
            cairo_stroke(cr)
        case .footwear:
            cairo_set_source_rgb(cr, 0.92, 0.92, 0.9)
            cairo_rectangle(cr, 0.14 * s, 0.72 * s, 0.74 * s, 0.05 * s)
            cairo_fill(cr)
        default:
            break
        }
    }

    /// `#rrggbb` as sRGB 0…1 components (grey when malformed).
    public static func rgb(_ hex: String) -> (Double, Double, Double) {
        let value = UInt32(hex.dropFirst(), radix: 16) ?? 0x808080
        return (Double(value >> 16 & 0xff) / 255, Double(value >> 8 & 0xff) / 255, Double(value & 0xff) / 255)
    }
}
