import ArgumentParser
import Foundation
import MirrorDisplay
import MirrorImaging
import MirrorSuggest
import MirrorTesting

/// Developer tools: regenerating committed samples. Not installed on devices.
@main
struct DevTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror-devtool", abstract: "Developer tools for the mirror project.",
        subcommands: [
            RenderSample.self, FramePNG.self, RenderCatalog.self, CaptureProbe.self, InsightsHistoryCommand.self,
        ])
}

struct RenderSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the turntable scene as an MJPEG stream (one JPEG after another).")

    @Option(help: "Frame width.") var width = 360
    @Option(help: "Frame height.") var height = 640
    @Option(help: "Frames for one full turn.") var frames = 48
    @Option(help: "JPEG quality, 1-100.") var quality = 80
    @Option(help: "Frames of the empty room before the figure appears (for calibrating the vision core).")
    var empty = 0
    @Argument(help: "Output file.") var output: String

    func run() throws {
        let scene = TurntableScene(width: width, height: height, framesPerTurn: frames)
        let image = PixelBuffer()
        let encoder = try JPEGEncoder()
        var stream: [UInt8] = []
        for _ in 0..<empty {
            scene.render(0, into: image, figure: false)
            stream += try encoder.encode(image, quality: quality)
        }
        for index in 0..<frames {
            scene.render(index, into: image)
            stream += try encoder.encode(image, quality: quality)
        }
        try Data(stream).write(to: URL(fileURLWithPath: output), options: .atomic)
        print("wrote \(output): \(empty + frames) frames of \(width)x\(height), \(stream.count) bytes")
    }
}

struct FramePNG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame-png", abstract: "Write one frame of an MJPEG stream as a PNG file, to look at.")

    @Argument(help: "The MJPEG stream.") var stream: String
    @Argument(help: "Frame index, from 0.") var index: Int
    @Argument(help: "Output PNG file.") var output: String

    func run() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stream)))
        let frames = bytes.withUnsafeBytes { JPEGMarkers.split($0).frames }
        guard frames.indices.contains(index) else {
            throw ValidationError("\(stream) has \(frames.count) frames")
        }
        let image = PixelBuffer()
        try bytes.withUnsafeBytes { all in
            _ = try JPEGDecoder().decode(UnsafeRawBufferPointer(rebasing: all[frames[index]]), into: image)
        }
        try Data(try PNGWriter.encode(image)).write(to: URL(fileURLWithPath: output))
    }
}

struct RenderCatalog: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the demo catalog: catalog.json, inventory.json, profiles.json and photos/<sku>.jpg.")

    @Option(help: "Photo size in pixels (square).") var size = 224
    @Option(help: "JPEG quality, 1-100.") var quality = 85
    @Argument(help: "Output folder.") var output = "config/catalog"

    func run() throws {
        let folder = CatalogFolder(output)
        try FileManager.default.createDirectory(atPath: folder.photos, withIntermediateDirectories: true)
        let items = DemoCatalog.items
        let catalog = Catalog(items: items)
        // "Bought together" counts come from the generated purchase log (PurchaseLog describes it).
        let log = PurchaseLog.generate(catalog: catalog)
        let file = CatalogFolder.CatalogFile(
            currency: "EUR", items: items, coPurchase: PurchaseLog.coPurchases(log.baskets, catalog: catalog))
        try CatalogFolder.write(file, to: folder.catalogFile)
        try CatalogFolder.write(DemoCatalog.inventory(), to: folder.inventoryFile)
        try CatalogFolder.write(CatalogFolder.ProfilesFile(profiles: DemoCatalog.profiles), to: folder.profilesFile)
        let image = PixelBuffer(width: size, height: size)
        let encoder = try JPEGEncoder()
        let patterns = Dictionary(uniqueKeysWithValues: DemoCatalog.styles.map { ($0.style, $0.pattern) })
        for item in items {
            GarmentArt.draw(
                item.category, colour: GarmentArt.rgb(item.hex), pattern: patterns[item.style] ?? "solid",
                into: image)
            try Data(try encoder.encode(image, quality: quality)).write(
                to: URL(fileURLWithPath: "\(folder.photos)/\(item.sku).jpg"), options: .atomic)
        }
        print(
            "wrote \(output): \(items.count) items, \(file.coPurchase.count) co-purchase pairs from \(log.baskets.count) baskets"
        )
    }
}
