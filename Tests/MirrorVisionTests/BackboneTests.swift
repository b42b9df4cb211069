import Foundation
import MirrorCore
import MirrorDisplay
import MirrorImaging
import Testing

@testable import MirrorVision

/// The repository's folders, found from this file (tests run from any directory).
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let manifest = "\(root)/models/efficientnet-lite0.json"
    static let fixtures = "\(root)/Tests/MirrorVisionTests/Fixtures"
}

/// The model, loaded once for all tests (scripts/test creates it with scripts/model before testing).
enum SharedModel {
    static let loaded: Result<VisionModel, VisionError> = Result { () throws(VisionError) in
        try VisionModel.load(manifest: Paths.manifest)
    }
    static func get() throws -> VisionModel { try loaded.get() }
}

/// The reference outputs scripts/models/reference.py computed with PyTorch.
struct Goldens: Decodable {
    struct Photo: Decodable {
        var file: String
        var logits: [Float]
        var embedding: [Float]
    }
    var photos: [Photo]

    static func load() throws -> Goldens {
        try JSONDecoder().decode(
            Goldens.self, from: Data(contentsOf: URL(fileURLWithPath: "\(Paths.fixtures)/golden-outputs.json")))
    }
}

/// The RGB bytes of a PNG fixture.
func rgbBytes(_ file: String) throws -> (rgb: [UInt8], image: PixelBuffer) {
    let image = PixelBuffer()
    try PNGReader.read("\(Paths.fixtures)/\(file)", into: image)
    var rgb: [UInt8] = []
    rgb.reserveCapacity(image.width * image.height * 3)
    for y in 0..<image.height {
        for x in 0..<image.width {
            let pixel = image.pixel(x: x, y: y)
            rgb += [UInt8(pixel >> 16 & 0xff), UInt8(pixel >> 8 & 0xff), UInt8(pixel & 0xff)]
        }
    }
    return (rgb, image)
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite struct BackboneTests {
    @Test(arguments: [1, 2])
    func outputsMatchThePyTorchReference(threads: Int) throws {
        let model = try SharedModel.get()
        let backbone = try Backbone(model: model.file, threads: threads)
        #expect(backbone.logitCount == 1000)
        #expect(backbone.embeddingCount == 1280)
        for photo in try Goldens.load().photos {
            let (rgb, _) = try rgbBytes(photo.file)
            let (logits, embedding) = try backbone.infer(rgb: rgb)
            let logitError = maxDifference(logits, photo.logits)
            let embeddingError = maxDifference(embedding, photo.embedding)
            #expect(logitError <= 1e-3, "\(photo.file): max |logit difference| \(logitError)")
            if ProcessInfo.processInfo.environment["MIRROR_PRINT_ERRORS"] != nil {
                print("\(photo.file) threads \(threads): max |logit diff| \(logitError), embedding \(embeddingError)")
            }
            #expect(embeddingError <= 1e-3, "\(photo.file): max |embedding difference| \(embeddingError)")
            #expect(
                logits.indices.max { logits[$0] < logits[$1] }
                    == photo.logits.indices.max {
                        photo.logits[$0] < photo.logits[$1]
                    })
        }
    }

    @Test func theCoffeePhotoIsAnEspresso() throws {
        let model = try SharedModel.get()
        let backbone = try Backbone(model: model.file)
        let (rgb, _) = try rgbBytes("photo-coffee.png")
        let (logits, _) = try backbone.infer(rgb: rgb)
        let top = logits.withUnsafeBufferPointer { model.taxonomy.top(1, logits: $0) }
        #expect(top.first?.label == "espresso")
        #expect((top.first?.probability ?? 0) > 0.9)
    }

    @Test func theNavalUniformIsAGarment() throws {
        let model = try SharedModel.get()
        let backbone = try Backbone(model: model.file)
        let (rgb, _) = try rgbBytes("photo-grace-hopper.png")
        let (logits, _) = try backbone.infer(rgb: rgb)
        let category = logits.withUnsafeBufferPointer { model.taxonomy.category(logits: $0) }
        #expect(category?.category == .outerwear || category?.category == .suits)
    }

    @Test func aCorruptModelFileIsRefusedNamingTheExpectedChecksum() throws {
        let model = try SharedModel.get()
        let original = try Data(contentsOf: URL(fileURLWithPath: "\(Paths.root)/models/efficientnet-lite0.mmdl"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var corrupt = original
        corrupt[corrupt.count / 2] ^= 0x40
        let path = folder.appendingPathComponent("bad.mmdl").path
        try corrupt.write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try ModelFile(contentsOf: path, sha256: model.sha256)
        } throws: { error in
            "\(error)".contains(model.sha256) && (error as? VisionError)?.code == .model
        }
        // Without a checksum to check, a truncated file still fails on its own structure.
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: path))
        #expect(throws: VisionError.self) { _ = try ModelFile(contentsOf: path, sha256: nil) }
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: VisionError.self) { _ = try ModelFile(contentsOf: path, sha256: nil) }
        #expect(throws: VisionError.self) { _ = try ModelFile(contentsOf: "\(path).missing", sha256: nil) }
    }

    @Test func anImageOfTheWrongSizeIsAnInputError() throws {
        let backbone = try Backbone(model: try SharedModel.get().file)
        #expect { _ = try backbone.infer(rgb: [0, 1, 2]) } throws: { ($0 as? VisionError)?.code == .input }
    }
}

@Suite struct PreprocessTests {
    @Test func anImageOfTheInputSizeIsTakenPixelForPixel() throws {
        let (rgb, image) = try rgbBytes("photo-coffee.png")
        var input = [Float](repeating: .nan, count: 224 * 224 * 3)
        try input.withUnsafeMutableBufferPointer {
            try Preprocess.fill($0, size: 224, from: image, box: NormalizedBox(x: 0, y: 0, width: 1, height: 1))
        }
        #expect(input == rgb.map { (Float($0) - 127) / 128 })
    }

    @Test func outsideTheFrameIsGreyAndTinyImagesAreRefused() throws {
        let image = PixelBuffer(width: 40, height: 20)
        image.fill(0x00FF_FFFF)
        var input = [Float](repeating: .nan, count: 16 * 16 * 3)
        // A box wider than the frame is tall: the square around it reaches past the top and bottom.
        try input.withUnsafeMutableBufferPointer {
            try Preprocess.fill($0, size: 16, from: image, box: NormalizedBox(x: 0.05, y: 0, width: 0.9, height: 1))
        }
        #expect(input.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(input.contains(0) && input.contains(1))
        #expect(throws: VisionError.self) {
            try input.withUnsafeMutableBufferPointer {
                try Preprocess.fill(
                    $0, size: 16, from: PixelBuffer(width: 1, height: 1), box: .init(x: 0, y: 0, width: 1, height: 1))
            }
        }
    }
}
