import MirrorCore
import MirrorImaging

/// Turns part of a decoded frame into the network's input tensor.
public enum Preprocess {
    /// The pixel square that `box` is analysed through: centred on the box, as large as its longer side
    /// (so a garment keeps its proportions, as the network saw objects in training), kept inside the
    /// frame where the frame allows.
    public static func square(around box: NormalizedBox, width: Int, height: Int) -> (x: Float, y: Float, side: Float) {
        let clamped = box.clamped
        let w = clamped.width * Float(width)
        let h = clamped.height * Float(height)
        let side = max(w, h, 1)
        var x = clamped.x * Float(width) + w / 2 - side / 2
        var y = clamped.y * Float(height) + h / 2 - side / 2
        if side <= Float(width) { x = min(max(x, 0), Float(width) - side) }
        if side <= Float(height) { y = min(max(y, 0), Float(height) - side) }
        return (x, y, side)
    }

    /// Samples the square around `box` in `image` (XRGB8888) into `input` as `size` × `size` RGB floats,
    /// normalised (x − 127) / 128; bilinear, with outside-the-frame pixels grey (0 after normalising).
    ///
    /// Throws `.input` for an empty image or an input buffer that is too small.
    public static func fill(
        _ input: UnsafeMutableBufferPointer<Float>, size: Int, from image: PixelBuffer, box: NormalizedBox
    ) throws(VisionError) {
        guard image.width > 1, image.height > 1 else {
            throw VisionError(.input, "image of \(image.width)x\(image.height) is too small to analyse")
        }
        guard input.count >= size * size * 3 else {
            throw VisionError(.input, "input tensor holds \(input.count) values, needs \(size * size * 3)")
        }
        let (x0, y0, side) = square(around: box, width: image.width, height: image.height)
        let scale = side / Float(size)
        let maxX = Float(image.width - 1)
        let maxY = Float(image.height - 1)
        let base = image.base.assumingMemoryBound(to: UInt8.self)
        let stride = image.stride
        var out = 0
        for row in 0..<size {
            let sy = y0 + (Float(row) + 0.5) * scale - 0.5
            for column in 0..<size {
                let sx = x0 + (Float(column) + 0.5) * scale - 0.5
                guard sx >= -0.5, sy >= -0.5, sx <= maxX + 0.5, sy <= maxY + 0.5 else {
                    input[out] = 0
                    input[out + 1] = 0
                    input[out + 2] = 0
                    out += 3
                    continue
                }
                let cx = min(max(sx, 0), maxX)
                let cy = min(max(sy, 0), maxY)
                let ix = min(Int(cx), image.width - 2)
                let iy = min(Int(cy), image.height - 2)
                let fx = cx - Float(ix)
                let fy = cy - Float(iy)
                let p00 = base + iy * stride + ix * 4
                let p10 = p00 + 4
                let p01 = p00 + stride
                let p11 = p01 + 4
                // Bytes are B G R X; the network takes R G B.
                for channel in 0..<3 {
                    let byte = 2 - channel
                    let top = Float(p00[byte]) * (1 - fx) + Float(p10[byte]) * fx
                    let bottom = Float(p01[byte]) * (1 - fx) + Float(p11[byte]) * fx
                    input[out + channel] = (top * (1 - fy) + bottom * fy - 127) / 128
                }
                out += 3
            }
        }
    }
}
