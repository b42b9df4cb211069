/// Where red, green and blue sit in one framebuffer pixel, as `fb_var_screeninfo` reports it.
///
/// Never assumed: bochs-drm is XRGB8888 (red at bit 16), vfb is XBGR8888 (red at bit 0), small
/// panels are RGB565.
public struct PixelLayout: Sendable, Equatable, CustomStringConvertible {
    /// One colour channel's bitfield.
    public struct Channel: Sendable, Equatable {
        public var offset: Int
        public var length: Int

        public init(offset: Int, length: Int) {
            self.offset = offset
            self.length = length
        }
    }

    public var bitsPerPixel: Int
    public var red: Channel
    public var green: Channel
    public var blue: Channel

    public init(bitsPerPixel: Int, red: Channel, green: Channel, blue: Channel) {
        self.bitsPerPixel = bitsPerPixel
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let xrgb8888 = PixelLayout(
        bitsPerPixel: 32, red: .init(offset: 16, length: 8), green: .init(offset: 8, length: 8),
        blue: .init(offset: 0, length: 8))
    public static let xbgr8888 = PixelLayout(
        bitsPerPixel: 32, red: .init(offset: 0, length: 8), green: .init(offset: 8, length: 8),
        blue: .init(offset: 16, length: 8))
    public static let rgb565 = PixelLayout(
        bitsPerPixel: 16, red: .init(offset: 11, length: 5), green: .init(offset: 5, length: 6),
        blue: .init(offset: 0, length: 5))

    public var bytesPerPixel: Int { bitsPerPixel / 8 }

    /// Whether this code can draw in the layout: 16 or 32 bits, channels of 1…8 bits inside the pixel.
    public var isSupported: Bool {
        guard bitsPerPixel == 16 || bitsPerPixel == 32 else { return false }
        return [red, green, blue].allSatisfy {
            (1...8).contains($0.length) && $0.offset >= 0 && $0.offset + $0.length <= bitsPerPixel
        }
    }

    public var description: String {
        switch self {
        case .xrgb8888: "XRGB8888"
        case .xbgr8888: "XBGR8888"
        case .rgb565: "RGB565"
        default:
            "\(bitsPerPixel)bpp r\(red.offset):\(red.length) g\(green.offset):\(green.length) "
                + "b\(blue.offset):\(blue.length)"
        }
    }
}
