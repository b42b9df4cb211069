import CZbar

/// Reads QR codes in a camera image, with zbar: the loyalty code a shopper holds up to the mirror on their phone
/// or card. Only QR codes are looked for (no barcodes, nothing else in the picture is interpreted).
///
/// Not thread-safe: one reader per thread. It keeps its grey image between calls.
public final class CodeReader {
    private let scanner: OpaquePointer
    private var grey: [UInt8] = []

    public init() throws(ImagingError) {
        guard let scanner = zbar_image_scanner_create() else {
            throw ImagingError(.outOfMemory, "zbar could not create an image scanner")
        }
        // Everything off, then QR codes on.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        self.scanner = scanner
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// The texts of the QR codes in `image` (usually none), in the order zbar found them; codes whose bytes are
    /// not UTF-8 are left out.
    public func read(_ image: PixelBuffer) -> [String] {
        let width = image.width
        let height = image.height
        guard width > 0, height > 0 else { return [] }
        if grey.count != width * height { grey = [UInt8](repeating: 0, count: width * height) }
        // Luma (BT.601 weights, in 8-bit fixed point) of the XRGB pixels: zbar reads 8-bit grey ("Y800").
        grey.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let row = image.base.advanced(by: y * image.stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<width {
                    let pixel = row[x]
                    let r = (pixel >> 16) & 0xFF
                    let g = (pixel >> 8) & 0xFF
                    let b = pixel & 0xFF
                    out[y * width + x] = UInt8((77 * r + 150 * g + 29 * b) >> 8)
                }
            }
        }
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        zbar_image_set_format(zimage, 0x3030_3859)  // fourcc "Y800"
        zbar_image_set_size(zimage, UInt32(width), UInt32(height))
        return grey.withUnsafeBufferPointer { pixels -> [String] in
            // No clean-up handler: the bytes stay ours and outlive the image.
            zbar_image_set_data(zimage, pixels.baseAddress, UInt(pixels.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return [] }
            var texts: [String] = []
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                    let length = Int(zbar_symbol_get_data_length(current))
                    let bytes = UnsafeRawBufferPointer(start: data, count: length)
                    if let text = String(validating: bytes, as: UTF8.self) { texts.append(text) }
                }
                symbol = zbar_symbol_next(current)
            }
            return texts
        }
    }
}
