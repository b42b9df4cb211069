import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorTesting
import Testing

/// Every screen rendered at 1080x1920 and compared with a committed PNG (MIRROR_UPDATE_GOLDEN=1 rewrites
/// them after a deliberate design change; look at the new ones before committing).
@Suite struct ScreenGoldenTests {
    /// A product photo as the demo catalog draws them.
    static func photo(_ category: GarmentCategory, _ hex: String, _ pattern: String = "solid") -> ProductPhoto {
        let image = PixelBuffer(width: 224, height: 224)
        GarmentArt.draw(category, colour: GarmentArt.rgb(hex), pattern: pattern, into: image)
        return ProductPhoto(image)
    }

    static let suggestions = Screen.Suggestions(
        recognised: ["Ribbed Crew Jumper, rust", "Straight Jeans, navy", "leather belt"],
        cards: [
            .init(
                sku: "KN-101-RUS", name: "Ribbed Crew Jumper, rust", price: "€59",
                sizes: [
                    .init("XS", inStock: false), .init("S", inStock: true), .init("M", inStock: true),
                    .init("L", inStock: false), .init("XL", inStock: true),
                ], colours: [0xAA4B23, 0x192350, 0xF0E6C8], reason: "Your size M is in stock", size: "M",
                favourite: true, photo: photo(.knitwear, "#aa4b23"),
                colourSKUs: ["KN-101-RUS", "KN-101-NAV", "KN-101-CRE"]),
            .init(
                sku: "SK-501-CAM", name: "Pleated Midi Skirt in a very long name, camel", price: "€55",
                sizes: [.init("S", inStock: true), .init("M", inStock: true), .init("L", inStock: false)],
                colours: [0xBE915F, 0x192350], reason: "Goes with the Ribbed Crew Jumper, rust", size: "M",
                photo: photo(.skirts, "#be915f", "stripes")),
            .init(
                sku: "AC-951-BUR", name: "Wool Scarf", price: "€35.50", sizes: [.init("One size", inStock: true)],
                colours: [0x6E1428, 0xBE915F, 0x808080], reason: "Often bought with the Ribbed Crew Jumper, rust",
                photo: photo(.accessories, "#6e1428", "checks")),
        ])

    static let screens: [(String, Screen)] = [
        ("live", .live(hint: "Tap the mirror to record your look")), ("attract", .attract),
        ("live-looks", .live(hint: "Tap the mirror to record your look", looks: 2)),
        ("consent", .consent(clipSeconds: 8, keepHours: 24)),
        ("countdown", .countdown(3)), ("recording", .recording(progress: 0.4, secondsLeft: 5)),
        ("review", .review(.init(look: 1, looks: 2, position: 0.35, slowMotion: true))),
        (
            "review-share",
            .review(
                .init(
                    look: 2, looks: 2, position: 0.6, slowMotion: false, shared: true, link: link, saveable: true,
                    saved: true))
        ),
        (
            "review-saved",
            .review(
                .init(
                    look: 1, looks: 1, position: 0.5, slowMotion: false, shared: true, link: link, saveable: true,
                    saved: true, code: "482913"))
        ),
        (
            "review-earlier",
            .review(.init(look: 1, looks: 1, position: 0.1, slowMotion: false, saveable: true, earlierLooks: 2))
        ),
        ("compare", .compare(.init(looks: [.init(title: "Look 1"), .init(title: "Look 2")]))),
        (
            "compare-earlier",
            .compare(
                .init(
                    looks: [
                        .init(title: "Look 1", garments: ["navy knitwear"]),
                        .init(title: "Saved 16 Nov", garments: ["rust knitwear", "camel bottoms"]),
                    ], favourite: 1))
        ),
        (
            "compare-three",
            .compare(
                .init(
                    looks: [
                        .init(title: "Look 1", garments: ["rust knitwear"]),
                        .init(title: "Look 2", garments: ["coral dress"]),
                        .init(title: "Saved 16 Nov", garments: ["camel outerwear"]),
                    ], favourite: 2))
        ),
        (
            "compare-four",
            .compare(
                .init(
                    looks: [
                        .init(title: "Look 1", garments: ["Ribbed Crew Jumper, rust", "navy trousers"]),
                        .init(title: "Look 2", garments: ["coral dress"]), .init(title: "Look 3"),
                        .init(title: "Look 4", garments: ["camel outerwear", "cream knitwear", "black trousers"]),
                    ], favourite: 1))
        ),
        ("suggestions", .suggestions(suggestions)),
        ("suggestions-empty", .suggestions(.init(recognised: [], cards: [], identified: true))),
        ("code-entry", .codeEntry(.init(typed: "DEMO-12", message: "No opted-in profile with that code"))),
        (
            "code-entry-look",
            .codeEntry(
                .init(purpose: .savedLook, typed: "4829", message: "That code opens none of your looks · 4 tries left"))
        ),
        ("staff", .staffOnTheWay(request: "Knit top, size M, terracotta", undo: 12)),
        (
            "live-request",
            .live(
                hint: "Tap the mirror to record your look", looks: 1,
                request: .init(id: 12, words: "Slim jeans, indigo, size 32"))
        ),
        (
            "confirm-delete",
            .confirm(
                .init(
                    title: "Delete this visit's 2 looks?",
                    detail: "They are deleted from this mirror now. Looks you saved to your profile stay there.",
                    yes: "Delete", no: "Keep them", withdraw: "Delete everything and end my visit"))
        ),
        (
            "confirm-size",
            .confirm(
                .init(
                    title: "Which size?", detail: "Slim jeans, indigo: a colleague brings the size you choose.",
                    yes: "", no: "Cancel", choices: ["28", "30", "32", "34", "36", "38"]))
        ),
        (
            "confirm-withdraw",
            .confirm(
                .init(
                    title: "Delete your saved look too?",
                    detail: "Everything else from this visit is deleted now and your visit ends. You saved the look "
                        + "to your profile: it stays for 90\u{A0}days unless you delete it now.",
                    yes: "Delete it too", no: "Keep it"))
        ),
        ("rating", .rating),
        (
            "goodbye",
            .goodbye(lines: [
                "Your 2 looks are deleted from this mirror in 24\u{A0}hours.",
                "The look you saved stays in your profile for 90\u{A0}days.",
            ])
        ),
        ("camera-lost", .cameraLost(detail: "Camera unplugged")),
        ("test-pattern", .testPattern(lines: ["/dev/fb0 1080x1920 XRGB8888", "double-buffered (pan) · vsync"])),
    ]

    static func liveFrame() -> PixelBuffer {
        let frame = PixelBuffer()
        TurntableScene().render(0, into: frame)
        return frame
    }

    @Test(arguments: screens.map(\.0))
    func screenMatchesGolden(name: String) throws {
        let screen = Self.screens.first { $0.0 == name }!.1
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        renderer.draw(screen, images: Self.images(for: screen))
        try expectGolden(renderer.canvas.pixels, "screen-\(name).png")
    }

    @Test func diagnosticsPanelMatchesGolden() throws {
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        renderer.draw(
            .live(hint: "Tap the mirror to record your look"), images: [Self.liveFrame()],
            diagnostics: [
                "display 29.9 fps  p50 7.4 ms  p99 11.2 ms", "camera /dev/video0 MJPG 1920x1080 30.0 fps",
                "mirrord 0.1.0 · profile uvc-1080p-portrait",
            ])
        try expectGolden(renderer.canvas.pixels, "screen-diagnostics.png")
    }

    static let link = Screen.ShareCard(
        url: "http://192.168.1.40:8090/s/Zk3q9TnV2xWcY7bH1mPa0Q", pin: "482913", minutes: 15)

    /// The QR code on the review screen scans (by zbarimg, as a phone's camera app would) to the link.
    @Test func theShareLinksQRCodeScans() throws {
        let scanner = "/usr/bin/zbarimg"
        guard FileManager.default.isExecutableFile(atPath: scanner) else {
            // The test command installs it; only a bare `swift test` elsewhere may lack it.
            #expect(ProcessInfo.processInfo.environment["CI"] == nil, "zbarimg is missing (apt install zbar-tools)")
            return
        }
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        let card = try #require(Self.link)
        renderer.draw(
            .review(.init(look: 1, looks: 1, position: 0.2, slowMotion: false, shared: true, link: card)),
            live: Self.liveFrame())
        let file = NSTemporaryDirectory() + "share-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(try renderer.canvas.pngData()).write(to: URL(fileURLWithPath: file))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: scanner)
        process.arguments = ["--quiet", "--raw", file]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == card.url)
    }

    static func images(for screen: Screen) -> [PixelBuffer] {
        guard case .compare(let compare) = screen else { return [liveFrame()] }
        return compare.looks.indices.map { index in
            let frame = PixelBuffer()
            TurntableScene().render(index * 9, into: frame)
            return frame
        }
    }

    /// At the design size and the two others: every text and button stays on the panel, no two texts
    /// overlap, no two buttons overlap, and each button's label sits inside it.
    @Test(arguments: [(1080, 1920), (720, 1280), (1920, 1080)])
    func layoutHasNoOverlapOrOverflow(width: Int, height: Int) {
        let renderer = MirrorRenderer(width: width, height: height, rotation: 0, mirror: true)
        for (name, screen) in Self.screens {
            renderer.draw(screen, images: Self.images(for: screen), diagnostics: ["display 30 fps", "mirrord 0.1.0"])
            let boxes = renderer.canvas.layout
            for box in boxes {
                #expect(
                    box.x >= 0 && box.y >= 0 && box.x + box.width <= Double(width)
                        && box.y + box.height <= Double(height),
                    "\(name) at \(width)x\(height): \(box) leaves the panel")
            }
            let texts = boxes.filter { if case .text = $0.kind { true } else { false } }
            let buttons = boxes.filter { if case .button = $0.kind { true } else { false } }
            for (i, a) in texts.enumerated() {
                for b in texts[(i + 1)...] where a.overlaps(b) {
                    Issue.record("\(name) at \(width)x\(height): \(a.kind) overlaps \(b.kind)")
                }
            }
            for (i, a) in buttons.enumerated() {
                for b in buttons[(i + 1)...] where a.overlaps(b) {
                    Issue.record("\(name) at \(width)x\(height): \(a.kind) overlaps \(b.kind)")
                }
            }
            #expect(!texts.isEmpty || name == "live")
        }
    }

    @Test func buttonsAreFoundWhereTheyAreDrawn() {
        let renderer = MirrorRenderer(width: 1080, height: 1920, rotation: 0, mirror: true)
        renderer.draw(.consent(clipSeconds: 8, keepHours: 24), live: Self.liveFrame())
        let boxes = renderer.canvas.layout
        let accept = boxes.first { $0.kind == .button(ButtonID.accept) }!
        #expect(renderer.canvas.button(atX: accept.x + 10, y: accept.y + 10) == ButtonID.accept)
        #expect(renderer.canvas.button(atX: 5, y: 5) == nil)

        // On the compare screen a look is picked by a tap anywhere on it, except on Done.
        renderer.draw(
            .compare(.init(looks: [.init(title: "Look 1"), .init(title: "Look 2")])),
            images: Self.images(for: .compare(.init(looks: [.init(title: "Look 1"), .init(title: "Look 2")]))))
        #expect(renderer.canvas.button(atX: 200, y: 900) == ButtonID.look(0))
        #expect(renderer.canvas.button(atX: 900, y: 900) == ButtonID.look(1))
        let done = renderer.canvas.layout.first { $0.kind == .button(ButtonID.done) }!
        #expect(renderer.canvas.button(atX: done.x + 10, y: done.y + 10) == ButtonID.done)
    }

    private func expectGolden(_ image: PixelBuffer, _ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
            .path
        if ProcessInfo.processInfo.environment["MIRROR_UPDATE_GOLDEN"] == "1" {
            try Data(try PNGWriter.encode(image)).write(to: URL(fileURLWithPath: path))
        }
        let golden = PixelBuffer()
        try PNGReader.read(path, into: golden)
        #expect(golden.width == image.width && golden.height == image.height)
        var differing = 0
        for y in 0..<min(golden.height, image.height) {
            for x in 0..<min(golden.width, image.width) {
                let a = golden.pixel(x: x, y: y)
                let b = image.pixel(x: x, y: y)
                for shift: UInt32 in [0, 8, 16] where abs(Int((a >> shift) & 0xFF) - Int((b >> shift) & 0xFF)) > 2 {
                    differing += 1
                    break
                }
            }
        }
        // Up to 0.05 % of pixels may differ by more than 2 levels (image smoothing and glyph antialiasing may
        // vary a little with library builds). Text renders the same whatever was drawn before it (see
        // Canvas.init), so a moved line of text or button changes many times that.
        #expect(differing <= image.width * image.height / 2000, "\(name): \(differing) pixels differ")
    }
}
