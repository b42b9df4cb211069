import ArgumentParser
import CCairo
import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import MirrorProtocol
import MirrorSuggest
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
/// - Prints top-1 and top-5 SKU accuracy per condition, then three category confusion tables of the
///   rendered garments side by side (true category → the category decided on the clean photo): the
///   taxonomy's ImageNet mapping alone, and with the catalog's vote (``CatalogVote``, decided as in
///   `GarmentAnalyzer`) with the photo's own SKU left out of the catalog (its other 3 colours stay) and
///   with its whole design (all 4 colours) left out; so the vote never sees the photo itself. Then
///   per-category accuracy of each, and under the camera conditions (with the garment's own photo in the
///   catalog, as for a shopper trying the store's item, and with its design left out).
/// - `--tune` instead sweeps the vote's parameters on another set, the demo catalog
///   (`config/catalog`: 37 SKUs of 15 styles in 12 categories), each photo clean and under the 7
///   conditions, with its own photo in the catalog and with its style left out; the defaults of
///   ``CatalogVote`` are the rule it chooses.
struct Retrieval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Catalog retrieval top-1/top-5 under camera conditions, and the category confusion tables (ImageNet "
            + "mapping alone and with the catalog vote).")

    @Option(help: "The model manifest.") var manifest = "models/efficientnet-lite0.json"
    @Option(help: "Folder of the real photos added to the catalog.") var photos = "Tests/MirrorVisionTests/Fixtures"
    @Flag(help: "Sweep the catalog vote's parameters on the demo catalog (the tuning set) instead.") var tune = false
    @Option(help: "The catalog folder (catalog.json, photos/) --tune uses.") var tuningCatalog = "config/catalog"
    @Option(help: "How many of the best rules --tune lists.") var rows = 20

    enum Condition: String, CaseIterable {
        case perspective, lighting, blur, jpeg, mirror, occlusion, all
    }

    func run() throws {
        let model = try VisionModel.load(manifest: manifest)
        let analyzer = try GarmentAnalyzer(model: model)
        if tune { return try Self.tune(analyzer, catalog: tuningCatalog, rows: rows) }
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
        var embeddings: [[Float]] = []
        for item in items {
            embeddings.append(try analyzer.embed(item.image))
            try index.add(sku: item.sku, embedding: embeddings[embeddings.count - 1])
        }
        analyzer.catalogCategories = Dictionary(
            uniqueKeysWithValues: items.compactMap { item in item.category.map { (item.sku, $0) } })

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

        // Categories: the ImageNet mapping alone and with the catalog's vote, which must not see the query's
        // own photo (it would be its own nearest item): its SKU, or its whole design, is left out.
        func catalog(without leftOut: (Int) -> Bool) throws -> CatalogIndex {
            var reduced = CatalogIndex(dimension: index.dimension)
            for (i, item) in items.enumerated() where !leftOut(i) {
                try reduced.add(sku: item.sku, embedding: embeddings[i])
            }
            return reduced
        }
        var withoutDesign: [String: CatalogIndex] = [:]
        for item in items where withoutDesign[design(item.sku)] == nil {
            withoutDesign[design(item.sku)] = try catalog { design(items[$0].sku) == design(item.sku) }
        }
        let rendered = items.indices.filter { items[$0].category != nil }
        var imageNet = Confusion()
        var ownLeftOut = Confusion()
        var designLeftOut = Confusion()
        for i in rendered {
            let truth = items[i].category!
            analyzer.catalog = try catalog { $0 == i }
            let own = try analyzer.recognise(items[i].image)
            analyzer.catalog = withoutDesign[design(items[i].sku)]
            let away = try analyzer.recognise(items[i].image)
            imageNet.add(truth, own.imageNet?.category)
            ownLeftOut.add(truth, own.decision)
            designLeftOut.add(truth, away.decision)
        }
        var camera = (imageNet: Confusion(), inCatalog: Confusion(), designLeftOut: Confusion())
        for condition in Condition.allCases {
            for i in rendered {
                let truth = items[i].category!
                let view = try Self.view(items[i].image, condition, encoder: encoder, decoder: decoder)
                analyzer.catalog = index
                let seen = try analyzer.recognise(view)
                analyzer.catalog = withoutDesign[design(items[i].sku)]
                let away = try analyzer.recognise(view)
                camera.imageNet.add(truth, seen.imageNet?.category)
                camera.inCatalog.add(truth, seen.decision)
                camera.designLeftOut.add(truth, away.decision)
            }
        }
        analyzer.catalog = index

        let vote = analyzer.categoryVote
        print(
            "\ncategory confusion of the rendered garments (rows: true category, 12 each; columns: the category "
                + "decided on the clean photo)\n"
                + "1: the taxonomy's ImageNet mapping alone; 2: with the catalog vote, the photo's own SKU left out of "
                + "the catalog; 3: with the catalog vote, its whole design (all 4 colours) left out\n"
                + String(
                    format: "vote: agreement %.2f, margin %.2f, %d vote(s), over the top %d matches at cosine >= %.2f",
                    vote.agreement, vote.margin, vote.minimumVotes, analyzer.matchCount, analyzer.matchThreshold))
        Confusion.printSideBySide(
            [
                ("1 ImageNet alone", imageNet), ("2 vote, SKU left out", ownLeftOut),
                ("3 vote, design left out", designLeftOut),
            ],
            rows: categories)
        print(
            "\nper-category accuracy".padding(toLength: 50, withPad: " ", startingAt: 0)
                + (categories.map(\.rawValue) + ["all", "by catalog"]).map {
                    $0.padding(toLength: 11, withPad: " ", startingAt: 0)
                }
                .joined())
        let lines: [(String, Confusion)] = [
            ("clean photo, ImageNet mapping alone", imageNet),
            ("clean photo, vote, own SKU left out", ownLeftOut),
            ("clean photo, vote, design left out", designLeftOut),
            ("7 camera conditions, ImageNet mapping alone", camera.imageNet),
            ("7 camera conditions, vote, own photo in catalog", camera.inCatalog),
            ("7 camera conditions, vote, design left out", camera.designLeftOut),
        ]
        for (title, confusion) in lines { print(confusion.accuracyLine(title, rows: categories)) }
    }

    /// Sweeps ``CatalogVote``'s parameters on the demo catalog's photos (not the bench's garments): each
    /// photo clean and under the 7 camera conditions, with its own photo in the catalog and with its style
    /// (all its colours) left out; prints the ImageNet mapping's accuracy and the best rules'.
    static func tune(_ analyzer: GarmentAnalyzer, catalog folder: String, rows: Int) throws {
        let catalog = try CatalogFolder(folder).loadCatalog()
        let decoder = try JPEGDecoder()
        let encoder = try JPEGEncoder()
        var photos: [(item: CatalogItem, image: PixelBuffer, embedding: [Float])] = []
        for item in catalog.items {
            let path = "\(folder)/photos/\(item.sku).jpg"
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let image = PixelBuffer()
            _ = try [UInt8](data).withUnsafeBytes { try decoder.decode($0, into: image) }
            photos.append((item, image, try analyzer.embed(image)))
        }
        func index(without style: String?) throws -> CatalogIndex {
            var index = CatalogIndex(dimension: analyzer.backbone.embeddingCount)
            for photo in photos where photo.item.style != style {
                try index.add(sku: photo.item.sku, embedding: photo.embedding)
            }
            return index
        }
        let full = try index(without: nil)
        var withoutStyle: [String: CatalogIndex] = [:]
        for photo in photos where withoutStyle[photo.item.style] == nil {
            withoutStyle[photo.item.style] = try index(without: photo.item.style)
        }
        analyzer.catalogCategories = Dictionary(
            catalog.items.map { ($0.sku, $0.category) }, uniquingKeysWith: { first, _ in first })
        typealias Query = (truth: GarmentCategory, seen: GarmentAnalyzer.Recognition, away: GarmentAnalyzer.Recognition)
        var queries: [Query] = []
        for photo in photos {
            for condition in [nil] + Condition.allCases {
                let view =
                    try condition.map { try Self.view(photo.image, $0, encoder: encoder, decoder: decoder) }
                    ?? photo.image
                analyzer.catalog = full
                let seen = try analyzer.recognise(view)
                analyzer.catalog = withoutStyle[photo.item.style]
                let away = try analyzer.recognise(view)
                queries.append((photo.item.category, seen, away))
            }
        }
        let categories = analyzer.catalogCategories
        let threshold = analyzer.matchThreshold
        print(
            "tuning set: \(photos.count) demo catalog photos (\(Set(photos.map(\.item.style)).count) styles) × "
                + "(clean + 7 conditions) = \(queries.count) queries, each with its own photo in the catalog "
                + "(\"in\") and with its style left out (\"out\"); k \(analyzer.matchCount), threshold \(threshold)")
        struct Score {
            var vote: CatalogVote?
            var seen = 0
            var away = 0
            /// Right ImageNet answers the vote turned wrong.
            var spoiled = 0
            /// Decisions the catalog made.
            var byCatalog = 0
            var right: Int { seen + away }
        }
        func score(_ vote: CatalogVote?) -> Score {
            var result = Score(vote: vote)
            for query in queries {
                for (away, recognition) in [(false, query.seen), (true, query.away)] {
                    let decision = vote?.decide(
                        candidates: recognition.candidates, threshold: threshold, categoryOf: { categories[$0] },
                        imageNet: recognition.imageNet)
                    let category = decision.map(\.category) ?? recognition.imageNet?.category
                    if category == query.truth {
                        if away { result.away += 1 } else { result.seen += 1 }
                    } else if recognition.imageNet?.category == query.truth {
                        result.spoiled += 1
                    }
                    if decision?.source == .catalog { result.byCatalog += 1 }
                }
            }
            return result
        }
        var results: [Score] = []
        for agreement: Float in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            for margin: Float in [0, 0.02, 0.05, 0.1, 0.15, 0.2] {
                for votes in 1...3 {
                    results.append(score(CatalogVote(agreement: agreement, margin: margin, minimumVotes: votes)))
                }
            }
        }
        // The one-standard-error rule: of the rules whose right answers lie within one standard error of the
        // best, the one that lets the catalog decide least often (ties: more right, then the stricter rule).
        let answers = 2 * queries.count
        let best = results.map(\.right).max() ?? 0
        let p = Double(best) / Double(answers)
        let standardError = (p * (1 - p) / Double(answers)).squareRoot() * Double(answers)
        func strictness(_ score: Score) -> (Float, Float, Int) {
            (score.vote!.margin, score.vote!.agreement, score.vote!.minimumVotes)
        }
        let chosen = results.filter { Double($0.right) >= Double(best) - standardError }.min {
            ($0.byCatalog, $1.right) < ($1.byCatalog, $0.right)
                || ($0.byCatalog == $1.byCatalog && $0.right == $1.right && strictness($0) > strictness($1))
        }!
        results.sort { ($0.right, -$0.byCatalog) > ($1.right, -$1.byCatalog) }
        func line(_ score: Score, _ note: String = "") -> String {
            let rule =
                score.vote.map { String(format: "%9.2f  %6.2f  %5d", $0.agreement, $0.margin, $0.minimumVotes) }
                ?? "ImageNet mapping alone "
            return rule
                + String(
                    format: "  %4d  %4d  %5d  %7d  %8d", score.seen, score.away, score.right, score.byCatalog,
                    score.spoiled)
                + note
        }
        print(
            "agreement  margin  votes    in   out  right  catalog  spoiled   (of \(queries.count) in, \(queries.count) out)"
        )
        print(line(score(nil)))
        for result in results.prefix(rows) {
            print(line(result, result.vote == chosen.vote ? "   <- chosen" : ""))
        }
        print(
            String(format: "best %d right; one standard error %.1f; ", best, standardError)
                + "chosen (within it, fewest catalog decisions):")
        print(line(chosen))
        let defaults = score(CatalogVote())
        print(line(defaults, "   (CatalogVote's defaults)"))
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

/// A confusion table of categories: true category → what was decided ("none": no category).
struct Confusion {
    var counts: [GarmentCategory: [String: Int]] = [:]
    /// How many decisions the catalog's vote made.
    var byCatalog = 0
    var total = 0

    mutating func add(_ truth: GarmentCategory, _ predicted: GarmentCategory?) {
        counts[truth, default: [:]][predicted?.rawValue ?? "none", default: 0] += 1
        total += 1
    }

    mutating func add(_ truth: GarmentCategory, _ decision: CatalogVote.Decision) {
        add(truth, decision.category)
        if decision.source == .catalog { byCatalog += 1 }
    }

    func right(_ category: GarmentCategory) -> (right: Int, of: Int) {
        (counts[category]?[category.rawValue] ?? 0, counts[category]?.values.reduce(0, +) ?? 0)
    }

    func accuracyLine(_ title: String, rows: [GarmentCategory]) -> String {
        let cells = rows.map { category in
            let found = self.right(category)
            return "\(found.right)/\(found.of)"
        }
        let correct = rows.map { self.right($0).right }.reduce(0, +)
        return title.padding(toLength: 50, withPad: " ", startingAt: 0)
            + (cells + [
                String(format: "%.1f %%", 100 * Double(correct) / Double(max(1, total))), "\(byCatalog)/\(total)",
            ])
            .map { $0.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined()
    }

    /// Tables with the same columns (every category any of them decided, and "none"), side by side;
    /// columns are named by their first five letters.
    static func printSideBySide(_ tables: [(title: String, table: Confusion)], rows: [GarmentCategory]) {
        let columns = (GarmentCategory.allCases.map(\.rawValue) + ["none"]).filter { column in
            tables.contains { $0.table.counts.values.contains { ($0[column] ?? 0) > 0 } }
        }
        func cell(_ text: String, _ width: Int = 6) -> String {
            text.padding(toLength: width, withPad: " ", startingAt: 0)
        }
        let width = columns.count * 6
        print(cell("", 10) + tables.map { cell($0.title, width) }.joined(separator: " | "))
        print(
            cell("", 10)
                + tables.map { _ in columns.map { cell(String($0.prefix(5))) }.joined() }.joined(separator: " | "))
        for category in rows {
            print(
                cell(category.rawValue, 10)
                    + tables.map { entry in
                        columns.map { cell(String(entry.table.counts[category]?[$0] ?? 0)) }.joined()
                    }
                    .joined(separator: " | "))
        }
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
