import MirrorDisplay
import Testing

/// The styles sheet holds whatever the mirror spotted: long names and many of them wrap onto rows and end in "+N",
/// never past the sheet's edge, at the three panel sizes; a name that begins with "+" is a garment like any other.
@Suite struct SuggestionSheetLayoutTests {
    @Test(arguments: ReachLayoutTests.panels.indices)
    func spottedGarmentsStayOnTheSheet(panel: Int) {
        let (width, height, placement) = ReachLayoutTests.panels[panel]
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true, placement: placement)
        let unit = Double(min(width, height)) / 1080
        let names = [
            "Ribbed Crew Jumper in a very long name indeed, rust", "+Plus Tee, white", "Straight Jeans, navy",
            "Wool Scarf, burgundy", "Leather Belt, brown", "Pleated Midi Skirt, camel", "Suede Loafers, tan",
        ]
        var suggestions = ScreenGoldenTests.suggestions
        suggestions.recognised = names
        renderer.draw(.suggestions(suggestions), images: ScreenGoldenTests.images(for: .suggestions(suggestions)))
        let sheetLeft = (Double(width) * 0.46).rounded()
        let sheetRight = Double(width) - 30 * unit
        let texts = renderer.canvas.layout.compactMap { box -> (String, LayoutBox)? in
            if case .text(let string) = box.kind { (string, box) } else { nil }
        }
        let spotted = texts.filter { string, _ in names.contains(string) || string.hasPrefix("+") }
        #expect(!spotted.isEmpty)
        for (string, box) in spotted {
            #expect(
                box.x >= sheetLeft && box.x + box.width <= sheetRight + 0.5,
                "\(string) at \(Int(box.x))–\(Int(box.x + box.width)) leaves the sheet (\(Int(sheetLeft))–\(Int(sheetRight))) at \(width)x\(height)"
            )
        }
        // What did not fit is counted, and the count with what is shown makes them all.
        let shown = spotted.filter { names.contains($0.0) }.count
        let more = spotted.compactMap { string, _ in
            string.hasPrefix("+") && !names.contains(string) ? Int(string.dropFirst()) : nil
        }
        #expect(shown + more.reduce(0, +) == names.count && more.count <= 1, "\(spotted.map(\.0))")
    }
}
