import Foundation
public import MirrorCore
public import MirrorImaging

/// Where the person is in a frame, from the difference to the empty fitting-room view.
public struct PersonSegmentation: Sendable, Equatable {
    /// Foreground mask at the model's working size, row-major, 1 = person.
    public var mask: [UInt8]
    public var width: Int
    public var height: Int
    /// The largest foreground blob's bounding box.
    public var box: NormalizedBox
    /// The blob's share of the frame, 0…1.
    public var area: Float
    /// Whether the blob is large enough to be a person.
    public var present: Bool

    /// Whether mask cell (x, y) is foreground.
    public func isPerson(x: Int, y: Int) -> Bool { mask[y * width + x] != 0 }
}

/// The empty fitting-room view, learned from calibration frames, to find the shopper against.
///
/// Works on a small grey-world-normalised RGB copy of each frame (`width` × `height` cells, box-filtered
/// from the decoded frame), so camera noise averages out and the cost stays under a millisecond. A cell is
/// foreground when its colour differs from the background by more than a threshold that grows with the
/// noise measured at calibration. The global brightness of the frame is compensated first (the ratio of
/// frame to background luma over the cells that look like background), so lights dimming or the camera's
/// exposure moving does not light up the whole frame. The model adapts slowly on background cells only, so
/// slow light changes are absorbed but a shopper standing still is not.
public final class BackgroundModel {
    public let width: Int
    public let height: Int
    /// Fraction of the frame the largest blob must cover to count as a person.
    public var presenceArea: Float = 0.04
    /// How fast background cells follow the scene (per analysed frame).
    public var adaptation: Float = 0.02
    /// Minimum colour distance (0…255 per channel, Euclidean) that counts as foreground.
    public var minimumThreshold: Float = 24

    /// Per-cell colour noise (RMS, 0…255 units) above which a calibration cell counts as moving.
    static let steadyNoise: Float = 12

    private var mean: [Float]
    private var noise: [Float]
    public private(set) var calibrated = false
    private var cells: [Float]
    private var labels: [Int32]

    /// A model of `width` × `height` cells (the frame's aspect ratio; 96 × 54 suits 16:9 cameras).
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        mean = [Float](repeating: 0, count: width * height * 3)
        noise = [Float](repeating: 0, count: width * height)
        cells = [Float](repeating: 0, count: width * height * 3)
        labels = [Int32](repeating: 0, count: width * height)
    }

    /// A model whose cells keep `image`'s aspect ratio, about `cells` across the longer side.
    public convenience init(fitting image: PixelBuffer, cells: Int = 96) {
        let long = max(image.width, image.height, 1)
        let scale = Float(cells) / Float(long)
        self.init(
            width: max(8, Int((Float(image.width) * scale).rounded())),
            height: max(8, Int((Float(image.height) * scale).rounded())))
    }

    /// Learns the empty view from `frames` (at least 3): per-cell mean colour and noise.
    public func calibrate(_ frames: [PixelBuffer]) throws(VisionError) {
        guard frames.count >= 3 else { throw VisionError(.input, "calibration needs 3 frames or more") }
        let count = width * height
        var sum = [Float](repeating: 0, count: count * 3)
        var squares = [Float](repeating: 0, count: count)
        var samples: [[Float]] = []
        for frame in frames {
            try downsample(frame)
            samples.append(cells)
            for index in 0..<(count * 3) { sum[index] += cells[index] }
        }
        let n = Float(frames.count)
        for index in 0..<(count * 3) { mean[index] = sum[index] / n }
        for sample in samples {
            for cell in 0..<count {
                var distance: Float = 0
                for channel in 0..<3 {
                    let d = sample[cell * 3 + channel] - mean[cell * 3 + channel]
                    distance += d * d
                }
                squares[cell] += distance
            }
        }
        for cell in 0..<count { noise[cell] = (squares[cell] / n).squareRoot() }
        // Cells whose colour wandered far between the frames: something moved through the view.
        let unsteady = noise.filter { $0 > Self.steadyNoise }.count
        guard Float(unsteady) <= 0.02 * Float(count) else {
            throw VisionError(
                .input,
                "the view changed while calibrating (\(unsteady * 100 / count) % of it moved): "
                    + "make sure nobody is in view and calibrate again")
        }
        calibrated = true
    }

    /// Segments `frame` against the background; adapts the background where no person is.
    public func segment(_ frame: PixelBuffer, adapt: Bool = true) throws(VisionError) -> PersonSegmentation {
        guard calibrated else {
            throw VisionError(.notCalibrated, "the empty view is not calibrated yet (run mirrorctl calibrate)")
        }
        try downsample(frame)
        let count = width * height
        let gain = brightnessGain()
        var mask = [UInt8](repeating: 0, count: count)
        for cell in 0..<count {
            var distance: Float = 0
            for channel in 0..<3 {
                let d = cells[cell * 3 + channel] / gain - mean[cell * 3 + channel]
                distance += d * d
            }
            let threshold = max(minimumThreshold, 4 * noise[cell])
            mask[cell] = distance > threshold * threshold ? 1 : 0
        }
        mask = open(mask)
        let (box, area) = largestBlob(&mask)
        let present = area >= presenceArea
        if adapt {
            for cell in 0..<count where mask[cell] == 0 {
                for channel in 0..<3 {
                    let index = cell * 3 + channel
                    mean[index] += adaptation * (cells[index] / gain - mean[index])
                }
            }
        }
        return PersonSegmentation(mask: mask, width: width, height: height, box: box, area: area, present: present)
    }

    // MARK: Persistence

    private static let magic = Array("MBKG".utf8)

    /// The calibrated background as bytes (`MBKG`, width, height, then mean and noise as float32).
    public func serialized() -> [UInt8] {
        var bytes = Self.magic
        for value in [UInt32(width), UInt32(height)] { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        for value in mean + noise { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    /// Restores a background written by ``serialized()``; throws for another size or damaged bytes.
    public static func restore(_ bytes: [UInt8]) throws(VisionError) -> BackgroundModel {
        guard bytes.count >= 12, Array(bytes[0..<4]) == magic else {
            throw VisionError(.input, "not a saved background (no MBKG signature)")
        }
        func u32(_ at: Int) -> Int {
            Int(
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3])
                    << 24)
        }
        let width = u32(4)
        let height = u32(8)
        guard (1...1024).contains(width), (1...1024).contains(height), bytes.count == 12 + width * height * 16 else {
            throw VisionError(.input, "saved background is damaged (size does not match)")
        }
        let model = BackgroundModel(width: width, height: height)
        let count = width * height
        for index in 0..<(count * 4) {
            let value = Float(bitPattern: UInt32(u32(12 + index * 4)))
            guard value.isFinite else { throw VisionError(.input, "saved background is damaged (not a number)") }
            if index < count * 3 { model.mean[index] = value } else { model.noise[index - count * 3] = value }
        }
        model.calibrated = true
        return model
    }

    // MARK: Internals

    /// Box-filters `frame` into `cells` (RGB floats); every frame pixel counts once.
    private func downsample(_ frame: PixelBuffer) throws(VisionError) {
        guard frame.width >= width, frame.height >= height else {
            throw VisionError(
                .input, "frame of \(frame.width)x\(frame.height) is smaller than the \(width)x\(height) model")
        }
        for index in cells.indices { cells[index] = 0 }
        let base = frame.base.assumingMemoryBound(to: UInt8.self)
        for y in 0..<frame.height {
            let cellRow = y * height / frame.height
            let row = base + y * frame.stride
            for x in 0..<frame.width {
                let cell = (cellRow * width + x * width / frame.width) * 3
                let pixel = row + x * 4
                cells[cell] += Float(pixel[2])
                cells[cell + 1] += Float(pixel[1])
                cells[cell + 2] += Float(pixel[0])
            }
        }
        for cy in 0..<height {
            let rows = Self.span(of: cy, pixels: frame.height, cells: height)
            for cx in 0..<width {
                let columns = Self.span(of: cx, pixels: frame.width, cells: width)
                let scale = 1 / Float(max(1, rows * columns))
                let cell = (cy * width + cx) * 3
                cells[cell] *= scale
                cells[cell + 1] *= scale
                cells[cell + 2] *= scale
            }
        }
    }

    /// How many of `pixels` map to `cell` of `cells` (pixel p goes to cell p · cells / pixels, rounded
    /// down, so cell c holds pixels ⌈c · pixels / cells⌉ up to ⌈(c + 1) · pixels / cells⌉).
    private static func span(of cell: Int, pixels: Int, cells: Int) -> Int {
        ((cell + 1) * pixels + cells - 1) / cells - (cell * pixels + cells - 1) / cells
    }

    /// Frame-to-background luma ratio over the cells that are closest to the background (the lower half
    /// by difference), so a shopper filling part of the view does not bias it.
    private func brightnessGain() -> Float {
        let count = width * height
        var ratios: [Float] = []
        ratios.reserveCapacity(count)
        for cell in 0..<count {
            let frame = cells[cell * 3] + cells[cell * 3 + 1] + cells[cell * 3 + 2]
            let background = mean[cell * 3] + mean[cell * 3 + 1] + mean[cell * 3 + 2]
            if background > 30 { ratios.append(frame / background) }
        }
        guard !ratios.isEmpty else { return 1 }
        ratios.sort()
        // The median ratio: robust to the foreground, which is usually under half the frame.
        let gain = ratios[ratios.count / 2]
        return min(max(gain, 0.25), 4)
    }

    /// Morphological opening (3×3 erosion then dilation): removes isolated noise cells.
    private func open(_ mask: [UInt8]) -> [UInt8] {
        func filter(_ input: [UInt8], keepIf: (Int) -> Bool) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: input.count)
            for y in 0..<height {
                for x in 0..<width {
                    var on = 0
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let nx = min(max(x + dx, 0), width - 1)
                            let ny = min(max(y + dy, 0), height - 1)
                            on += Int(input[ny * width + nx])
                        }
                    }
                    output[y * width + x] = keepIf(on) ? 1 : 0
                }
            }
            return output
        }
        let eroded = filter(mask) { $0 == 9 }
        return filter(eroded) { $0 > 0 }
    }

    /// Keeps only the largest 4-connected blob in `mask`; returns its box and area fraction.
    private func largestBlob(_ mask: inout [UInt8]) -> (NormalizedBox, Float) {
        let count = width * height
        for index in 0..<count { labels[index] = 0 }
        var stack: [Int] = []
        var best: (label: Int32, size: Int, minX: Int, minY: Int, maxX: Int, maxY: Int) = (0, 0, 0, 0, 0, 0)
        var next: Int32 = 0
        for start in 0..<count where mask[start] != 0 && labels[start] == 0 {
            next += 1
            labels[start] = next
            stack.append(start)
            var size = 0
            var (minX, minY, maxX, maxY) = (width, height, -1, -1)
            while let cell = stack.popLast() {
                size += 1
                let x = cell % width
                let y = cell / width
                minX = min(minX, x)
                maxX = max(maxX, x)
                minY = min(minY, y)
                maxY = max(maxY, y)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < width && ny < height {
                    let neighbour = ny * width + nx
                    if mask[neighbour] != 0 && labels[neighbour] == 0 {
                        labels[neighbour] = next
                        stack.append(neighbour)
                    }
                }
            }
            if size > best.size { best = (next, size, minX, minY, maxX, maxY) }
        }
        for index in 0..<count { mask[index] = labels[index] == best.label && best.size > 0 ? 1 : 0 }
        guard best.size > 0 else { return (NormalizedBox(x: 0, y: 0, width: 0, height: 0), 0) }
        let box = NormalizedBox(
            x: Float(best.minX) / Float(width), y: Float(best.minY) / Float(height),
            width: Float(best.maxX - best.minX + 1) / Float(width),
            height: Float(best.maxY - best.minY + 1) / Float(height))
        return (box, Float(best.size) / Float(count))
    }
}
