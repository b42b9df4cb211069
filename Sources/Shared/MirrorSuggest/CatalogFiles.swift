public import Foundation
public import MirrorCore
public import MirrorProtocol

/// What went wrong reading the catalog folder; the message names the file and the field.
public enum SuggestErrorCode: String, Sendable {
    /// A file could not be read.
    case unreadable
    /// A file is not what it should hold (not JSON, a field missing or of the wrong kind, an SKU twice).
    case invalid
}

public typealias SuggestError = MirrorError<SuggestErrorCode>

/// The device's cached shop data, as files in one folder (written by `mirror-devtool render-catalog` for
/// the demo; by sync from the hub in a store):
///
/// - `catalog.json`: `{"currency", "items": [CatalogItem], "coPurchase": [{"styles": [a, b], "count"}]}`
/// - `inventory.json`: `{"store", "stock": {sku: {size: units}}}`
/// - `profiles.json`: `{"profiles": [ShopperProfile]}`, the opted-in shoppers cached for offline use
/// - `photos/<sku>.jpg`: product photos, embedded by the vision core for matching
public struct CatalogFolder: Sendable {
    public struct CatalogFile: Codable, Sendable {
        public var currency: String
        public var items: [CatalogItem]
        public var coPurchase: [CoPurchase]

        public init(currency: String, items: [CatalogItem], coPurchase: [CoPurchase]) {
            self.currency = currency
            self.items = items
            self.coPurchase = coPurchase
        }
    }

    public struct ProfilesFile: Codable, Sendable {
        public var profiles: [ShopperProfile]
        public init(profiles: [ShopperProfile]) { self.profiles = profiles }
    }

    public let path: String
    public init(_ path: String) { self.path = path }

    public var photos: String { "\(path)/photos" }
    public var catalogFile: String { "\(path)/catalog.json" }
    public var inventoryFile: String { "\(path)/inventory.json" }
    public var profilesFile: String { "\(path)/profiles.json" }

    public func loadCatalog() throws(SuggestError) -> Catalog {
        let file = try loadCatalogFile()
        return Catalog(currency: file.currency, items: file.items, coPurchase: file.coPurchase)
    }

    /// `catalog.json` as written, checked for SKUs given twice.
    public func loadCatalogFile() throws(SuggestError) -> CatalogFile {
        let file = try decode(CatalogFile.self, catalogFile)
        var seen = Set<String>()
        for item in file.items {
            guard seen.insert(item.sku).inserted else {
                throw SuggestError(.invalid, "\(catalogFile): SKU \(item.sku) twice")
            }
        }
        return file
    }

    public func loadInventory() throws(SuggestError) -> Inventory { try decode(Inventory.self, inventoryFile) }

    /// The cached profiles; none when the file does not exist (a store without opted-in shoppers).
    public func loadProfiles() throws(SuggestError) -> [ShopperProfile] {
        guard FileManager.default.fileExists(atPath: profilesFile) else { return [] }
        return try decode(ProfilesFile.self, profilesFile).profiles
    }

    /// Writes `value` as sorted, indented JSON with ``DurableFile``: 0600 unless `mode` says otherwise, since a
    /// profiles file holds shoppers' sizes, colours and loyalty codes.
    public static func write(_ value: some Encodable, to path: String, mode: mode_t = 0o600) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try DurableFile.write(Array(encoder.encode(value) + Data("\n".utf8)), to: path, mode: mode)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ file: String) throws(SuggestError) -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw SuggestError(.unreadable, "cannot read \(file): \((error as NSError).localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            throw SuggestError(.invalid, "\(file): not valid JSON (\(context.debugDescription))")
        } catch let DecodingError.dataCorrupted(context) {
            throw SuggestError(.invalid, "\(file): \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.keyNotFound(key, context) {
            throw SuggestError(.invalid, "\(file): \(Self.path(context.codingPath + [key])) is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SuggestError(.invalid, "\(file): \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw SuggestError(.invalid, "\(file): \(Self.path(context.codingPath)) is null")
        } catch {
            throw SuggestError(.invalid, "\(file): \(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(
            in: CharacterSet(charactersIn: "."))
    }
}

/// Catalog items and stock the hub sent (pulled by sync, kept as JSON by key), laid over the folder's.
public enum HubShopData {
    struct Stock: Decodable { var sizes: [String: Int] }

    /// The folder's catalog and stock with the hub's over them: a hub item replaces the folder's item with its
    /// SKU, new SKUs follow the folder's in SKU order; the hub's stock of a SKU replaces the folder's. Bodies
    /// that cannot be read are skipped and counted in `unreadable`.
    public static func overlay(
        _ file: CatalogFolder.CatalogFile, _ inventory: Inventory, items: [String: String], stock: [String: String]
    ) -> (catalog: Catalog, inventory: Inventory, unreadable: Int) {
        let decoder = JSONDecoder()
        var unreadable = 0
        var fromHub: [String: CatalogItem] = [:]
        for (sku, body) in items {
            if let item = try? decoder.decode(CatalogItem.self, from: Data(body.utf8)), item.sku == sku {
                fromHub[sku] = item
            } else {
                unreadable += 1
            }
        }
        var merged = file.items.map { fromHub.removeValue(forKey: $0.sku) ?? $0 }
        merged += fromHub.keys.sorted().compactMap { fromHub[$0] }
        var inventory = inventory
        for (sku, body) in stock {
            if let units = try? decoder.decode(Stock.self, from: Data(body.utf8)) {
                inventory.stock[sku] = units.sizes
            } else {
                unreadable += 1
            }
        }
        return (Catalog(currency: file.currency, items: merged, coPurchase: file.coPurchase), inventory, unreadable)
    }
}
