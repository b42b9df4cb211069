import MirrorDisplay
import MirrorImaging
import MirrorTesting
import Testing

/// Loyalty QR codes read off camera pictures (zbar), as the mirror reads one a shopper holds up.
struct CodeReaderTests {
    @Test func readsALoyaltyCodeHeldUpToTheCameraThroughJPEG() throws {
        let reader = try CodeReader()
        let decoder = try JPEGDecoder()
        let decoded = PixelBuffer()
        for index in 0..<4 {
            let frame = try #require(LoyaltyCardScene.frame("DEMO-1234", index: index))
            let jpeg = try JPEGEncoder().encode(frame, quality: 80)
            try jpeg.withUnsafeBytes { _ = try decoder.decode($0, into: decoded) }
            #expect(reader.read(decoded) == ["DEMO-1234"], "frame \(index)")
        }
    }

    /// A price tag's EAN-13 (drawn by zint) through JPEG, as the camera sees it; a QR-only reader ignores it, and
    /// a tag reader ignores a loyalty QR code's symbology only if not asked for it.
    @Test func readsAPriceTagsBarcodeThroughJPEG() throws {
        let reader = try CodeReader([.qr, .ean13, .code128])
        let decoder = try JPEGDecoder()
        let decoded = PixelBuffer()
        let code = PriceTagScene.ean13("200000100020")
        #expect(code == "2000001000205")
        for (index, text) in [code, code, "KN-101-RUS/M", code].enumerated() {
            let frame = try #require(PriceTagScene.frame(text, index: index))
            let jpeg = try JPEGEncoder().encode(frame, quality: 80)
            try jpeg.withUnsafeBytes { _ = try decoder.decode($0, into: decoded) }
            let symbology: CodeReader.Symbology = text == code ? .ean13 : .code128
            #expect(reader.codes(decoded) == [.init(symbology: symbology, text: text)], "frame \(index)")
            #expect(try CodeReader().codes(decoded).isEmpty)
        }
        let card = try #require(LoyaltyCardScene.frame("DEMO-1234"))
        #expect(try CodeReader([.ean13]).codes(card).isEmpty)
        #expect(reader.codes(card).map(\.symbology) == [.qr])
    }

    @Test func findsNothingWhereThereIsNoCode() throws {
        let reader = try CodeReader()
        let frame = PixelBuffer()
        TurntableScene().render(0, into: frame)
        #expect(reader.read(frame).isEmpty)
        #expect(reader.read(PixelBuffer()).isEmpty, "an empty image")
    }

    /// The share link's QR code on the review screen, read by the mirror's own reader too.
    @Test func readsTheShareLinkOffTheReviewScreen() throws {
        let card = try #require(ScreenGoldenTests.link)
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        renderer.draw(
            .review(.init(look: 1, looks: 1, position: 0.2, slowMotion: false, shared: true, link: card)),
            images: [ScreenGoldenTests.liveFrame()])
        #expect(try CodeReader().read(renderer.canvas.pixels) == [card.url])
    }
}
