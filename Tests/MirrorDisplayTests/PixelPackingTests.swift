import Foundation
import MirrorDisplay
import MirrorImaging
import Testing

private func canvas(_ pixels: [UInt32]) -> PixelBuffer {
    let image = PixelBuffer(width: pixels.count, height: 1)
    for (x, value) in pixels.enumerated() { image.base.storeBytes(of: value, toByteOffset: x * 4, as: UInt32.self) }
    return image
}

private let colours: [UInt32] = [0xFF_0000, 0x00_FF00, 0x00_00FF, 0xFF_FFFF, 0x12_3456, 0x00_0000]

@Suite struct PixelPackingTests {
    private func pack(_ layout: PixelLayout, _ pixels: [UInt32]) -> [UInt8] {
        let stride = pixels.count * layout.bytesPerPixel + 8  // a padded stride, as real framebuffers have
        var memory = [UInt8](repeating: 0xAA, count: stride)
        memory.withUnsafeMutableBytes {
            PixelPacking.pack(
                canvas(pixels), into: $0.baseAddress!, stride: stride, width: pixels.count, height: 1, layout: layout)
        }
        return memory
    }

    @Test func xrgb8888IsRedAtBit16() {
        let bytes = pack(.xrgb8888, colours)
        // Little-endian memory: B G R X.
        #expect(Array(bytes[0..<8]) == [0x00, 0x00, 0xFF, 0x00, 0x00, 0xFF, 0x00, 0x00])
        #expect(Array(bytes[16..<20]) == [0x56, 0x34, 0x12, 0x00])
        #expect(Array(bytes[24..<32]) == [UInt8](repeating: 0xAA, count: 8), "padding untouched")
    }

    @Test func xbgr8888SwapsRedAndBlue() {
        let bytes = pack(.xbgr8888, colours)
        // Red at bit 0: memory R G B X.
        #expect(Array(bytes[0..<4]) == [0xFF, 0x00, 0x00, 0x00])
        #expect(Array(bytes[8..<12]) == [0x00, 0x00, 0xFF, 0x00])
        #expect(Array(bytes[16..<20]) == [0x12, 0x34, 0x56, 0x00])
    }

    @Test func rgb565PacksFiveSixFive() {
        let bytes = pack(.rgb565, colours)
        let words = stride(from: 0, to: colours.count * 2, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        let mixed: UInt16 = (0x12 >> 3) << 11 | (0x34 >> 2) << 5 | (0x56 >> 3)
        let expected: [UInt16] = [0xF800, 0x07E0, 0x001F, 0xFFFF, mixed, 0]
        #expect(words == expected)
    }

    @Test(arguments: [PixelLayout.xrgb8888, .xbgr8888, .rgb565])
    func unpackReadsBackWhatPackWrote(layout: PixelLayout) {
        let stride = colours.count * layout.bytesPerPixel + 8
        var memory = pack(layout, colours)
        let back = PixelBuffer()
        memory.withUnsafeMutableBytes {
            PixelPacking.unpack(
                $0.baseAddress!, stride: stride, width: colours.count, height: 1, layout: layout, into: back)
        }
        for (x, colour) in colours.enumerated() {
            let value = back.pixel(x: x, y: 0) & 0xFF_FFFF
            if layout == .rgb565 {
                // Full intensity stays full; other values within the 565 quantisation step.
                for shift: UInt32 in [0, 8, 16] {
                    let got = Int((value >> shift) & 0xFF)
                    let want = Int((colour >> shift) & 0xFF)
                    #expect(abs(got - want) <= 7, "\(layout) pixel \(x)")
                }
            } else {
                #expect(value == colour, "\(layout) pixel \(x)")
            }
        }
    }

    @Test func unsupportedLayoutsAreRecognised() {
        #expect(
            !PixelLayout(
                bitsPerPixel: 24, red: .init(offset: 16, length: 8), green: .init(offset: 8, length: 8),
                blue: .init(offset: 0, length: 8)
            ).isSupported)
        #expect(PixelLayout.rgb565.isSupported && PixelLayout.xbgr8888.isSupported)
        #expect("\(PixelLayout.xbgr8888)" == "XBGR8888")
    }
}

@Suite struct FileFramebufferTests {
    private func temporary(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "mirror-fb-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return "\(folder)/\(name)"
    }

    @Test func fileHoldsExactlyOneFrameInTheLayout() throws {
        let path = temporary("fb.raw")
        let framebuffer = try FileFramebuffer(path: path, width: 4, height: 2, layout: .xbgr8888)
        let image = PixelBuffer(width: 4, height: 2)
        image.fill(0xFF_0000)
        framebuffer.show(image)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 4 * 2 * 4)
        #expect(Array(bytes[0..<4]) == [0xFF, 0, 0, 0])
        let back = PixelBuffer()
        framebuffer.snapshot(into: back)
        #expect(back.pixel(x: 3, y: 1) & 0xFF_FFFF == 0xFF_0000)
    }

    @Test func unwritablePathFailsWithAClearError() throws {
        let folder = temporary("")
        // A directory where the file should be: open fails whoever runs the test (root included).
        try FileManager.default.createDirectory(atPath: folder + "fb.raw", withIntermediateDirectories: true)
        #expect {
            _ = try FileFramebuffer(path: folder + "fb.raw", width: 4, height: 2, layout: .xrgb8888)
        } throws: { error in
            "\(error)".contains("cannot open the framebuffer file") && "\(error)".contains("Is a directory")
        }
    }
}

@Suite struct MirrorRendererTests {
    @Test func liveViewIsMirroredAndCoversThePanel() throws {
        // A camera frame: left half red, right half blue.
        let frame = PixelBuffer(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 {
                frame.base.storeBytes(
                    of: x < 32 ? 0xFF_0000 : 0x00_00FF, toByteOffset: y * frame.stride + x * 4, as: UInt32.self)
            }
        }
        let mirrored = MirrorRenderer(width: 90, height: 160, rotation: 0, mirror: true)
        mirrored.drawLive(frame, overlay: .init(hint: ""))
        #expect(mirrored.canvas.pixels.pixel(x: 20, y: 80) & 0xFF_FFFF == 0x00_00FF)
        #expect(mirrored.canvas.pixels.pixel(x: 70, y: 80) & 0xFF_FFFF == 0xFF_0000)

        let plain = MirrorRenderer(width: 90, height: 160, rotation: 0, mirror: false)
        plain.drawLive(frame, overlay: .init(hint: ""))
        #expect(plain.canvas.pixels.pixel(x: 20, y: 80) & 0xFF_FFFF == 0xFF_0000)
    }

    @Test func decodeScaleNeverGoesBelowPanelResolution() {
        let portrait = MirrorRenderer(width: 1080, height: 1920, rotation: 90, mirror: true)
        #expect(portrait.decodeScale(frameWidth: 1920, frameHeight: 1080) == .full)
        let small = MirrorRenderer(width: 270, height: 480, rotation: 90, mirror: true)
        #expect(small.decodeScale(frameWidth: 1920, frameHeight: 1080) == .quarter)
        #expect(small.coverScale(frameWidth: 1920, frameHeight: 1080) == 0.25)
    }

    @Test func pngEncodingProducesAPNG() throws {
        let image = PixelBuffer(width: 8, height: 8)
        image.fill(0x33_6699)
        let png = try PNGWriter.encode(image)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }
}
