import CZbar

/// Reads codes in a camera image, with zbar: the loyalty QR code a shopper holds up to the mirror on their phone
/// or card, and (when asked for) the barcode on a garment's price tag. Only the symbologies asked for are looked
/// for; nothing else in the picture is interpreted.
///
/// Not thread-safe: one reader per thread. It keeps its grey image between calls.
public final class CodeReader {
    /// What a code is: a QR code, or a price tag's barcode (EAN-13, which zbar also reports for UPC-A with a
    /// leading zero, or Code 128).
    public enum Symbology: Sendable, Hashable, CaseIterable {
        case qr
        case ean13
        case code128

        var zbar: zbar_symbol_type_t {
            switch self {
            case .qr: ZBAR_QRCODE
            case .ean13: ZBAR_EAN13
            case .code128: ZBAR_CODE128
            }
        }
    }

    /// A code found: what it is and its text.
    public struct Code: Sendable, Hashable {
        public var symbology: Symbology
        public var text: String

        public init(symbology: Symbology, text: String) {
            self.symbology = symbology
            self.text = text
        }
    }

    private let scanner: OpaquePointer
    private let symbologies: Set<Symbology>
    private var grey: [UInt8] = []

    public init(_ symbologies: Set<Symbology> = [.qr]) throws(ImagingError) {
        guard let scanner = zbar_image_scanner_create() else {
            throw ImagingError(.outOfMemory, "zbar could not create an image scanner")
        }
        // Everything off, then the symbologies asked for on (UPC-A is read as EAN-13 with a leading zero).
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        for symbology in symbologies { zbar_image_scanner_set_config(scanner, symbology.zbar, ZBAR_CFG_ENABLE, 1) }
        self.scanner = scanner
        self.symbologies = symbologies
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// The texts of the QR codes in `image` (usually none), in the order zbar found them; codes whose bytes are
    /// not UTF-8 are left out.
    public func read(_ image: PixelBuffer) -> [String] { codes(image).filter { $0.symbology == .qr }.map(\.text) }

    /// The codes of the reader's symbologies in `image`, in the order zbar found them.
    public func codes(_ image: PixelBuffer) -> [Code] {
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
        return grey.withUnsafeBufferPointer { pixels -> [Code] in
            // No clean-up handler: the bytes stay ours and outlive the image.
            zbar_image_set_data(zimage, pixels.baseAddress, UInt(pixels.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return [] }
            var codes: [Code] = []
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                let type = zbar_symbol_get_type(current)
                if let symbology = symbologies.first(where: { $0.zbar == type }),
                    let data = zbar_symbol_get_data(current)
                {
                    let length = Int(zbar_symbol_get_data_length(current))
                    let bytes = UnsafeRawBufferPointer(start: data, count: length)
                    if let text = String(validating: bytes, as: UTF8.self) {
                        codes.append(Code(symbology: symbology, text: text))
                    }
                }
                symbol = zbar_symbol_next(current)
            }
            return codes
        }
    }
}
