import CQRencode

/// A QR code's modules (dark or light), square, without the quiet zone: what the panel draws for a shopper's
/// phone to scan. Encoded by libqrencode (error correction M, byte mode).
public struct QRSymbol: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// Row by row; true where the module is dark.
    public let modules: [Bool]

    /// Nil when `text` is empty or too long for a QR code.
    public init?(_ text: String) {
        guard !text.isEmpty, let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let size = Int(code.pointee.width)
        // Bit 0 of each byte is the module's colour; the other bits say what the module is for.
        modules = (0..<size * size).map { code.pointee.data[$0] & 1 == 1 }
        self.size = size
    }

    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }
}
