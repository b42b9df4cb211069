/// The retail taxonomy garments are sorted into (the model's ImageNet classes map onto it).
public enum GarmentCategory: String, Sendable, Codable, CaseIterable {
    case tops
    case knitwear
    case shirts
    case dresses
    case skirts
    case trousers
    case outerwear
    case suits
    case swimwear
    case footwear
    case bags
    case accessories
}

/// Which part of the person a garment region covers.
public enum GarmentRegion: String, Sendable, Codable, CaseIterable {
    /// Shoulders to hips: tops, shirts, knitwear, jackets.
    case upperBody = "upper-body"
    /// Hips to ankles: trousers, skirts.
    case lowerBody = "lower-body"
    /// Shoulders to ankles: dresses, coats, suits.
    case fullLength = "full-length"
}

/// A rectangle in normalised image coordinates: 0…1 across the frame, origin top left.
public struct NormalizedBox: Sendable, Hashable, Codable {
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float

    public init(x: Float, y: Float, width: Float, height: Float) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Float { max(0, width) * max(0, height) }

    /// The box limited to the frame (0…1 on both axes); empty when it lies outside.
    public var clamped: NormalizedBox {
        let x0 = min(max(x, 0), 1)
        let y0 = min(max(y, 0), 1)
        let x1 = min(max(x + width, 0), 1)
        let y1 = min(max(y + height, 0), 1)
        return NormalizedBox(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }
}

/// A dominant colour of a garment: its name from the colour table and the share of the region's pixels.
public struct GarmentColour: Sendable, Hashable, Codable {
    /// A shopper-facing name ("navy", "camel", "burgundy").
    public var name: String
    /// The sRGB value of the cluster centre, as `#rrggbb`.
    public var hex: String
    /// Fraction of the region's person pixels in this cluster, 0…1.
    public var share: Float

    public init(name: String, hex: String, share: Float) {
        self.name = name
        self.hex = hex
        self.share = share
    }
}

/// A catalog item a garment may be, with the cosine similarity of their embeddings.
public struct SKUCandidate: Sendable, Hashable, Codable {
    public var sku: String
    /// Cosine similarity, −1…1; only candidates above the catalog's threshold are reported.
    public var score: Float

    public init(sku: String, score: Float) {
        self.sku = sku
        self.score = score
    }
}

/// What the mirror recognised in one garment region, over a frame or (voted) over a clip.
public struct GarmentObservation: Sendable, Hashable, Codable {
    public var region: GarmentRegion
    /// Where the garment is, for the UI's crop.
    public var box: NormalizedBox
    /// The category, or nil when no category is confident enough.
    public var category: GarmentCategory?
    /// Confidence of `category`, 0…1.
    public var categoryConfidence: Float
    /// Dominant colours, largest share first.
    public var colours: [GarmentColour]
    /// Catalog matches, best first.
    public var candidates: [SKUCandidate]
    /// How many analysed frames agree with this observation (1 for a single frame).
    public var frames: Int

    public init(
        region: GarmentRegion, box: NormalizedBox, category: GarmentCategory?, categoryConfidence: Float,
        colours: [GarmentColour], candidates: [SKUCandidate], frames: Int = 1
    ) {
        self.region = region
        self.box = box
        self.category = category
        self.categoryConfidence = categoryConfidence
        self.colours = colours
        self.candidates = candidates
        self.frames = frames
    }
}
