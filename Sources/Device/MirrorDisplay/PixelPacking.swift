public import MirrorImaging

/// Converts between the canvas (native XRGB8888) and a framebuffer's pixel layout.
///
/// Plain loops over fixed-width integers with the shifts computed once per call, so the compiler
/// vectorises them; the common layout is a straight row copy.
public enum PixelPacking {
    /// Writes `canvas` into `destination` (rows of `stride` bytes in `layout`), clipped to both sizes.
    public static func pack(
        _ canvas: PixelBuffer, into destination: UnsafeMutableRawPointer, stride: Int, width: Int, height: Int,
        layout: PixelLayout
    ) {
        precondition(layout.isSupported)
        let columns = min(width, canvas.width)
        let rows = min(height, canvas.height)
        let r = layout.red
        let g = layout.green
        let b = layout.blue
        for y in 0..<rows {
            let source = (canvas.base + y * canvas.stride).assumingMemoryBound(to: UInt32.self)
            let row = destination + y * stride
            if layout == .xrgb8888 {
                row.copyMemory(from: source, byteCount: columns * 4)
            } else if layout.bitsPerPixel == 32 {
                let out = row.assumingMemoryBound(to: UInt32.self)
                for x in 0..<columns {
                    let p = source[x]
                    out[x] =
                        ((p >> (24 - UInt32(r.length))) & mask(r)) << UInt32(r.offset)
                        | ((p >> (16 - UInt32(g.length))) & mask(g)) << UInt32(g.offset)
                        | ((p >> (8 - UInt32(b.length))) & mask(b)) << UInt32(b.offset)
                }
            } else {
                let out = row.assumingMemoryBound(to: UInt16.self)
                for x in 0..<columns {
                    let p = source[x]
                    let value =
                        ((p >> (24 - UInt32(r.length))) & mask(r)) << UInt32(r.offset)
                        | ((p >> (16 - UInt32(g.length))) & mask(g)) << UInt32(g.offset)
                        | ((p >> (8 - UInt32(b.length))) & mask(b)) << UInt32(b.offset)
                    out[x] = UInt16(truncatingIfNeeded: value)
                }
            }
        }
    }

    /// Reads `height` rows of `layout` pixels into `canvas` as XRGB8888 (for screenshots and tests).
    ///
    /// Channels narrower than 8 bits are widened by repeating their top bits, so full intensity stays full.
    public static func unpack(
        _ source: UnsafeRawPointer, stride: Int, width: Int, height: Int, layout: PixelLayout,
        into canvas: PixelBuffer
    ) {
        precondition(layout.isSupported)
        canvas.reshape(width: width, height: height)
        for y in 0..<height {
            let out = (canvas.base + y * canvas.stride).assumingMemoryBound(to: UInt32.self)
            let row = source + y * stride
            for x in 0..<width {
                let p: UInt32 =
                    layout.bitsPerPixel == 32
                    ? row.load(fromByteOffset: x * 4, as: UInt32.self)
                    : UInt32(row.load(fromByteOffset: x * 2, as: UInt16.self))
                out[x] = widen(p, layout.red) << 16 | widen(p, layout.green) << 8 | widen(p, layout.blue)
            }
        }
    }

    @inline(__always)
    private static func mask(_ channel: PixelLayout.Channel) -> UInt32 { (1 << UInt32(channel.length)) - 1 }

    @inline(__always)
    private static func widen(_ pixel: UInt32, _ channel: PixelLayout.Channel) -> UInt32 {
        let value = (pixel >> UInt32(channel.offset)) & mask(channel)
        var wide = value << (8 - UInt32(channel.length))
        var filled = UInt32(channel.length)
        while filled < 8 {
            wide |= wide >> filled
            filled *= 2
        }
        return wide & 0xFF
    }
}
