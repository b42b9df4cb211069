import Foundation
import MirrorAPIModel
import MirrorSuggest
import MirrorTesting
import Testing

/// Requests that close, in the real daemon: "Bring" on a card confirms with Undo; the request stays on the live
/// mirror as a chip with Cancel until staff mark it brought; a cancel reaches staff at once.
@Suite struct RequestsOnTheGlassTests {
    let shop = ShopProcessTests()

    @Test func undoCancelAndBroughtReachStaffAndTheGlass() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: "suggestions:\n  catalog: \(Binaries.repository)/config/catalog")
        // A price tag held up to the camera: what is tried on, so the suggestion cards (with Bring) follow it.
        let catalog = try CatalogFolder("\(Binaries.repository)/config/catalog").loadCatalogFile()
        let tag = try #require(catalog.items.first { $0.sku == "KN-101-RUS" }?.barcodes?["M"])
        try daemon.replayCamera(try PriceTagScene.mjpeg(tag), named: "price-tag")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func press(_ id: String) async throws {
            let outcome = try await shop.ctl(daemon, "ui", "press", id)
            #expect(outcome.status == 0, "press \(id): \(outcome) \(daemon.logs().suffix(1500))")
        }
        func buttons() async throws -> [String] { try await shop.ui(daemon).buttons }
        /// Bring on the first card that offers it; the request's number, from its Undo.
        func bring() async throws -> String {
            try await press("suggestions")
            try await shop.until(daemon, "a Bring button") { try await buttons().contains { $0.hasPrefix("bring:") } }
            try await press(try #require(try await buttons().first { $0.hasPrefix("bring:") }))
            try await shop.until(daemon, "Undo") { try await buttons().contains { $0.hasPrefix("cancel-request:") } }
            return try #require(try await buttons().first { $0.hasPrefix("cancel-request:") })
        }
        #expect(try await shop.ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await shop.ctl(daemon, "suggestions", "identify", "DEMO-1234").status == 0)

        // Undo on the confirmation: staff see it cancelled at once; the live mirror shows no chip.
        let first = try await bring()
        let number = Int(first.split(separator: ":").last ?? "")
        #expect(try await shop.requests(daemon).first?.state == "open")
        try await press(first)
        try await shop.until(daemon, "the live mirror") { try await shop.ui(daemon).state == "live" }
        #expect(try await shop.requests(daemon).first { $0.id == number }?.state == "cancelled")
        #expect(try await shop.ctl(daemon, "requests").stdout.contains("cancelled"))
        #expect(try await !buttons().contains(first))

        // Left on its way: the chip stays on the live mirror until staff bring it.
        let second = try await bring()
        try await press("back")
        try await shop.until(daemon, "the chip") { try await buttons().contains(second) }
        let chip = try #require(try await shop.ui(daemon).controls?.first { $0.id == second })
        #expect(chip.text == "Cancel" && chip.y >= 749 && chip.y + chip.height <= 1556, "\(chip)")
        #expect(
            try await shop.ctl(daemon, "requests", "done", String(second.split(separator: ":").last ?? "")).status == 0)
        try await shop.until(daemon, "the chip to go") { try await !buttons().contains(second) }
        #expect(try await daemon.stop() == 0)
    }

    /// An anonymous shopper (no profile, no size picked) is asked which size before anything reaches staff.
    @Test func bringAsksForASizeFirst() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: "suggestions:\n  catalog: \(Binaries.repository)/config/catalog")
        let catalog = try CatalogFolder("\(Binaries.repository)/config/catalog").loadCatalogFile()
        let tag = try #require(catalog.items.first { $0.sku == "KN-101-RUS" }?.barcodes?["M"])
        try daemon.replayCamera(try PriceTagScene.mjpeg(tag), named: "price-tag")
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        func buttons() async throws -> [String] { try await shop.ui(daemon).buttons }
        #expect(try await shop.ctl(daemon, "ui", "event", "start").status == 0)
        #expect(try await shop.ctl(daemon, "ui", "press", "suggestions").status == 0)
        // "Bring it": a card that names no size ("Bring M" brings M).
        func bringIt(_ id: String) -> Bool { id.hasPrefix("bring:") && id.split(separator: ":").count == 2 }
        try await shop.until(daemon, "a Bring it button") { try await buttons().contains(where: bringIt) }
        let bring = try #require(try await buttons().first(where: bringIt))
        #expect(try await shop.ctl(daemon, "ui", "press", bring).status == 0)
        try await shop.until(daemon, "the sizes") { try await buttons().contains { $0.hasPrefix("choose:") } }
        #expect(try await shop.requests(daemon).isEmpty, "nothing reaches staff before a size is chosen")
        let choice = try #require(try await buttons().first { $0.hasPrefix("choose:") })
        #expect(try await shop.ctl(daemon, "ui", "press", choice).status == 0)
        try await shop.until(daemon, "Undo") { try await buttons().contains { $0.hasPrefix("cancel-request:") } }
        let asked = try #require(try await shop.requests(daemon).first)
        #expect(asked.sku == String(bring.dropFirst("bring:".count)) && asked.size == String(choice.dropFirst(7)))
        #expect(try await daemon.stop() == 0)
    }
}
