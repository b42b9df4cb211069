public import MirrorCore
public import MirrorImaging

/// What one analysed frame shows.
public struct FrameAnalysis: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        /// A person is in view; `observations` holds their garments.
        case person
        /// The view matches the empty room.
        case empty
        /// The frame is too dark or flat to see anything (lens covered, lights off).
        case blank
        /// Nearly the whole view differs from the calibration (camera moved, room rearranged): recalibrate.
        case viewChanged
    }

    public var verdict: Verdict
    public var person: NormalizedBox?
    public var observations: [GarmentObservation]

    public static func nothing(_ verdict: Verdict) -> FrameAnalysis {
        FrameAnalysis(verdict: verdict, person: nil, observations: [])
    }
}

/// The garment pipeline on one decoded frame: person region from the background model, garment
/// regions, then per region the backbone (category and embedding), catalog matches (whose categories
/// vote on the region's, see ``CatalogVote``) and colours.
///
/// Owned by one worker (it keeps scratch buffers); the backbone inside it is shared safely.
public final class GarmentAnalyzer {
    public let model: VisionModel
    public let backbone: Backbone
    public var background: BackgroundModel?
    public var catalog: CatalogIndex?
    /// Catalog matches below this cosine similarity are not reported.
    public var matchThreshold: Float = 0.55
    public var matchCount = 5
    /// The catalog items' categories, by SKU, for the catalog's vote on a region's category.
    public var catalogCategories: [String: GarmentCategory] = [:]
    /// When the catalog's matches decide a region's category instead of the ImageNet mapping.
    public var categoryVote = CatalogVote()
    private let colours = DominantColours()
    private var embedding: [Float]

    public init(model: VisionModel, threads: Int = 1) throws(VisionError) {
        self.model = model
        backbone = try Backbone(model: model.file, threads: threads)
        embedding = [Float](repeating: 0, count: backbone.embeddingCount)
    }

    /// The unit-length embedding of `box` in `image` (catalog photos use the whole image).
    public func embed(_ image: PixelBuffer, box: NormalizedBox = NormalizedBox(x: 0, y: 0, width: 1, height: 1))
        throws -> [Float]
    {
        let size = backbone.inputShape.height
        try backbone.run { input in
            try Preprocess.fill(input, size: size, from: image, box: box)
        } read: { outputs in
            guard Embedding.normalise(outputs.embedding, into: &embedding) else {
                throw VisionError(.input, "the image gives no usable embedding")
            }
        }
        return embedding
    }

    /// Only the person's silhouette (no garments): cheap enough for every frame while recording. Nil
    /// when nobody is in view or the frame cannot be used.
    public func silhouette(_ image: PixelBuffer) -> PersonSegmentation? {
        guard let background, image.width >= background.width, image.height >= background.height,
            !Self.isBlank(image), let segmentation = try? background.segment(image, adapt: false),
            segmentation.present, segmentation.area <= 0.85
        else { return nil }
        return segmentation
    }

    /// What the backbone makes of one region: the taxonomy's category, the catalog matches and the category
    /// decided from both (see ``CatalogVote``).
    public struct Recognition: Sendable {
        public var imageNet: (category: GarmentCategory, confidence: Float)?
        public var candidates: [SKUCandidate]
        public var decision: CatalogVote.Decision
    }

    /// Category and catalog matches of `box` in `image` (one backbone run): the ImageNet mapping's category,
    /// replaced by the catalog's when the nearest catalog items agree on theirs.
    public func recognise(_ image: PixelBuffer, box: NormalizedBox = NormalizedBox(x: 0, y: 0, width: 1, height: 1))
        throws(VisionError) -> Recognition
    {
        let size = backbone.inputShape.height
        let (category, candidates): ((category: GarmentCategory, confidence: Float)?, [SKUCandidate])
        do {
            (category, candidates) = try backbone.run { input in
                try Preprocess.fill(input, size: size, from: image, box: box)
            } read: { outputs in
                let category = model.taxonomy.category(logits: outputs.logits)
                guard Embedding.normalise(outputs.embedding, into: &embedding), let catalog else {
                    return (category, [])
                }
                return (category, catalog.search(embedding, k: matchCount, threshold: matchThreshold))
            }
        } catch let error as VisionError {
            throw error
        } catch {
            throw VisionError(.runtime, "\(error)")
        }
        let categories = catalogCategories
        let decision = categoryVote.decide(
            candidates: candidates, threshold: matchThreshold, categoryOf: { categories[$0] }, imageNet: category)
        return Recognition(imageNet: category, candidates: candidates, decision: decision)
    }

    /// Analyses one frame; throws only when the background is not calibrated or the frame is unusable.
    public func analyze(_ image: PixelBuffer) throws(VisionError) -> FrameAnalysis {
        guard let background else {
            throw VisionError(.notCalibrated, "the empty view is not calibrated yet (run mirrorctl calibrate)")
        }
        guard image.width >= background.width, image.height >= background.height else {
            throw VisionError(.input, "frame of \(image.width)x\(image.height) is too small to analyse")
        }
        if Self.isBlank(image) { return .nothing(.blank) }
        let segmentation = try background.segment(image)
        if segmentation.area > 0.85 { return .nothing(.viewChanged) }
        guard segmentation.present else { return .nothing(.empty) }
        var observations: [GarmentObservation] = []
        for (region, box) in GarmentRegions.boxes(person: segmentation.box) {
            let recognised = try recognise(image, box: box)
            observations.append(
                GarmentObservation(
                    region: region, box: box, category: recognised.decision.category,
                    categoryConfidence: recognised.decision.confidence,
                    colours: colours.colours(in: image, box: box, segmentation: segmentation),
                    candidates: recognised.candidates))
        }
        return FrameAnalysis(verdict: .person, person: segmentation.box, observations: observations)
    }

    /// Whether `image` is too dark or too flat to analyse: mean luma under 12, or almost no variation,
    /// on a sparse grid of pixels.
    static func isBlank(_ image: PixelBuffer) -> Bool {
        let base = image.base.assumingMemoryBound(to: UInt8.self)
        var sum = 0
        var squares = 0
        var n = 0
        let step = max(1, min(image.width, image.height) / 32)
        for y in stride(from: 0, to: image.height, by: step) {
            for x in stride(from: 0, to: image.width, by: step) {
                let pixel = base + y * image.stride + x * 4
                let luma = (Int(pixel[2]) * 77 + Int(pixel[1]) * 150 + Int(pixel[0]) * 29) >> 8
                sum += luma
                squares += luma * luma
                n += 1
            }
        }
        guard n > 0 else { return true }
        let mean = Double(sum) / Double(n)
        let variance = Double(squares) / Double(n) - mean * mean
        return mean < 12 || variance < 4
    }
}
