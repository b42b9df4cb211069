import MirrorDisplay
public import MirrorImaging

/// A camera's view of a shopper holding their loyalty QR code up to the mirror: a phone whose screen shows the
/// code, against a fitting-room wall, moving a little from frame to frame as a hand does. For the tests of
/// reading loyalty codes off the camera.
public enum LoyaltyCardScene {
    /// Frame `index` (nil when `text` cannot be a QR code); `module` is the QR module's size in pixels.
    public static func frame(
        _ text: String, index: Int = 0, width: Int = 360, height: Int = 640, module: Int = 5
    ) -> PixelBuffer? {
        guard let symbol = QRSymbol(text) else { return nil }
        let image = PixelBuffer(width: width, height: height)
        let fill = image.fillRect
        fill(0, 0, width, height, 0xB8_AE9F)
        let screen = (symbol.size + 8) * module
        let x = (width - screen) / 2 + [0, 2, 3, 1][index % 4]
        let y = (height - screen) / 2 + [0, 1, 3, 2][index % 4]
        fill(x - 14, y - 60, screen + 28, screen + 140, 0x20_2024)
        fill(x, y, screen, screen, 0xFF_FFFF)
        for row in 0..<symbol.size {
            for column in 0..<symbol.size where symbol.isDark(x: column, y: row) {
                fill(x + (column + 4) * module, y + (row + 4) * module, module, module, 0x10_1010)
            }
        }
        return image
    }

    /// `frames` frames as an MJPEG stream (concatenated JPEGs), as a replayed camera reads them.
    public static func mjpeg(_ text: String, frames: Int = 24, width: Int = 360, height: Int = 640) throws -> [UInt8] {
        try PixelBuffer.mjpeg(frames: frames) { frame(text, index: $0, width: width, height: height) }
    }
}

extension PixelBuffer {
    /// Fills the rectangle at (x, y), `w` × `h` pixels, clipped to the image, with 0xRRGGBB `colour`.
    func fillRect(_ x: Int, _ y: Int, _ w: Int, _ h: Int, _ colour: UInt32) {
        for row in max(0, y)..<min(height, y + h) {
            let line = base.advanced(by: row * stride).assumingMemoryBound(to: UInt32.self)
            for column in max(0, x)..<min(width, x + w) { line[column] = colour }
        }
    }

    /// The scene's frames 0 to `frames − 1` as an MJPEG stream (concatenated JPEGs at quality 80); empty when a
    /// frame cannot be drawn.
    static func mjpeg(frames: Int, _ frame: (Int) -> PixelBuffer?) throws -> [UInt8] {
        let encoder = try JPEGEncoder()
        var stream: [UInt8] = []
        for index in 0..<frames {
            guard let image = frame(index) else { return [] }
            stream += try encoder.encode(image, quality: 80)
        }
        return stream
    }
}
