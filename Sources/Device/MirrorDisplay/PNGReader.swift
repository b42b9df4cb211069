import CCairo
public import MirrorImaging

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
