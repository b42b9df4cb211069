/// The shopper-facing colour names garments are described with, and their sRGB values.
///
/// The project's own table: common retail colour words, each given a typical sRGB value chosen by eye
/// for fabric under store lighting (not copied from any colour standard). Matching is to the nearest
/// entry in CIELAB, so the values only need to sit in the middle of what shoppers call that name.
public enum ColourNames {
    public static let table: [(name: String, red: UInt8, green: UInt8, blue: UInt8)] = [
        ("black", 20, 20, 22),
        ("charcoal", 60, 62, 66),
        ("grey", 128, 128, 128),
        ("light grey", 190, 190, 188),
        ("white", 245, 245, 242),
        ("cream", 240, 230, 200),
        ("beige", 215, 195, 160),
        ("camel", 190, 145, 95),
        ("khaki", 170, 160, 110),
        ("brown", 110, 70, 40),
        ("chocolate", 70, 40, 25),
        ("navy", 25, 35, 80),
        ("blue", 40, 80, 170),
        ("light blue", 150, 190, 230),
        ("denim", 70, 100, 140),
        ("teal", 20, 120, 120),
        ("mint", 170, 225, 195),
        ("green", 40, 140, 60),
        ("olive", 110, 110, 45),
        ("forest green", 30, 75, 40),
        ("yellow", 245, 215, 50),
        ("mustard", 200, 160, 30),
        ("orange", 240, 130, 30),
        ("rust", 170, 75, 35),
        ("coral", 245, 120, 100),
        ("red", 200, 30, 35),
        ("burgundy", 110, 20, 40),
        ("pink", 240, 150, 180),
        ("blush", 235, 195, 190),
        ("fuchsia", 210, 40, 140),
        ("purple", 100, 45, 130),
        ("lilac", 195, 165, 215),
    ]

    /// The table in CIELAB, computed once.
    static let lab: [(name: String, colour: LabColour)] = table.map {
        ($0.name, LabColour(red: $0.red, green: $0.green, blue: $0.blue))
    }

    /// The name whose colour is nearest to `colour` (CIE76).
    public static func nearest(_ colour: LabColour) -> String {
        var best = lab[0].name
        var bestDistance = Float.infinity
        for entry in lab {
            let distance = entry.colour.distance(to: colour)
            if distance < bestDistance {
                bestDistance = distance
                best = entry.name
            }
        }
        return best
    }
}
