import Foundation
import MirrorCore
import MirrorImaging
import Testing

@testable import MirrorVision

/// A synthetic fitting-room view: a lit wall gradient with sensor-like noise, optionally a "person"
/// (a two-colour rectangle: `top` over `bottom`) and a global brightness factor.
func scene(
    width: Int = 320, height: Int = 180, seed: UInt32, person: (x: Int, y: Int, w: Int, h: Int)? = nil,
    top: (UInt8, UInt8, UInt8) = (25, 35, 80), bottom: (UInt8, UInt8, UInt8) = (240, 240, 235), gain: Float = 1
) -> PixelBuffer {
    let image = PixelBuffer(width: width, height: height)
    var state = seed &* 2_654_435_761 | 1
    func noise() -> Float {
        state = state &* 1_664_525 &+ 1_013_904_223
        return Float(state >> 24) / 255 * 8 - 4
    }
    for y in 0..<height {
        let row = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
        for x in 0..<width {
            var (r, g, b) = (Float(150 + x / 8), Float(140 + y / 6), Float(120 + (x + y) / 10))
            if let p = person, x >= p.x, x < p.x + p.w, y >= p.y, y < p.y + p.h {
                let colour = y < p.y + p.h / 2 ? top : bottom
                (r, g, b) = (Float(colour.0), Float(colour.1), Float(colour.2))
            }
            func byte(_ v: Float) -> UInt32 { UInt32(min(max((v + noise()) * gain, 0), 255)) }
            row[x] = byte(r) << 16 | byte(g) << 8 | byte(b)
        }
    }
    return image
}

func iou(_ a: NormalizedBox, _ b: NormalizedBox) -> Float {
    let x0 = max(a.x, b.x)
    let y0 = max(a.y, b.y)
    let x1 = min(a.x + a.width, b.x + b.width)
    let y1 = min(a.y + a.height, b.y + b.height)
    let inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a.area + b.area - inter)
}

@Suite struct BackgroundTests {
    func calibrated() throws -> BackgroundModel {
        let model = BackgroundModel(width: 96, height: 54)
        try model.calibrate((0..<8).map { scene(seed: UInt32($0)) })
        return model
    }

    @Test func aPersonIsFoundWhereTheyStand() throws {
        let model = try calibrated()
        let person = (x: 120, y: 20, w: 70, h: 150)
        let segmentation = try model.segment(scene(seed: 99, person: person))
        #expect(segmentation.present)
        let truth = NormalizedBox(x: 120 / 320, y: 20 / 180, width: 70 / 320, height: 150 / 180)
        #expect(iou(segmentation.box, truth) > 0.8, "box \(segmentation.box)")
    }

    @Test func theEmptyViewIsEmpty() throws {
        let segmentation = try calibrated().segment(scene(seed: 100))
        #expect(!segmentation.present)
        #expect(segmentation.area < 0.01)
    }

    @Test func lightsDimmingIsNotAPerson() throws {
        let model = try calibrated()
        for gain: Float in [0.8, 1.2] {
            #expect(try !model.segment(scene(seed: 7, gain: gain), adapt: false).present, "gain \(gain)")
        }
        // …and a person is still found in the dimmer room.
        #expect(try model.segment(scene(seed: 8, person: (100, 10, 80, 160), gain: 0.8), adapt: false).present)
    }

    @Test func slowDriftIsAbsorbedButAStandingPersonIsNot() throws {
        let model = try calibrated()
        // A warm drift the gain cannot explain (blue channel only), reached slowly.
        for step in 0..<200 {
            let frame = scene(seed: UInt32(1000 + step), person: (140, 20, 60, 150))
            let base = frame.base.assumingMemoryBound(to: UInt8.self)
            let shift = UInt8(min(40, step / 4))
            for y in 0..<frame.height {
                for x in 0..<frame.width where !(140..<200).contains(x) || !(20..<170).contains(y) {
                    base[y * frame.stride + x * 4] = base[y * frame.stride + x * 4] &- shift
                }
            }
            let segmentation = try model.segment(frame)
            #expect(segmentation.present, "step \(step): the standing person was absorbed")
            if step == 199 { #expect(segmentation.area < 0.2, "the drift was not absorbed: area \(segmentation.area)") }
        }
    }

    @Test func notCalibratedAndWrongSizesAreErrorsNotCrashes() throws {
        let model = BackgroundModel(width: 96, height: 54)
        #expect { try model.segment(scene(seed: 1)) } throws: { ($0 as? VisionError)?.code == .notCalibrated }
        let tiny = PixelBuffer(width: 10, height: 10)
        tiny.fill(0)
        #expect(throws: VisionError.self) { try calibrated().segment(tiny) }
        #expect(throws: VisionError.self) { try model.calibrate([scene(seed: 1)]) }
    }

    @Test func theBackgroundSurvivesARestartAndRejectsDamage() throws {
        let model = try calibrated()
        let bytes = model.serialized()
        let restored = try BackgroundModel.restore(bytes)
        let frame = scene(seed: 5, person: (120, 20, 70, 150))
        #expect(try restored.segment(frame, adapt: false) == model.segment(frame, adapt: false))
        #expect(throws: VisionError.self) { try BackgroundModel.restore(Array(bytes.dropLast(7))) }
        #expect(throws: VisionError.self) { try BackgroundModel.restore(Array("MBKG".utf8) + [1, 2]) }
        #expect(throws: VisionError.self) { try BackgroundModel.restore([]) }
    }
}

@Suite struct ColourTests {
    @Test func labValuesMatchTheFormula() {
        // Reference values of the CIE formulas (D65) for sRGB primaries and white.
        let white = LabColour(red: 255, green: 255, blue: 255)
        #expect(abs(white.l - 100) < 0.01 && abs(white.a) < 0.01 && abs(white.b) < 0.01)
        let red = LabColour(red: 255, green: 0, blue: 0)
        #expect(abs(red.l - 53.24) < 0.05 && abs(red.a - 80.09) < 0.05 && abs(red.b - 67.20) < 0.05)
        let blue = LabColour(red: 0, green: 0, blue: 255)
        #expect(abs(blue.l - 32.30) < 0.05 && abs(blue.a - 79.19) < 0.05 && abs(blue.b + 107.86) < 0.05)
        #expect(LabColour(red: 18, green: 200, blue: 77).rgb == (18, 200, 77))
    }

    @Test func twoColoursAreFoundWithTheirShares() {
        let image = scene(seed: 3, person: (0, 0, 320, 180))  // navy over white, nothing else
        let colours = DominantColours().colours(
            in: image, box: NormalizedBox(x: 0, y: 0, width: 1, height: 1), segmentation: nil)
        #expect(colours.map(\.name) == ["navy", "white"] || colours.map(\.name) == ["white", "navy"])
        for colour in colours { #expect(abs(colour.share - 0.5) < 0.05, "\(colour)") }
    }

    @Test func onlyPersonPixelsCount() throws {
        let model = BackgroundModel(width: 96, height: 54)
        try model.calibrate((0..<5).map { scene(seed: UInt32($0)) })
        let frame = scene(seed: 9, person: (120, 20, 70, 150), top: (200, 30, 35), bottom: (200, 30, 35))
        let segmentation = try model.segment(frame)
        let colours = DominantColours().colours(in: frame, box: segmentation.box, segmentation: segmentation)
        #expect(colours.first?.name == "red")
        #expect((colours.first?.share ?? 0) > 0.85)
    }

    @Test func anEmptyRegionHasNoColours() {
        let image = scene(seed: 1)
        #expect(
            DominantColours().colours(
                in: image, box: NormalizedBox(x: 2, y: 2, width: 1, height: 1), segmentation: nil
            ).isEmpty)
    }
}

@Suite struct CatalogIndexTests {
    func randomVector(_ seed: inout UInt64, _ dimension: Int) -> [Float] {
        (0..<dimension).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed) >> 40) / Float(1 << 23)
        }
    }

    @Test func noisyCopiesFindTheirItem() throws {
        var seed: UInt64 = 42
        var index = CatalogIndex(dimension: 128)
        var items: [[Float]] = []
        for number in 0..<500 {
            let vector = randomVector(&seed, 128)
            items.append(vector)
            try index.add(sku: "SKU-\(number)", embedding: vector)
        }
        for number in stride(from: 0, to: 500, by: 37) {
            let noisy = zip(items[number], randomVector(&seed, 128)).map { $0 + 0.3 * $1 }
            let found = index.search(noisy, k: 3)
            #expect(found.first?.sku == "SKU-\(number)")
            #expect(found.count == 3)
            #expect(found[0].score >= found[1].score && found[1].score >= found[2].score)
        }
        #expect(index.search(items[0], k: 5, threshold: 0.99).map(\.sku) == ["SKU-0"])
        #expect(index.search([Float](repeating: 0, count: 128), k: 5).isEmpty)
        #expect(index.search([1, 2, 3], k: 5).isEmpty)
    }

    @Test func badEmbeddingsAreRefused() {
        var index = CatalogIndex(dimension: 32)
        #expect(throws: VisionError.self) { try index.add(sku: "a", embedding: [1, 2]) }
        #expect(throws: VisionError.self) { try index.add(sku: "b", embedding: [Float](repeating: 0, count: 32)) }
        #expect(throws: VisionError.self) {
            try index.add(sku: "c", embedding: [Float](repeating: .nan, count: 32))
        }
        #expect(index.count == 0)
    }

    @Test func theIndexSurvivesARestartAndRejectsDamage() throws {
        var seed: UInt64 = 7
        var index = CatalogIndex(dimension: 64)
        for number in 0..<20 { try index.add(sku: "sku-\(number)", embedding: randomVector(&seed, 64)) }
        let bytes = index.serialized(tag: "model-a")
        let restored = try CatalogIndex.restore(bytes, tag: "model-a")
        let query = randomVector(&seed, 64)
        #expect(restored.search(query, k: 4) == index.search(query, k: 4))
        #expect(throws: VisionError.self) { try CatalogIndex.restore(bytes, tag: "model-b") }
        #expect(throws: VisionError.self) { try CatalogIndex.restore(Array(bytes.dropLast(1)), tag: "model-a") }
        #expect(throws: VisionError.self) { try CatalogIndex.restore(Array(bytes.prefix(10)), tag: "model-a") }
        #expect(throws: VisionError.self) { try CatalogIndex.restore([], tag: "model-a") }
    }
}

@Suite struct RegionsAndVotingTests {
    @Test func regionsLieInsideThePersonAndTheFrame() {
        for person in [
            NormalizedBox(x: 0.3, y: 0.05, width: 0.3, height: 0.9),
            NormalizedBox(x: 0.3, y: 0, width: 0.3, height: 0.7),
            NormalizedBox(x: 0.3, y: 0.2, width: 0.3, height: 0.8),
            NormalizedBox(x: -0.1, y: -0.1, width: 1.3, height: 1.3),
        ] {
            let regions = GarmentRegions.boxes(person: person)
            #expect(regions.contains { $0.region == .upperBody })
            for (_, box) in regions {
                #expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1.0001 && box.y + box.height <= 1.0001)
                #expect(box.area > 0)
            }
        }
        #expect(GarmentRegions.boxes(person: NormalizedBox(x: 0.5, y: 0.5, width: 0.01, height: 0.01)).isEmpty)
    }

    @Test func aFlickeringMinorityDoesNotWin() {
        var vote = TemporalVote()
        let box = NormalizedBox(x: 0.3, y: 0.1, width: 0.3, height: 0.4)
        let navy = GarmentColour(name: "navy", hex: "#192350", share: 0.8)
        for frame in 0..<10 {
            let flicker = frame % 4 == 3
            vote.add([
                GarmentObservation(
                    region: .upperBody, box: box, category: flicker ? .suits : .knitwear,
                    categoryConfidence: flicker ? 0.7 : 0.5, colours: [navy],
                    candidates: flicker
                        ? [SKUCandidate(sku: "SUIT-1", score: 0.9)]
                        : [
                            SKUCandidate(sku: "KNIT-7", score: 0.8)
                        ])
            ])
        }
        let result = vote.result()
        #expect(result.count == 1)
        #expect(result[0].category == .knitwear)
        #expect(result[0].candidates.first?.sku == "KNIT-7")
        #expect(!result[0].candidates.contains { $0.sku == "SUIT-1" })  // seen in 2 of 10 frames
        #expect(result[0].frames == 8)
        #expect(result[0].colours.first?.name == "navy")
        #expect(TemporalVote().result().isEmpty)
    }
}

@Suite struct GarmentAnalyzerTests {
    @Test func badFramesGiveNoGarmentNeverACrash() throws {
        let analyzer = try GarmentAnalyzer(model: try SharedModel.get())
        #expect { try analyzer.analyze(scene(seed: 1)) } throws: { ($0 as? VisionError)?.code == .notCalibrated }
        let background = BackgroundModel(width: 96, height: 54)
        try background.calibrate((0..<5).map { scene(seed: UInt32($0)) })
        analyzer.background = background
        let black = PixelBuffer(width: 320, height: 180)
        black.fill(0)
        #expect(try analyzer.analyze(black) == .nothing(.blank))
        let flat = PixelBuffer(width: 320, height: 180)
        flat.fill(0x0080_8080)
        #expect(try analyzer.analyze(flat).observations.isEmpty)
        #expect(throws: VisionError.self) { try analyzer.analyze(PixelBuffer(width: 8, height: 8)) }
        #expect(try analyzer.analyze(scene(seed: 50)) == .nothing(.empty))
        // A person gives one observation per garment region, each with colours.
        let found = try analyzer.analyze(scene(seed: 51, person: (120, 20, 70, 150)))
        #expect(found.verdict == .person)
        #expect(found.observations.map(\.region) == [.upperBody, .lowerBody, .fullLength])
        #expect(found.observations[0].colours.first?.name == "navy")
        #expect(found.observations[1].colours.first?.name == "white")
    }

    @Test func catalogPhotosMatchThemselvesThroughTheCamera() throws {
        let analyzer = try GarmentAnalyzer(model: try SharedModel.get())
        var index = CatalogIndex(dimension: analyzer.backbone.embeddingCount)
        for file in ["astronaut", "coffee", "chelsea", "grace-hopper"] {
            let (_, image) = try rgbBytes("photo-\(file).png")
            try index.add(sku: file, embedding: try analyzer.embed(image))
        }
        // The same photo mirrored (the camera sees a mirror image) still finds itself first.
        let (_, image) = try rgbBytes("photo-grace-hopper.png")
        let flipped = PixelBuffer(width: image.width, height: image.height)
        for y in 0..<image.height {
            let from = (image.base + y * image.stride).assumingMemoryBound(to: UInt32.self)
            let to = (flipped.base + y * flipped.stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<image.width { to[x] = from[image.width - 1 - x] }
        }
        let found = index.search(try analyzer.embed(flipped), k: 2)
        #expect(found.first?.sku == "grace-hopper")
        #expect((found.first?.score ?? 0) > 0.8)
    }
}
