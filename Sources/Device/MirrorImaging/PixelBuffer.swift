/// A reusable 32-bit image in memory: XRGB8888 in native byte order (Cairo's `RGB24`,
/// bytes B G R X on little-endian machines).
///
/// Reused from frame to frame: `reshape` grows the allocation only when a larger image arrives.
public final class PixelBuffer {
    public private(set) var width = 0
    public private(set) var height = 0
    /// Bytes per row; a multiple of 16 so Cairo and SIMD loops can use the rows directly.
    public private(set) var stride = 0
    public private(set) var base: UnsafeMutableRawPointer
    private var capacity: Int

    public init(width: Int = 0, height: Int = 0) {
        capacity = 64
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        reshape(width: width, height: height)
    }

    deinit { base.deallocate() }

    /// Sets the size; contents are unspecified afterwards. Allocates only when the image grows.
    public func reshape(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0)
        let stride = (width * 4 + 15) & ~15
        let needed = max(stride * height, 64)
        if needed > capacity {
            base.deallocate()
            base = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 64)
            capacity = needed
        }
        self.width = width
        self.height = height
        self.stride = stride
    }

    public var byteCount: Int { stride * height }

    /// The pixel at (x, y) as 0xXXRRGGBB.
    public func pixel(x: Int, y: Int) -> UInt32 {
        base.load(fromByteOffset: y * stride + x * 4, as: UInt32.self)
    }

    public func fill(_ value: UInt32) {
        for y in 0..<height {
            (base + y * stride).bindMemory(to: UInt32.self, capacity: width).update(repeating: value, count: width)
        }
    }
}
