import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import Testing

/// Contrast measured on the rendered pixels of every screen at the three panel sizes: text against what surrounds it
/// at least 4.5:1, large text (40 px, or 32 px bold, at 1080 wide) 3:1 (WCAG 2.2's 1.4.3, which EN 301 549 takes
/// over), over the test scene's camera image; every control's edge 3:1 against what is around it (1.4.11) over that
/// image, a black one, a white one and a mid grey (no single colour holds 3:1 against all of them).
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
        _ pixels: (Int, Int) -> UInt32, box: LayoutBox, width: Int, height: Int, gap: Int, ring: Int,
        within: (Int, Int) -> Bool = { _, _ in true }
    ) -> (inside: [Double], around: [Double]) {
        let x0 = Int(box.x.rounded(.down)), y0 = Int(box.y.rounded(.down))
        let x1 = Int((box.x + box.width).rounded(.up)), y1 = Int((box.y + box.height).rounded(.up))
        var inside: [Double] = []
        var around: [Double] = []
        for y in max(0, y0 - gap - ring)..<min(height, y1 + gap + ring) {
            for x in max(0, x0 - gap - ring)..<min(width, x1 + gap + ring) {
                if x >= x0, x < x1, y >= y0, y < y1 {
                    inside.append(luminance(pixels(x, y)))
                } else if x < x0 - gap || x >= x1 + gap || y < y0 - gap || y >= y1 + gap, within(x, y) {
                    around.append(luminance(pixels(x, y)))
                }
            }
        }
        return (inside, around)
    }

    @Test(arguments: ReachLayoutTests.panels.indices)
    func textStandsOutFromWhatIsBehindIt(panel: Int) {
        let (width, height, placement) = ReachLayoutTests.panels[panel]
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true, placement: placement)
        let unit = Double(min(width, height)) / 1080
        for (name, screen) in ScreenGoldenTests.screens where name != "test-pattern" {
            renderer.draw(screen, images: ScreenGoldenTests.images(for: screen))
            let image = renderer.canvas.pixels
            let pixel = { (x: Int, y: Int) in image.pixel(x: x, y: y) }
            for box in renderer.canvas.layout where box.width >= 2 && box.height >= 2 {
                switch box.kind {
                case .text(let string):
                    // The text's own colour is the inside pixel farthest from the surroundings' median; the
                    // surroundings' worst case is the ring pixel closest to it (the 5th percentile).
                    // A control's label is read against the control's fill, inside its edge.
                    let control = renderer.canvas.layout.last { control in
                        control.edge != nil && control.x <= box.x && control.y <= box.y
                            && control.x + control.width >= box.x + box.width
                            && control.y + control.height >= box.y + box.height
                    }
                    let (inside, around) = Self.sample(
                        pixel, box: box, width: width, height: height, gap: 2, ring: 4,
                        within: { x, y in
                            control.map { Self.insideFill($0, x: Double(x) + 0.5, y: Double(y) + 0.5, inset: 4 * unit) }
                                ?? true
                        })
                    guard !inside.isEmpty, !around.isEmpty else { continue }
                    let background = around.sorted()[around.count / 2]
                    let text = inside.max { abs($0 - background) < abs($1 - background) }!
                    let closer = around.sorted { abs($0 - text) < abs($1 - text) }
                    let worst = closer[closer.count / 20]
                    let large = box.size >= 40 * unit - 0.01 || (box.bold && box.size >= 32 * unit - 0.01)
                    let needed = large ? 3.0 : 4.5
                    let measured = Self.ratio(text, worst)
                    #expect(
                        measured >= needed,
                        "\(name) at \(width)x\(height): \"\(string)\" (\(Int(box.size)) px) at \(String(format: "%.1f", measured)):1, needs \(needed):1"
                    )
                case .button, .area: break
                }
            }
        }
    }

    /// Camera images a control may sit over: the test scene's, and flat black, white and mid grey.
    static func backdrops(for screen: Screen) -> [(String, [PixelBuffer])] {
        let scene = ScreenGoldenTests.images(for: screen)
        let flat = [("black", 0x000000), ("white", 0xFFFFFF), ("grey", 0x767676)].map { name, value in
            let frames = scene.map { frame in
                let flat = PixelBuffer(width: frame.width, height: frame.height)
                flat.fill(UInt32(value))
                return flat
            }
            return (name, frames)
        }
        return [("scene", scene)] + flat
    }

    /// Whether (x, y) is inside a control's fill, `inset` in from its edge.
    static func insideFill(_ box: LayoutBox, x: Double, y: Double, inset: Double) -> Bool {
        switch box.edge {
        case .rounded(let radius):
            let r = max(0, min(radius, box.width / 2, box.height / 2) - inset)
            let (left, right) = (box.x + inset, box.x + box.width - inset)
            let (top, bottom) = (box.y + inset, box.y + box.height - inset)
            guard x >= left, x <= right, y >= top, y <= bottom else { return false }
            let cx = min(max(x, left + r), right - r)
            let cy = min(max(y, top + r), bottom - r)
            return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
        case .disc(let cx, let cy, let radius):
            return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= (radius - inset) * (radius - inset)
        case nil: return true
        }
    }

    /// Points on a control's drawn edge, each with its outward normal.
    static func edgePoints(_ box: LayoutBox, step: Double) -> [(x: Double, y: Double, nx: Double, ny: Double)] {
        switch box.edge {
        case .rounded(let radius):
            // The straight parts of the edge (a pill's are its top and bottom, and the middle of each end).
            let r = min(radius, box.width / 2, box.height / 2)
            func along(_ from: Double, _ length: Double) -> [Double] {
                let straight = length - 2 * r
                return straight < step
                    ? [from + length / 2] : Array(stride(from: from + r, through: from + length - r, by: step))
            }
            return along(box.x, box.width).flatMap { x in [(x, box.y, 0, -1), (x, box.y + box.height, 0, 1)] }
                + along(box.y, box.height).flatMap { y in [(box.x, y, -1, 0), (box.x + box.width, y, 1, 0)] }
        case .disc(let cx, let cy, let radius):
            return stride(from: 0.0, to: 2 * .pi, by: .pi / 18).map { angle in
                (cx + radius * cos(angle), cy + radius * sin(angle), cos(angle), sin(angle))
            }
        case nil: return []
        }
    }

    /// A control's edge stands out where some band just inside it differs by 3:1 from everything just outside
    /// (a light outline over a dark picture, the dark plate inside it over a light one). At least 90 % of the edge.
    @Test(arguments: ReachLayoutTests.panels.indices)
    func controlEdgesStandOut(panel: Int) {
        let (width, height, placement) = ReachLayoutTests.panels[panel]
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true, placement: placement)
        let unit = Double(min(width, height)) / 1080
        // Inside: as deep as an edge and some fill; outside: what is next to it, short of a neighbour 8 units away.
        let depth = max(3, Int((6 * unit).rounded()))
        let reach = max(3, Int((4 * unit).rounded()))
        var misses: [String] = []
        for (name, screen) in ScreenGoldenTests.screens where name != "test-pattern" {
            for (backdrop, images) in Self.backdrops(for: screen) {
                renderer.draw(screen, images: images)
                let image = renderer.canvas.pixels
                func luminance(_ x: Double, _ y: Double) -> Double? {
                    let (px, py) = (Int(x.rounded(.down)), Int(y.rounded(.down)))
                    guard px >= 0, py >= 0, px < width, py < height else { return nil }
                    return Self.luminance(image.pixel(x: px, y: py))
                }
                for box in renderer.canvas.layout {
                    guard case .button(let id) = box.kind else { continue }
                    let points = Self.edgePoints(box, step: 3)
                    guard !points.isEmpty else {
                        misses.append("\(name): \(id) has no drawn edge")
                        continue
                    }
                    let standing = points.filter { p in
                        let inside = (1...depth).compactMap { d in
                            luminance(p.x - p.nx * Double(d), p.y - p.ny * Double(d))
                        }
                        let outside = (2...reach).compactMap { d in
                            luminance(p.x + p.nx * Double(d), p.y + p.ny * Double(d))
                        }
                        guard !outside.isEmpty else { return true }  // the panel's edge
                        return inside.contains { i in outside.allSatisfy { Self.ratio(i, $0) >= 3 } }
                    }
                    let share = Double(standing.count) / Double(points.count)
                    if share < 0.9 {
                        misses.append("\(name) over \(backdrop): \(id) \(Int(share * 100)) % of its edge at 3:1")
                    }
                }
            }
        }
        #expect(
            misses.isEmpty,
            "\(misses.count) control edges under 3:1 at \(width)x\(height):\n\(misses.joined(separator: "\n"))")
    }
}
