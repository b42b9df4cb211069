import MirrorDisplay
import Testing

/// Every control a shopper operates, on every screen, at the three panel sizes: within reach (380 to 1220 mm above
/// the floor, EN 301 549 and ADA §308) and at least 9 mm and 44 px (at 1080 wide) on its short side. A look on the compare
/// screen (a large touch area) counts when enough of it is within reach.
@Suite struct ReachLayoutTests {
    /// The panels: the 2 m floor-standing mirror at two resolutions, and a landscape 55-inch screen hung with
    /// its bottom edge at 600 mm.
    static let panels: [(width: Int, height: Int, placement: PanelPlacement)] = [
        (1080, 1920, .floorStanding(width: 1080, height: 1920)),
        (720, 1280, .floorStanding(width: 720, height: 1280)),
        (1920, 1080, PanelPlacement(widthMM: 1210, heightMM: 680, bottomMM: 600)),
    ]

    @Test(arguments: panels.indices)
    func everyControlIsWithinReach(panel: Int) {
        let (width, height, placement) = Self.panels[panel]
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true, placement: placement)
        let reach = placement.reachRows(height: height)
        let mmPerPixel = placement.millimetresPerPixel(height: height)
        // 44 px at the design width (1080), as text sizes are given; never under 9 mm on the glass.
        let unit = Double(min(width, height)) / 1080
        let shortest = max(44 * unit, PanelPlacement.minimumControlMM / mmPerPixel)
        for (name, screen) in ScreenGoldenTests.screens where name != "test-pattern" {
            renderer.draw(screen, images: ScreenGoldenTests.images(for: screen))
            for box in renderer.canvas.layout {
                let at = "\(name) at \(width)x\(height): \(box.kind)"
                switch box.kind {
                case .button:
                    let low = placement.bottomMM + (Double(height) - box.y - box.height) * mmPerPixel
                    let high = placement.bottomMM + (Double(height) - box.y) * mmPerPixel
                    #expect(
                        box.y >= reach.lowerBound - 0.5 && box.y + box.height <= reach.upperBound + 0.5,
                        "\(at) is \(Int(low))–\(Int(high)) mm above the floor")
                    #expect(
                        min(box.width, box.height) >= shortest - 0.5,
                        "\(at) is \(Int(box.width))x\(Int(box.height)) px, under \(Int(shortest.rounded(.up))) px")
                case .area:
                    let inside = min(box.y + box.height, reach.upperBound) - max(box.y, reach.lowerBound)
                    #expect(inside >= shortest, "\(at) has \(Int(inside)) px within reach")
                case .text: break
                }
            }
        }
    }

    /// Text a shopper must read is at least 32 px at 1080 wide (scaled with the panel), so it reads from where one
    /// stands in front of a mirror; the brand mark is not such text.
    @Test(arguments: panels.indices)
    func textIsLargeEnoughToRead(panel: Int) {
        let (width, height, placement) = Self.panels[panel]
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true, placement: placement)
        let unit = Double(min(width, height)) / 1080
        var misses: [String] = []
        for (name, screen) in ScreenGoldenTests.screens where name != "test-pattern" {
            renderer.draw(screen, images: ScreenGoldenTests.images(for: screen))
            for box in renderer.canvas.layout {
                guard case .text(let string) = box.kind, string != "MIRROR", !string.isEmpty else { continue }
                if box.size < 32 * unit - 0.01 {
                    misses.append("\(name): '\(string)' at \(Int((box.size / unit).rounded())) px")
                }
            }
        }
        #expect(
            misses.isEmpty,
            "\(misses.count) texts under 32 px at \(width)x\(height):\n\(misses.joined(separator: "\n"))")
    }
}
