import ArgumentParser
import CCairo
import CPango
import Foundation
import MirrorDisplay
import MirrorImaging

/// The suggestions screen drawn as the mirror draws it (text set by Pango with HarfBuzz), and its strings set two
/// ways in the same run: by Pango as the screens do, and by Cairo's toy text API as they did before (one line, no
/// shaping, no wrapping) — the cost of the text library, beside the whole screen's.
struct ScreenText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen-text",
        abstract: "Time the suggestions screen, and its strings set by Pango vs Cairo's toy text API.")
    @Option var frames = 60

    func run() throws {
        let frame = PixelBuffer(width: 1080, height: 1920)
        frame.fill(0x80_6040)
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        let cards = (0..<3).map { index in
            Screen.Garment(
                sku: "SKU-\(index)", name: "Ribbed Crew Jumper in a long name \(index)", price: "€59",
                sizes: [.init("S", inStock: true), .init("M", inStock: true), .init("L", inStock: false)],
                colours: [0xAA4B23, 0x192350], reason: "Goes with the Ribbed Crew Jumper you are trying on",
                size: "M")
        }
        let screen = Screen.suggestions(
            .init(recognised: ["Ribbed Crew Jumper, rust", "Straight Jeans, navy"], cards: cards, identified: false))
        let whole = time { renderer.draw(screen, images: [frame]) }
        let strings = renderer.canvas.layout.compactMap { box -> (String, Double, Bool)? in
            if case .text(let string) = box.kind { (string, box.size, box.bold) } else { nil }
        }
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1080, 1920)
        let cr = cairo_create(surface)
        defer {
            cairo_destroy(cr)
            cairo_surface_destroy(surface)
        }
        let layout = pango_cairo_create_layout(cr)
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }
        let pango = time {
            for (string, size, bold) in strings {
                let font = pango_font_description_new()
                pango_font_description_set_family(font, "Noto Sans")
                pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
                pango_font_description_set_absolute_size(font, size * Double(PANGO_SCALE))
                pango_layout_set_font_description(layout, font)
                pango_font_description_free(font)
                pango_layout_set_text(layout, string, -1)
                cairo_move_to(cr, 40, 400)
                pango_cairo_show_layout(cr, layout)
            }
        }
        let toy = time {
            for (string, size, bold) in strings {
                cairo_select_font_face(
                    cr, "Noto Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
                cairo_set_font_size(cr, size)
                cairo_move_to(cr, 40, 400)
                cairo_show_text(cr, string)
            }
        }
        print(String(format: "suggestions screen (1080x1920, %d strings): %.2f ms/frame drawn", strings.count, whole))
        print(
            String(
                format: "its strings: Pango %.2f ms/frame vs Cairo toy text %.2f ms/frame (ratio %.2f)", pango, toy,
                pango / toy))
    }

    func time(_ body: () -> Void) -> Double {
        body()  // warm: fonts found, glyphs cached
        let start = ContinuousClock.now
        for _ in 0..<frames { body() }
        return (ContinuousClock.now - start).milliseconds / Double(frames)
    }
}
