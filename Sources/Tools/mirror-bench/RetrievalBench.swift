import ArgumentParser
import CCairo
import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorTesting
import MirrorVision

/// Retrieval quality of the catalog matching, on a set this program makes and states exactly:
///
/// - Catalog: 60 rendered garment photos (5 categories — tops, trousers, dresses, skirts, outerwear — ×
///   4 colours × 3 patterns: solid, stripes, checks) on a white studio background, plus the 4 real
///   photos of the vision test fixtures, each a separate SKU (64 SKUs).
/// - Queries: every catalog image seen through 7 camera conditions: an affine "perspective" (shear,
///   rotation, scale; Cairo has no projective transform), store lighting (70 % brightness, warm cast),
///   a 5×5 box blur, JPEG at quality 30, a mirror flip, partial occlusion (a skin-toned arm across a
///   quarter of the garment), and all of these at once.
/// - Prints top-1 and top-5 SKU accuracy per condition, and the category confusion table of the
///   rendered garments (true category → the taxonomy's category on the clean photo).
struct Retrieval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Catalog retrieval top-1/top-5 under camera conditions, and the category confusion table.")

    @Option(help: "The model manifest.") var manifest = "models/efficientnet-lite0.json"
    @Option(help: "Folder of the real photos added to the catalog.") var photos = "Tests/MirrorVisionTests/Fixtures"

    enum Condition: String, CaseIterable {
        case perspective, lighting, blur, jpeg, mirror, occlusion, all
    }

    func run() throws {
        let model = try VisionModel.load(manifest: manifest)
        let analyzer = try GarmentAnalyzer(model: model)
        var items: [(sku: String, category: GarmentCategory?, image: PixelBuffer)] = []
        let colours: [(String, Double, Double, Double)] = [
            ("navy", 0.10, 0.14, 0.32), ("red", 0.78, 0.12, 0.14), ("camel", 0.75, 0.57, 0.37),
            ("black", 0.08, 0.08, 0.09),
        ]
        let categories: [GarmentCategory] = [.tops, .trousers, .dresses, .skirts, .outerwear]
        for category in categories {
            for colour in colours {
                for pattern in ["solid", "stripes", "checks"] {
                    let image = PixelBuffer(width: 256, height: 256)
                    GarmentArt.draw(category, colour: (colour.1, colour.2, colour.3), pattern: pattern, into: image)
                    items.append(("\(category.rawValue)-\(colour.0)-\(pattern)", category, image))
                }
            }
        }
        for name in ["astronaut", "coffee", "chelsea", "grace-hopper"] {
            let image = PixelBuffer()
            try PNGReader.read("\(photos)/photo-\(name).png", into: image)
            items.append(("photo-\(name)", nil, image))
        }

        var index = CatalogIndex(dimension: analyzer.backbone.embeddingCount)
        var confusion: [GarmentCategory: [String: Int]] = [:]
        for item in items {
            try index.add(sku: item.sku, embedding: analyzer.embed(item.image))
            guard let truth = item.category else { continue }
            let predicted = try analyzer.backbone.run { input in
                try Preprocess.fill(input, size: 224, from: item.image, box: .init(x: 0, y: 0, width: 1, height: 1))
            } read: { outputs in
                model.taxonomy.category(logits: outputs.logits)?.category.rawValue ?? "none"
            }
            confusion[truth, default: [:]][predicted, default: 0] += 1
        }

        let encoder = try JPEGEncoder()
        let decoder = try JPEGDecoder()
        print("catalog: \(items.count) SKUs (60 rendered garments, 4 real photos); queries: each SKU per condition")
        // "Same design": the first match has the right shape and pattern, in any of the 4 colours.
        func design(_ sku: String) -> String {
            let parts = sku.split(separator: "-")
            return parts.count == 3 ? "\(parts[0])-\(parts[2])" : sku
        }
        print("condition     top-1    top-5    top-1 same design")
        var totals = (top1: 0, top5: 0, design: 0, count: 0)
        for condition in Condition.allCases {
            var top1 = 0
            var top5 = 0
            var sameDesign = 0
            for item in items {
                let view = try Self.view(item.image, condition, encoder: encoder, decoder: decoder)
                let found = index.search(try analyzer.embed(view), k: 5).map(\.sku)
                if found.first == item.sku { top1 += 1 }
                if found.contains(item.sku) { top5 += 1 }
                if let first = found.first, design(first) == design(item.sku) { sameDesign += 1 }
            }
            totals = (
                totals.top1 + top1, totals.top5 + top5, totals.design + sameDesign, totals.count + items.count
            )
            print(
                condition.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(
                        format: "%5.1f %%  %5.1f %%  %5.1f %%", 100 * Double(top1) / Double(items.count),
                        100 * Double(top5) / Double(items.count), 100 * Double(sameDesign) / Double(items.count)))
        }
        print(
            String(
                format: "overall       %5.1f %%  %5.1f %%  %5.1f %%", 100 * Double(totals.top1) / Double(totals.count),
                100 * Double(totals.top5) / Double(totals.count), 100 * Double(totals.design) / Double(totals.count)))

        let columns = GarmentCategory.allCases.map(\.rawValue) + ["none"]
        let seen = columns.filter { column in confusion.values.contains { ($0[column] ?? 0) > 0 } }
        print(
            "\ncategory confusion (rows: rendered category, 12 each; columns: taxonomy's category on the clean photo)")
        print(
            "".padding(toLength: 11, withPad: " ", startingAt: 0)
                + seen.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        for category in categories {
            print(
                category.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + seen.map {
                        String(confusion[category]?[$0] ?? 0).padding(toLength: 12, withPad: " ", startingAt: 0)
                    }
                    .joined())
        }
    }

    /// `image` as the camera would see it under `condition`.
    static func view(_ image: PixelBuffer, _ condition: Condition, encoder: JPEGEncoder, decoder: JPEGDecoder) throws
        -> PixelBuffer
    {
        var out = copy(image)
        let steps: [Condition] =
            condition == .all ? [.perspective, .lighting, .occlusion, .mirror, .blur, .jpeg] : [condition]
        for step in steps {
            switch step {
            case .perspective: out = GarmentArt.warp(out)
            case .lighting: GarmentArt.light(out)
            case .blur: out = GarmentArt.blur(out)
            case .jpeg:
                let bytes = try encoder.encode(out, quality: 30)
                _ = try bytes.withUnsafeBytes { try decoder.decode($0, into: out) }
            case .mirror: out = GarmentArt.flip(out)
            case .occlusion: GarmentArt.occlude(out)
            case .all: break
            }
        }
        return out
    }

    static func copy(_ image: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: image.width, height: image.height)
        out.base.copyMemory(from: image.base, byteCount: image.byteCount)
        return out
    }
}

/// Camera effects for the retrieval benchmark (Cairo and plain loops), on the garment drawings.
extension GarmentArt {
    /// Shear, rotation and scale about the centre (an affine stand-in for a camera's perspective).
    static func warp(_ image: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: image.width, height: image.height)
        withContext(out) { cr in
            let s = Double(image.width)
            cairo_set_source_rgb(cr, 0.97, 0.97, 0.96)
            cairo_paint(cr)
            cairo_translate(cr, s / 2, s / 2)
            cairo_rotate(cr, 0.12)
            var shear = cairo_matrix_t(xx: 1, yx: 0.08, xy: 0.12, yy: 1, x0: 0, y0: 0)
            cairo_transform(cr, &shear)
            cairo_scale(cr, 0.85, 0.9)
            cairo_translate(cr, -s / 2, -s / 2)
            let source = cairo_image_surface_create_for_data(
                image.base.assumingMemoryBound(to: UInt8.self), CAIRO_FORMAT_RGB24, Int32(image.width),
                Int32(image.height), Int32(image.stride))!
            cairo_set_source_surface(cr, source, 0, 0)
            cairo_paint(cr)
            cairo_surface_destroy(source)
        }
        return out
    }

    /// Store lighting: 70 % brightness with a warm cast.
    static func light(_ image: PixelBuffer) {
        for y in 0..<image.height {
            let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt8.self)
            for x in 0..<image.width {
                let p = row + x * 4
                p[2] = UInt8(min(255, Double(p[2]) * 0.75))
                p[1] = UInt8(min(255, Double(p[1]) * 0.68))
                p[0] = UInt8(min(255, Double(p[0]) * 0.58))
            }
        }
    }

    /// A 5×5 box blur.
    static func blur(_ image: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: image.width, height: image.height)
        for y in 0..<image.height {
            for x in 0..<image.width {
                var sums = (0, 0, 0)
                var n = 0
                for dy in -2...2 {
                    for dx in -2...2 {
                        let sx = min(max(x + dx, 0), image.width - 1)
                        let sy = min(max(y + dy, 0), image.height - 1)
                        let pixel = image.pixel(x: sx, y: sy)
                        sums = (
                            sums.0 + Int(pixel >> 16 & 0xff), sums.1 + Int(pixel >> 8 & 0xff),
                            sums.2 + Int(pixel & 0xff)
                        )
                        n += 1
                    }
                }
                let value = UInt32(sums.0 / n) << 16 | UInt32(sums.1 / n) << 8 | UInt32(sums.2 / n)
                (out.base + y * out.stride).assumingMemoryBound(to: UInt32.self)[x] = value
            }
        }
        return out
    }

    static func flip(_ image: PixelBuffer) -> PixelBuffer {
        let out = PixelBuffer(width: image.width, height: image.height)
        for y in 0..<image.height {
            let from = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
            let to = (out.base + y * out.stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<image.width { to[x] = from[image.width - 1 - x] }
        }
        return out
    }

    /// A skin-toned arm across the lower left quarter.
    static func occlude(_ image: PixelBuffer) {
        withContext(image) { cr in
            let s = Double(image.width)
            cairo_set_source_rgb(cr, 0.80, 0.62, 0.50)
            cairo_move_to(cr, 0, 0.55 * s)
            cairo_line_to(cr, 0.55 * s, 0.75 * s)
            cairo_line_to(cr, 0.55 * s, 0.9 * s)
            cairo_line_to(cr, 0, 0.75 * s)
            cairo_close_path(cr)
            cairo_fill(cr)
        }
    }
}
