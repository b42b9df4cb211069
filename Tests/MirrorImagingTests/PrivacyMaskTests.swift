import Foundation
import MirrorCore
import MirrorImaging
import MirrorTesting
import Testing

/// Saturated noise (each pixel a random bright colour): the hardest input for a mask, since chroma and
/// luma next to a zone's edge are as far from black as they get.
private func noise(width: Int, height: Int, seed: UInt64) -> PixelBuffer {
    var generator = SplitMix64(seed: seed)
    let image = PixelBuffer(width: width, height: height)
    for y in 0..<height {
        let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
        for x in 0..<width { row[x] = UInt32(truncatingIfNeeded: generator.next()) | 0x80_8080 }
    }
    return image
}

private func mjpeg(_ bytes: [UInt8], width: Int, height: Int) -> Frame {
    Frame(sequence: 0, timestamp: .now(), format: .mjpeg, width: width, height: height, bytes: FrameBytes(bytes))
}

@Suite struct PrivacyMaskTests {
    static let zones = [
        MaskZone(name: "left edge", x: 0, y: 0, width: 0.13, height: 1),
        MaskZone(name: "middle", x: 0.41, y: 0.37, width: 0.217, height: 0.19),
        MaskZone(name: "a sliver", x: 0.777, y: 0.5, width: 0.001, height: 0.003),
        MaskZone(name: "bottom right corner", x: 0.9, y: 0.9, width: 0.1, height: 0.1),
    ]

    /// Every pixel of every zone decodes to black (accurate and fast IDCT, every chroma subsampling, sizes
    /// that leave partial blocks); blocks away from the zones are untouched.
    @Test func maskedZonesDecodeToBlackAndTheRestIsUntouched() throws {
        let masker = try PrivacyMasker(zones: Self.zones)
        let decoder = try JPEGDecoder()
        let masked = PixelBuffer()
        let original = PixelBuffer()
        var frames = 0
        var nonZero = 0
        var changedFarAway = 0
        for (index, subsampling) in JPEGSubsampling.allCases.enumerated() {
            for (width, height) in [(640, 360), (361, 643), (1920, 1080)] {
                let image = noise(width: width, height: height, seed: UInt64(index * 10_000 + width))
                let jpeg = try JPEGEncoder(subsampling: subsampling).encode(image, quality: 90)
                let out = try masker.apply(mjpeg(jpeg, width: width, height: height))
                let rects = Self.zones.map { $0.pixels(width: width, height: height) }
                for fast in [true, false] {
                    _ = try out.bytes.withUnsafeBytes { try decoder.decode($0, into: masked, fast: fast) }
                    _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: original, fast: fast) }
                    frames += 1
                    for y in 0..<height {
                        for x in 0..<width {
                            if rects.contains(where: { $0.contains(x: x, y: y) }) {
                                if masked.pixel(x: x, y: y) & 0xFF_FFFF != 0 { nonZero += 1 }
                            } else if !rects.contains(where: { near($0, x, y, within: 24) }),
                                masked.pixel(x: x, y: y) != original.pixel(x: x, y: y)
                            {
                                changedFarAway += 1
                            }
                        }
                    }
                }
            }
        }
        print(
            "privacy mask: \(frames) decoded frames × \(Self.zones.count) zones; non-zero pixels in masked zones: \(nonZero); pixels changed 24+ px away from a zone: \(changedFarAway)"
        )
        #expect(nonZero == 0)
        #expect(changedFarAway == 0)
    }

    /// The committed camera samples (ffmpeg MJPEG, as a camera sends it) mask the same way.
    @Test func cameraSamplesAreMasked() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../devices/samples/fitting-room-360x640.mjpeg").standardizedFileURL.path
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let frames = data.withUnsafeBytes { JPEGMarkers.split($0).frames }.prefix(20)
        let masker = try PrivacyMasker(zones: [MaskZone(name: "door", x: 0.5, y: 0, width: 0.5, height: 0.6)])
        let decoder = try JPEGDecoder()
        let image = PixelBuffer()
        var nonZero = 0
        for range in frames {
            let out = try masker.apply(mjpeg(Array(data[range]), width: 360, height: 640))
            _ = try out.bytes.withUnsafeBytes { try decoder.decode($0, into: image) }
            for y in 0..<384 { for x in 180..<360 where image.pixel(x: x, y: y) & 0xFF_FFFF != 0 { nonZero += 1 } }
        }
        #expect(frames.count == 20 && nonZero == 0)
    }

    @Test func yuyvFramesAreMaskedInPlaceOfTheirCopy() throws {
        let width = 64
        let height = 32
        let stride = 160
        let bytes = (0..<(stride * height)).map { UInt8(truncatingIfNeeded: $0 * 37 | 0x80) }
        let frame = Frame(
            sequence: 0, timestamp: .now(), format: .yuyv, width: width, height: height, stride: stride,
            bytes: FrameBytes(bytes))
        let zone = MaskZone(name: "z", x: 0.3, y: 0.25, width: 0.2, height: 0.5)
        let out = try PrivacyMasker(zones: [zone]).apply(frame)
        let image = PixelBuffer()
        try out.bytes.withUnsafeBytes {
            try YUYV.convert($0, width: width, height: height, stride: stride, into: image)
        }
        let rect = zone.pixels(width: width, height: height)
        var nonZero = 0
        for y in rect.top..<rect.bottom {
            for x in rect.left..<rect.right where image.pixel(x: x, y: y) & 0xFF_FFFF != 0 { nonZero += 1 }
        }
        #expect(nonZero == 0)
        #expect(frame.bytes.array == bytes, "the original frame is shared with nobody else, but stays as it was")
        // An odd width has no whole Y U Y V pairs: refused, not masked half-way.
        var odd = frame
        odd.width = 63
        #expect(throws: ImagingError.self) { try PrivacyMasker(zones: [zone]).apply(odd) }
    }

    /// A camera that sends another size than it negotiated is masked where the zones fall on what it sent.
    @Test func zonesFollowTheImagesOwnSize() throws {
        let zone = MaskZone(name: "z", x: 0.5, y: 0.5, width: 0.5, height: 0.5)
        let jpeg = try JPEGEncoder().encode(noise(width: 640, height: 360, seed: 3))
        let out = try PrivacyMasker(zones: [zone]).apply(mjpeg(jpeg, width: 320, height: 240))
        let image = PixelBuffer()
        _ = try out.bytes.withUnsafeBytes { try JPEGDecoder().decode($0, into: image) }
        var nonZero = 0
        for y in 180..<360 { for x in 320..<640 where image.pixel(x: x, y: y) & 0xFF_FFFF != 0 { nonZero += 1 } }
        #expect(nonZero == 0)
    }

    /// A frame that cannot be masked is refused, never passed on unmasked.
    @Test func aDamagedFrameIsRefused() throws {
        let masker = try PrivacyMasker(zones: Self.zones)
        var jpeg = try JPEGEncoder().encode(noise(width: 64, height: 64, seed: 1))
        jpeg.removeLast(jpeg.count / 2)
        #expect(throws: ImagingError.self) { try masker.apply(mjpeg(jpeg, width: 64, height: 64)) }
        // No zones: frames pass untouched.
        let whole = try JPEGEncoder().encode(noise(width: 64, height: 64, seed: 2))
        let passed = try PrivacyMasker(zones: []).apply(mjpeg(whole, width: 64, height: 64))
        #expect(passed.bytes.array == whole)
    }
}

private func near(_ rect: PixelRect, _ x: Int, _ y: Int, within margin: Int) -> Bool {
    x >= rect.left - margin && x < rect.right + margin && y >= rect.top - margin && y < rect.bottom + margin
}
