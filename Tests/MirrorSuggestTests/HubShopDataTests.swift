import Foundation
import MirrorCore
import MirrorProtocol
import MirrorSuggest
import Testing

struct HubShopDataTests {
    func item(_ sku: String, price: Int = 4900, colour: String = "navy") -> CatalogItem {
        CatalogItem(
            sku: sku, style: String(sku.prefix(6)), name: "Knit", brand: "B", price: price, category: .knitwear,
            colour: colour, hex: "#202040", sizes: ["S", "M", "L"])
    }

    func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    @Test func theHubsItemsAndStockLieOverTheFolders() throws {
        let file = CatalogFolder.CatalogFile(
            currency: "EUR", items: [item("KN-101-NAV"), item("KN-101-RUS", colour: "rust")],
            coPurchase: [CoPurchase("KN-101", "TR-401", count: 3)])
        let inventory = Inventory(store: "s1", stock: ["KN-101-NAV": ["M": 1], "KN-101-RUS": ["M": 2]])
        let (catalog, stock, unreadable) = HubShopData.overlay(
            file, inventory,
            items: [
                "KN-101-NAV": try json(item("KN-101-NAV", price: 3900)),
                "KN-102-GRN": try json(item("KN-102-GRN", colour: "green")),
                "KN-103-BAD": "{not json",
                "KN-104-ODD": try json(item("KN-999-OTHER")),
            ],
            stock: ["KN-101-RUS": #"{"sizes":{"M":0,"L":4}}"#, "KN-102-GRN": #"{"sizes":{"S":1}}"#, "X": "[]"])
        #expect(catalog.items.map(\.sku) == ["KN-101-NAV", "KN-101-RUS", "KN-102-GRN"])
        #expect(catalog.item("KN-101-NAV")?.price == 3900)
        #expect(catalog.boughtWith("KN-101").first?.style == "TR-401")
        #expect(stock.stock["KN-101-NAV"] == ["M": 1])
        #expect(!stock.inStock("KN-101-RUS", size: "M") && stock.inStock("KN-101-RUS", size: "L"))
        #expect(stock.inStock("KN-102-GRN", size: "S"))
        // A body that is not an item, an item filed under another SKU, and stock that is not stock.
        #expect(unreadable == 3)
    }
}
