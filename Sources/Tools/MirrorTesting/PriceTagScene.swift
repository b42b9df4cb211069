import CZint
import MirrorDisplay
public import MirrorImaging

/// A garment's price tag held up to the mirror: a white card with the size's barcode (EAN-13, or Code 128 for a
/// code that is not 13 digits), drawn by zint, against a fitting-room wall, moving a little from frame to frame.
/// For the tests and the demo of reading tags off the camera.
public enum PriceTagScene {
    /// The barcode's bars: one flag per module, dark or light (nil when zint cannot encode `code`).
    public static func modules(_ code: String) -> [Bool]? {
        guard let symbol = ZBarcode_Create() else { return nil }
        defer { ZBarcode_Delete(symbol) }
        let ean = code.utf8.count == 13 && code.utf8.allSatisfy { (0x30...0x39).contains($0) }
        symbol.pointee.symbology = ean ? BARCODE_EANX : BARCODE_CODE128
        symbol.pointee.show_hrt = 0
        let bytes = Array(code.utf8)
        guard ZBarcode_Encode(symbol, bytes, Int32(bytes.count)) < ZINT_ERROR, symbol.pointee.rows >= 1 else {
            return nil
        }
        // One row of modules, bit-packed (zint 2.10 and later): module x is bit x % 8 of byte x / 8.
        let width = Int(symbol.pointee.width)
        return withUnsafeBytes(of: &symbol.pointee.encoded_data.0) { row in
            (0..<width).map { x in row[x / 8] & (1 << (x % 8)) != 0 }
        }
    }

    /// Frame `index` (nil when `code` cannot be drawn); `module` is a bar module's width in pixels.
    public static func frame(
        _ code: String, index: Int = 0, width: Int = 360, height: Int = 640, module: Int = 2
    ) -> PixelBuffer? {
        guard let bars = modules(code) else { return nil }
        let image = PixelBuffer(width: width, height: height)
        let fill = image.fillRect
        fill(0, 0, width, height, 0xB8_AE9F)
        let card = (bars.count + 20) * module
        let x = (width - card) / 2 + [0, 2, 3, 1][index % 4]
        let y = height / 2 - 60 + [0, 1, 3, 2][index % 4]
        fill(x, y, card, 140, 0xFF_FFFF)
        for (column, dark) in bars.enumerated() where dark {
            fill(x + (column + 10) * module, y + 20, module, 100, 0x10_1010)
        }
        return image
    }

    /// `frames` frames as an MJPEG stream (concatenated JPEGs), as a replayed camera reads them.
    public static func mjpeg(_ code: String, frames: Int = 24, width: Int = 360, height: Int = 640) throws -> [UInt8] {
        try PixelBuffer.mjpeg(frames: frames) { frame(code, index: $0, width: width, height: height) }
    }

    /// An EAN-13 from its first 12 digits, with its check digit (GS1: weights 1 and 3 from the left).
    public static func ean13(_ first12: String) -> String {
        let digits = first12.compactMap(\.wholeNumberValue)
        let sum = digits.enumerated().reduce(0) { $0 + $1.element * ($1.offset % 2 == 0 ? 1 : 3) }
        return first12 + String((10 - sum % 10) % 10)
    }
}
