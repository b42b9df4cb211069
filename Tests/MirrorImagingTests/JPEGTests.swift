import MirrorImaging
import MirrorTesting
import Testing

/// A test image: four flat quadrants (red, green, blue, white), easy to check after a lossy round trip.
private func quadrants(width: Int = 64, height: Int = 48) -> PixelBuffer {
    let image = PixelBuffer(width: width, height: height)
    for y in 0..<height {
        let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
        for x in 0..<width {
            row[x] =
                switch (x < width / 2, y < height / 2) {
                case (true, true): 0xFF_0000
                case (false, true): 0x00_FF00
                case (true, false): 0x00_00FF
                case (false, false): 0xFF_FFFF
                }
        }
    }
    return image
}

private func near(_ pixel: UInt32, _ expected: UInt32, tolerance: Int = 24) -> Bool {
    [UInt32(0), 8, 16].allSatisfy { shift in
        let got = Int((pixel >> shift) & 0xFF)
        let want = Int((expected >> shift) & 0xFF)
        return abs(got - want) <= tolerance
    }
}

@Suite struct JPEGTests {
    @Test func encodeThenDecodeKeepsTheImage() throws {
        let jpeg = try JPEGEncoder().encode(quadrants(), quality: 95)
        let decoded = PixelBuffer()
        let size = try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, into: decoded) }
        #expect(size.width == 64 && size.height == 48)
        #expect(near(decoded.pixel(x: 8, y: 8), 0xFF_0000))
        #expect(near(decoded.pixel(x: 56, y: 8), 0x00_FF00))
        #expect(near(decoded.pixel(x: 8, y: 40), 0x00_00FF))
        #expect(near(decoded.pixel(x: 56, y: 40), 0xFF_FFFF))
    }

    @Test(arguments: JPEGScale.allCases)
    func dctScaledDecodeGivesTheScaledSize(scale: JPEGScale) throws {
        let jpeg = try JPEGEncoder().encode(quadrants(width: 640, height: 360))
        let decoded = PixelBuffer()
        let size = try jpeg.withUnsafeBytes { try JPEGDecoder().decode($0, into: decoded, scale: scale) }
        #expect(size.width == 640 / scale.rawValue && size.height == 360 / scale.rawValue)
        #expect(near(decoded.pixel(x: 2, y: 2), 0xFF_0000))
    }

    @Test func markerWalkFindsSizeAndTrimsPadding() throws {
        var jpeg = try JPEGEncoder().encode(quadrants())
        let length = jpeg.count
        jpeg += [UInt8](repeating: 0, count: 100)  // drivers pad bytesused past EOI
        let info = try jpeg.withUnsafeBytes { try JPEGMarkers.inspect($0).get() }
        #expect(info.length == length && info.width == 64 && info.height == 48 && info.components == 3)
    }

    @Test func truncatedAndCorruptFramesAreRejectedNotDecoded() throws {
        let jpeg = try JPEGEncoder().encode(quadrants())
        let decoder = try JPEGDecoder()
        let output = PixelBuffer()
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("not a JPEG", Array("hello, world".utf8)),
            ("only SOI", [0xFF, 0xD8]),
            ("cut in the header", Array(jpeg.prefix(40))),
            ("cut in the scan", Array(jpeg.prefix(jpeg.count - 40))),
            ("no EOI", Array(jpeg.dropLast(2))),
        ]
        var badLength = jpeg
        badLength[5] = 0xFF  // first segment claims more bytes than there are
        cases.append(("bad segment length", badLength))
        for (what, bytes) in cases {
            #expect(throws: ImagingError.self, "\(what)") {
                try bytes.withUnsafeBytes { try decoder.decode($0, into: output) }
            }
        }
    }

    @Test func everyPrefixOfAFrameIsHandledWithoutCrashing() throws {
        let jpeg = try JPEGEncoder().encode(quadrants(width: 32, height: 16))
        let decoder = try JPEGDecoder()
        let output = PixelBuffer()
        var accepted = 0
        for length in 0...jpeg.count {
            let prefix = Array(jpeg.prefix(length))
            if (try? prefix.withUnsafeBytes { try decoder.decode($0, into: output) }) != nil { accepted += 1 }
        }
        #expect(accepted == 1)  // only the whole image
    }

    @Test func splitFindsFramesAndSkipsDamage() throws {
        let encoder = try JPEGEncoder()
        let a = try encoder.encode(quadrants())
        let b = try encoder.encode(quadrants(width: 32, height: 32))
        let stream = a + [0x00, 0x11] + Array(b.prefix(30)) + b
        let (frames, damaged) = stream.withUnsafeBytes { JPEGMarkers.split($0) }
        #expect(frames == [0..<a.count, (a.count + 32)..<(a.count + 32 + b.count)])
        #expect(damaged == [a.count + 2])
    }

    @Test func turntableSceneRendersDeterministically() {
        let scene = TurntableScene(width: 90, height: 160, framesPerTurn: 12)
        let first = PixelBuffer()
        let again = PixelBuffer()
        scene.render(3, into: first)
        scene.render(3, into: again)
        #expect(first.width == 90 && first.height == 160)
        let same = (0..<160).allSatisfy { y in
            (0..<90).allSatisfy { first.pixel(x: $0, y: y) == again.pixel(x: $0, y: y) }
        }
        #expect(same)
    }
}
