import Foundation
import MirrorDisplay
import Testing

/// Contrast measured on the rendered pixels of every screen at 1080x1920, over the test scene's camera image:
/// text against what surrounds it at least 4.5:1, large text (40 px, or 32 px bold, at 1080 wide) 3:1 (WCAG
/// 2.2's 1.4.3, which EN 301 549 takes over). Control edges (1.4.11, 3:1) are not measured yet.
@Suite struct ContrastTests {
    /// Relative luminance of an XRGB8888 pixel (WCAG's definition, sRGB).
    static func luminance(_ pixel: UInt32) -> Double {
        func channel(_ shift: UInt32) -> Double {
            let c = Double((pixel >> shift) & 0xFF) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    static func ratio(_ a: Double, _ b: Double) -> Double { (max(a, b) + 0.05) / (min(a, b) + 0.05) }

    /// The luminances inside a box and in a ring `gap` pixels outside it, `ring` thick.
    static func sample(
        _ pixels: (Int, Int) -> UInt32, box: LayoutBox, width: Int, height: Int, gap: Int, ring: Int
    ) -> (inside: [Double], around: [Double]) {
        let x0 = Int(box.x.rounded(.down)), y0 = Int(box.y.rounded(.down))
        let x1 = Int((box.x + box.width).rounded(.up)), y1 = Int((box.y + box.height).rounded(.up))
        var inside: [Double] = []
        var around: [Double] = []
        for y in max(0, y0 - gap - ring)..<min(height, y1 + gap + ring) {
            for x in max(0, x0 - gap - ring)..<min(width, x1 + gap + ring) {
                if x >= x0, x < x1, y >= y0, y < y1 {
                    inside.append(luminance(pixels(x, y)))
                } else if x < x0 - gap || x >= x1 + gap || y < y0 - gap || y >= y1 + gap {
                    around.append(luminance(pixels(x, y)))
                }
            }
        }
        return (inside, around)
    }

    @Test func textStandsOutFromWhatIsBehindIt() {
        let (width, height) = (1080, 1920)
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true)
        for (name, screen) in ScreenGoldenTests.screens where name != "test-pattern" {
            renderer.draw(screen, images: ScreenGoldenTests.images(for: screen))
            let image = renderer.canvas.pixels
            let pixel = { (x: Int, y: Int) in image.pixel(x: x, y: y) }
            for box in renderer.canvas.layout where box.width >= 2 && box.height >= 2 {
                switch box.kind {
                case .text(let string):
                    // The text's own colour is the inside pixel farthest from the surroundings' median; the
                    // surroundings' worst case is the ring pixel closest to it (the 5th percentile).
                    let (inside, around) = Self.sample(pixel, box: box, width: width, height: height, gap: 2, ring: 4)
                    guard !inside.isEmpty, !around.isEmpty else { continue }
                    let background = around.sorted()[around.count / 2]
                    let text = inside.max { abs($0 - background) < abs($1 - background) }!
                    let closer = around.sorted { abs($0 - text) < abs($1 - text) }
                    let worst = closer[closer.count / 20]
                    let large = box.size >= 40 || (box.bold && box.size >= 32)
                    let needed = large ? 3.0 : 4.5
                    let measured = Self.ratio(text, worst)
                    #expect(
                        measured >= needed,
                        "\(name): \"\(string)\" (\(Int(box.size)) px) at \(String(format: "%.1f", measured)):1, needs \(needed):1"
                    )
                case .button, .area: break
                }
            }
        }
    }
}
