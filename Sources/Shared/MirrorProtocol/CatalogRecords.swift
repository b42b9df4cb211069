public import MirrorCore

/// One sellable item: a style (the design) in one colour, with its sizes.
public struct CatalogItem: Codable, Sendable, Hashable {
    public var sku: String
    /// The design: SKUs of one style differ only in colour.
    public var style: String
    public var name: String
    public var brand: String
    /// Price in minor units of the catalog's currency (cents).
    public var price: Int
    public var category: GarmentCategory
    /// The colour's shopper-facing name, from the vision core's colour table ("navy", "rust").
    public var colour: String
    /// The colour as `#rrggbb`, for swatches.
    public var hex: String
    /// Sizes in display order.
    public var sizes: [String]
    /// Styles that complete an outfit with this one (the merchandisers' outfit links).
    public var goesWith: [String]
    /// The barcode on each size's price tag (EAN-13, UPC-A as EAN-13 with a leading zero, or Code 128), by size:
    /// how the mirror knows exactly which SKU and size a shopper tries when the tag is held up to it.
    public var barcodes: [String: String]?

    /// The garment's one name wherever the mirror names it (the recognised chips, its card, a look's caption, the
    /// reasons, a staff request): the style's name and the colour, "Ribbed Crew Jumper, rust".
    public var fullName: String { "\(name), \(colour)" }

    public init(
        sku: String, style: String, name: String, brand: String, price: Int, category: GarmentCategory,
        colour: String, hex: String, sizes: [String], goesWith: [String] = [], barcodes: [String: String]? = nil
    ) {
        self.sku = sku
        self.style = style
        self.name = name
        self.brand = brand
        self.price = price
        self.category = category
        self.colour = colour
        self.hex = hex
        self.sizes = sizes
        self.goesWith = goesWith
        self.barcodes = barcodes
    }

    /// `hex` as 0xRRGGBB (grey when malformed).
    public var rgb: UInt32 { UInt32(hex.dropFirst(), radix: 16) ?? 0x808080 }
}

/// How often two styles were bought together (from the hub's purchase history).
public struct CoPurchase: Codable, Sendable, Hashable {
    public var styles: [String]
    public var count: Int

    public init(_ first: String, _ second: String, count: Int) {
        styles = [first, second]
        self.count = count
    }
}

/// Stock of one store: units per SKU and size.
public struct Inventory: Codable, Sendable, Equatable {
    public var store: String
    public var stock: [String: [String: Int]]

    public init(store: String, stock: [String: [String: Int]] = [:]) {
        self.store = store
        self.stock = stock
    }

    public func units(_ sku: String, size: String) -> Int { stock[sku]?[size] ?? 0 }

    /// In stock in `size`, or in any size when `size` is nil.
    public func inStock(_ sku: String, size: String?) -> Bool {
        if let size { return units(sku, size: size) > 0 }
        return stock[sku]?.values.contains { $0 > 0 } ?? false
    }
}

/// What head office knows of a shopper who identified at the mirror (loyalty code, never the face).
public struct ShopperProfile: Codable, Sendable, Equatable {
    public var loyaltyID: String
    /// Sizes per category ("knitwear": "M", "trousers": "32").
    public var sizes: [String: String]
    /// Colours the shopper likes, by name.
    public var colours: [String]
    public var dislikes: Dislikes
    /// SKUs bought before.
    public var purchases: [String]
    /// Looks saved at a mirror, oldest first (absent in older profile files: none).
    public var savedLooks: [SavedLook]

    /// A look the shopper saved to their profile at a mirror: which clip (kept on that mirror), where, when, and
    /// the garments recognised in it. Never the video itself.
    public struct SavedLook: Codable, Sendable, Equatable {
        public var id: String
        public var store: String
        public var atMillis: Int64
        public var garments: [String]

        public init(id: String, store: String, atMillis: Int64, garments: [String]) {
            self.id = id
            self.store = store
            self.atMillis = atMillis
            self.garments = garments
        }
    }

    enum CodingKeys: String, CodingKey {
        case loyaltyID, sizes, colours, dislikes, purchases, savedLooks
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        loyaltyID = try container.decode(String.self, forKey: .loyaltyID)
        sizes = try container.decode([String: String].self, forKey: .sizes)
        colours = try container.decode([String].self, forKey: .colours)
        dislikes = try container.decode(Dislikes.self, forKey: .dislikes)
        purchases = try container.decode([String].self, forKey: .purchases)
        savedLooks = try container.decodeIfPresent([SavedLook].self, forKey: .savedLooks) ?? []
    }

    public struct Dislikes: Codable, Sendable, Equatable {
        public var colours: [String]
        public var categories: [String]
        public var brands: [String]
        public var skus: [String]

        public init(colours: [String] = [], categories: [String] = [], brands: [String] = [], skus: [String] = []) {
            self.colours = colours
            self.categories = categories
            self.brands = brands
            self.skus = skus
        }
    }

    public init(
        loyaltyID: String, sizes: [String: String] = [:], colours: [String] = [], dislikes: Dislikes = .init(),
        purchases: [String] = []
    ) {
        self.loyaltyID = loyaltyID
        self.sizes = sizes
        self.colours = colours
        self.dislikes = dislikes
        self.purchases = purchases
        savedLooks = []
    }

    public func size(for category: GarmentCategory) -> String? { sizes[category.rawValue] }

    /// Whether the shopper said no to this item, its colour, category or brand.
    public func dislikes(_ item: CatalogItem) -> Bool {
        dislikes.skus.contains(item.sku) || dislikes.colours.contains(item.colour)
            || dislikes.categories.contains(item.category.rawValue) || dislikes.brands.contains(item.brand)
    }
}
