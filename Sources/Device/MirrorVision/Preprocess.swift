public import MirrorCore
public import MirrorImaging

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
        let base = image.base.assumingMemoryBound(to: UInt8.self)
        let stride = image.stride
        let out = input.baseAddress!
        // Column positions and weights are the same on every row: computed once (on the stack, so an
        // inference allocates nothing). -1 marks a column outside the frame.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: size) { columns in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: size) { weights in
                for column in 0..<size {
                    let sx = x0 + (Float(column) + 0.5) * scale - 0.5
                    guard sx >= -0.5, sx <= Float(image.width) - 0.5 else {
                        columns[column] = -1
                        continue
                    }
                    let cx = min(max(sx, 0), Float(image.width - 1))
                    let ix = min(Int(cx), image.width - 2)
                    columns[column] = ix * 4
                    weights[column] = cx - Float(ix)
                }
                let offset = SIMD4<Float>(repeating: 127)
                let unit: Float = 1 / 128
                for row in 0..<size {
                    let line = out + row * size * 3
                    let sy = y0 + (Float(row) + 0.5) * scale - 0.5
                    guard sy >= -0.5, sy <= Float(image.height) - 0.5 else {
                        line.update(repeating: 0, count: size * 3)
                        continue
                    }
                    let cy = min(max(sy, 0), Float(image.height - 1))
                    let iy = min(Int(cy), image.height - 2)
                    let fy = cy - Float(iy)
                    let top = UnsafeRawPointer(base + iy * stride)
                    let bottom = top + stride
                    for column in 0..<size {
                        let x = columns[column]
                        let target = line + column * 3
                        guard x >= 0 else {
                            target.update(repeating: 0, count: 3)
                            continue
                        }
                        let fx = weights[column]
                        // Four BGRX neighbours as float vectors, blended horizontally then vertically.
                        func pixel(_ row: UnsafeRawPointer, _ at: Int) -> SIMD4<Float> {
                            SIMD4<Float>(row.loadUnaligned(fromByteOffset: at, as: SIMD4<UInt8>.self))
                        }
                        let upper = pixel(top, x) + (pixel(top, x + 4) - pixel(top, x)) * fx
                        let lower = pixel(bottom, x) + (pixel(bottom, x + 4) - pixel(bottom, x)) * fx
                        let value = (upper + (lower - upper) * fy - offset) * unit
                        // Bytes are B G R X; the network takes R G B.
                        target[0] = value[2]
                        target[1] = value[1]
                        target[2] = value[0]
                    }
                }
            }
        }
    }
}
