import ArgumentParser
import Foundation
import MirrorCore
import MirrorImaging

/// What privacy masking costs on the capture path, against its peers in the same run: a plain decode (what
/// the display pays anyway) and the obvious alternative, decoding, blacking out and encoding again.
struct Mask: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Privacy masking of one MJPEG frame (DCT domain) vs decode, and vs decode + black out + encode.")
    @Argument var file: String
    @Option(help: "Rounds; each runs every method for 0.5 s, interleaved.") var rounds = 6

    func run() throws {
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let info = try jpeg.withUnsafeBytes { JPEGMarkers.inspect($0) }.get()
        // Two zones, about a quarter of the frame: a cubicle gap along one side and a window.
        let zones = [
            MaskZone(name: "gap", x: 0, y: 0, width: 0.15, height: 1),
            MaskZone(name: "window", x: 0.6, y: 0.1, width: 0.25, height: 0.4),
        ]
        let frame = Frame(
            sequence: 0, timestamp: .now(), format: .mjpeg, width: info.width, height: info.height,
            bytes: FrameBytes(jpeg))
        let masker = try PrivacyMasker(zones: zones)
        let decoder = try JPEGDecoder()
        let encoder = try JPEGEncoder()
        let image = PixelBuffer()
        let rects = zones.map { $0.pixels(width: info.width, height: info.height) }

        func timed(_ body: () throws -> Void) rethrows -> (Int, Double) {
            var count = 0
            let start = ContinuousClock.now
            let end = start + .milliseconds(500)
            while ContinuousClock.now < end {
                try body()
                count += 1
            }
            return (count, (ContinuousClock.now - start).seconds)
        }
        var totals: [(count: Int, seconds: Double)] = Array(repeating: (0, 0), count: 3)
        var maskedSize = 0
        for _ in 0..<rounds {
            let methods: [() throws -> Void] = [
                { maskedSize = try masker.apply(frame).bytes.count },
                { _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: image) } },
                {
                    _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: image) }
                    for rect in rects {
                        for y in rect.top..<rect.bottom {
                            let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
                            for x in rect.left..<rect.right { row[x] = 0 }
                        }
                    }
                    _ = try encoder.encode(image, quality: 90) { $0.count }
                },
            ]
            for (index, method) in methods.enumerated() {
                let (count, seconds) = try timed(method)
                totals[index].count += count
                totals[index].seconds += seconds
            }
        }
        let ms = totals.map { $0.seconds * 1000 / Double($0.count) }
        print(
            "mask \(info.width)x\(info.height) (\(zones.count) zones, \(jpeg.count) → \(maskedSize) bytes): "
                + String(format: "%.2f ms/frame", ms[0]))
        print(String(format: "decode (fast IDCT): %.2f ms/frame", ms[1]))
        print(String(format: "decode + black out + encode q90: %.2f ms/frame", ms[2]))
        print(
            String(
                format:
                    "ratio mask/decode: %.2f; mask/(decode+encode): %.2f; at 30 fps masking takes %.0f %% of a core",
                ms[0] / ms[1], ms[0] / ms[2], ms[0] * 30 / 10))
    }
}
