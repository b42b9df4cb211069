/// Converts packed YUYV 4:2:2 (BT.601, limited range: what UVC cameras and vivid send) to XRGB8888.
///
/// Written by hand because libjpeg-turbo has no packed-4:2:2 input and libv4lconvert would convert
/// the whole frame on every call into a buffer it allocates; this loop uses fixed-point integer maths
/// the compiler vectorises, writing into a reused ``PixelBuffer``.
public enum YUYV {
    /// Converts `width`×`height` pixels from `source` (rows of `stride` bytes) into `output`.
    public static func convert(
        _ source: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int, into output: PixelBuffer
    ) throws(ImagingError) {
        let rowBytes = max(stride, width * 2)
        guard width > 0, height > 0, width % 2 == 0 else {
            throw ImagingError(.codec, "YUYV frame of \(width)x\(height): width must be even")
        }
        guard source.count >= rowBytes * (height - 1) + width * 2 else {
            throw ImagingError(.invalidJPEG, "YUYV frame too short: \(source.count) bytes for \(width)x\(height)")
        }
        output.reshape(width: width, height: height)
        let input = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
        for y in 0..<height {
            let row = input + y * rowBytes
            let out = (output.base + y * output.stride).assumingMemoryBound(to: UInt32.self)
            for pair in 0..<(width / 2) {
                let y0 = (Int32(row[pair * 4]) - 16) * 298
                let u = Int32(row[pair * 4 + 1]) - 128
                let y1 = (Int32(row[pair * 4 + 2]) - 16) * 298
                let v = Int32(row[pair * 4 + 3]) - 128
                let red = 409 * v + 128
                let green = -100 * u - 208 * v + 128
                let blue = 516 * u + 128
                out[pair * 2] = pack(y0 + red, y0 + green, y0 + blue)
                out[pair * 2 + 1] = pack(y1 + red, y1 + green, y1 + blue)
            }
        }
    }

    @inline(__always)
    static func pack(_ red: Int32, _ green: Int32, _ blue: Int32) -> UInt32 {
        UInt32(clamp(red >> 8)) << 16 | UInt32(clamp(green >> 8)) << 8 | UInt32(clamp(blue >> 8))
    }

    @inline(__always)
    private static func clamp(_ value: Int32) -> Int32 { min(max(value, 0), 255) }
}

/// Converts NV12 (a luma plane, then interleaved U/V at half resolution; BT.601 limited range) to
/// XRGB8888, the same way as ``YUYV``.
public enum NV12 {
    /// `source` holds `height` luma rows of `stride` bytes followed by `height / 2` chroma rows.
    public static func convert(
        _ source: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int, into output: PixelBuffer
    ) throws(ImagingError) {
        let rowBytes = max(stride, width)
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
            throw ImagingError(.codec, "NV12 frame of \(width)x\(height): sizes must be even")
        }
        guard source.count >= rowBytes * height * 3 / 2 else {
            throw ImagingError(.invalidJPEG, "NV12 frame too short: \(source.count) bytes for \(width)x\(height)")
        }
        output.reshape(width: width, height: height)
        let luma = source.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let chroma = luma + rowBytes * height
        for y in 0..<height {
            let row = luma + y * rowBytes
            let uv = chroma + (y / 2) * rowBytes
            let out = (output.base + y * output.stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                let c = (Int32(row[x]) - 16) * 298
                let u = Int32(uv[x & ~1]) - 128
                let v = Int32(uv[x | 1]) - 128
                out[x] = YUYV.pack(c + 409 * v + 128, c - 100 * u - 208 * v + 128, c + 516 * u + 128)
            }
        }
    }
}
