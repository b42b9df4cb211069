import Foundation
public import MirrorCore
public import MirrorImaging

/// A colour in CIELAB (D65 white), where Euclidean distance follows perceived difference.
public struct LabColour: Sendable, Equatable {
    public var l: Float
    public var a: Float
    public var b: Float

    public init(l: Float, a: Float, b: Float) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// The Lab value of an 8-bit sRGB colour (IEC 61966-2-1 transfer curve, D65).
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        let r = LabColour.linear[Int(red)]
        let g = LabColour.linear[Int(green)]
        let b = LabColour.linear[Int(blue)]
        let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47
        let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b
        let z = (0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b) / 1.088_83
        func f(_ t: Float) -> Float { t > 216 / 24389 ? cbrtf(t) : (24389 / 27 * t + 16) / 116 }
        l = 116 * f(y) - 16
        a = 500 * (f(x) - f(y))
        self.b = 200 * (f(y) - f(z))
    }

    /// The sRGB value (rounded, clipped to the gamut) of this colour.
    public var rgb: (red: UInt8, green: UInt8, blue: UInt8) {
        let fy = (l + 16) / 116
        let fx = fy + a / 500
        let fz = fy - b / 200
        func inverse(_ t: Float) -> Float { t > 6 / 29 ? t * t * t : 3 * (6 / 29) * (6 / 29) * (t - 4 / 29) }
        let x = inverse(fx) * 0.950_47
        let y = inverse(fy)
        let z = inverse(fz) * 1.088_83
        let r = 3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z
        let g = -0.969_266_0 * x + 1.876_010_8 * y + 0.041_556_0 * z
        let bl = 0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z
        func encode(_ v: Float) -> UInt8 {
            let c = min(max(v, 0), 1)
            let s = c <= 0.003_130_8 ? 12.92 * c : 1.055 * powf(c, 1 / 2.4) - 0.055
            return UInt8((s * 255).rounded())
        }
        return (encode(r), encode(g), encode(bl))
    }

    public var hex: String {
        let (r, g, b) = rgb
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    /// CIE76 distance (ΔE*ab).
    public func distance(to other: LabColour) -> Float {
        let dl = l - other.l
        let da = a - other.a
        let db = b - other.b
        return (dl * dl + da * da + db * db).squareRoot()
    }

    /// sRGB → linear light for each 8-bit value.
    static let linear: [Float] = (0..<256).map { value in
        let c = Float(value) / 255
        return c <= 0.040_45 ? c / 12.92 : powf((c + 0.055) / 1.055, 2.4)
    }
}

/// Dominant colours of a garment region: k-means in CIELAB over the region's person pixels.
///
/// Deterministic: pixels are sampled on a fixed grid and the centres seeded farthest-point from the
/// region's mean, so the same frame always gives the same colours. Owns its scratch buffers; one per worker.
public final class DominantColours {
    public var clusters: Int
    public var iterations = 8
    /// At most this many pixels are clustered (a grid sample of the region).
    public var maximumSamples = 4096
    /// Clusters smaller than this share of the region are left out.
    public var minimumShare: Float = 0.08
    private var samples: [LabColour] = []
    private var assignment: [Int] = []

    public init(clusters: Int = 3) { self.clusters = max(1, clusters) }

    /// The dominant colours of `box` in `image`, counting only pixels the segmentation marks as person
    /// (all pixels when `segmentation` is nil); largest share first, same-named clusters merged.
    public func colours(in image: PixelBuffer, box: NormalizedBox, segmentation: PersonSegmentation?) -> [GarmentColour]
    {
        sample(image, box: box.clamped, segmentation: segmentation)
        guard samples.count >= clusters else { return [] }
        var centres = seed()
        assignment = [Int](repeating: 0, count: samples.count)
        for _ in 0..<iterations {
            var sums = [(l: Float, a: Float, b: Float, n: Int)](repeating: (0, 0, 0, 0), count: centres.count)
            for (index, colour) in samples.enumerated() {
                var best = 0
                var bestDistance = Float.infinity
                for (c, centre) in centres.enumerated() {
                    let d = colour.distance(to: centre)
                    if d < bestDistance {
                        bestDistance = d
                        best = c
                    }
                }
                assignment[index] = best
                sums[best].l += colour.l
                sums[best].a += colour.a
                sums[best].b += colour.b
                sums[best].n += 1
            }
            for c in centres.indices where sums[c].n > 0 {
                let n = Float(sums[c].n)
                centres[c] = LabColour(l: sums[c].l / n, a: sums[c].a / n, b: sums[c].b / n)
            }
        }
        var counts = [Int](repeating: 0, count: centres.count)
        for c in assignment { counts[c] += 1 }
        // Clusters that get the same name are one colour to a shopper: their shares add up, and the
        // largest of them gives the hex value.
        var byName: [String: (share: Float, centre: LabColour, largest: Float)] = [:]
        for (c, centre) in centres.enumerated() {
            let share = Float(counts[c]) / Float(samples.count)
            let name = ColourNames.nearest(centre)
            var entry = byName[name] ?? (0, centre, 0)
            entry.share += share
            if share > entry.largest { (entry.centre, entry.largest) = (centre, share) }
            byName[name] = entry
        }
        return byName.filter { $0.value.share >= minimumShare }
            .map { GarmentColour(name: $0.key, hex: $0.value.centre.hex, share: $0.value.share) }
            .sorted { $0.share > $1.share || ($0.share == $1.share && $0.name < $1.name) }
    }

    private func sample(_ image: PixelBuffer, box: NormalizedBox, segmentation: PersonSegmentation?) {
        samples.removeAll(keepingCapacity: true)
        guard image.width > 0, image.height > 0 else { return }
        let x0 = Int(box.x * Float(image.width))
        let y0 = Int(box.y * Float(image.height))
        let x1 = min(image.width, Int(((box.x + box.width) * Float(image.width)).rounded(.up)))
        let y1 = min(image.height, Int(((box.y + box.height) * Float(image.height)).rounded(.up)))
        guard x1 > x0, y1 > y0 else { return }
        let step = max(1, Int((Float((x1 - x0) * (y1 - y0)) / Float(maximumSamples)).squareRoot().rounded(.up)))
        let base = image.base.assumingMemoryBound(to: UInt8.self)
        var y = y0 + step / 2
        while y < y1 {
            var x = x0 + step / 2
            while x < x1 {
                if let segmentation {
                    let mx = min(segmentation.width - 1, x * segmentation.width / image.width)
                    let my = min(segmentation.height - 1, y * segmentation.height / image.height)
                    if !segmentation.isPerson(x: mx, y: my) {
                        x += step
                        continue
                    }
                }
                let pixel = base + y * image.stride + x * 4
                samples.append(LabColour(red: pixel[2], green: pixel[1], blue: pixel[0]))
                x += step
            }
            y += step
        }
    }

    /// Farthest-point seeding: the sample farthest from the mean, then each next farthest from all chosen.
    private func seed() -> [LabColour] {
        var mean = LabColour(l: 0, a: 0, b: 0)
        for colour in samples {
            mean.l += colour.l
            mean.a += colour.a
            mean.b += colour.b
        }
        let n = Float(samples.count)
        mean = LabColour(l: mean.l / n, a: mean.a / n, b: mean.b / n)
        var centres: [LabColour] = []
        var nearest = samples.map { $0.distance(to: mean) }
        for _ in 0..<clusters {
            guard let far = nearest.indices.max(by: { nearest[$0] < nearest[$1] }), nearest[far] > 0 || centres.isEmpty
            else { break }
            let centre = samples[far]
            centres.append(centre)
            for index in samples.indices { nearest[index] = min(nearest[index], samples[index].distance(to: centre)) }
        }
        return centres
    }
}
