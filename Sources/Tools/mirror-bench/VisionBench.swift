import ArgumentParser
import Foundation
import MirrorCore
import MirrorImaging
import MirrorVision

/// Backbone latency: the bare XNNPACK invoke (the peer) against the whole per-region inference the
/// daemon runs (sample the crop into the input tensor, invoke, normalise the embedding).
struct Vision: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recognition backbone latency at 1 and 2 threads: raw XNNPACK invoke vs the full inference.")

    @Option(help: "The model manifest.") var manifest = "models/efficientnet-lite0.json"
    @Option(help: "A JPEG frame to take the crop from.") var frame: String
    @Option(help: "Timed runs per figure.") var runs = 300
    @Option(help: "Thread counts to measure.") var threads: [Int] = [1, 2]

    func run() throws {
        let model = try VisionModel.load(manifest: manifest)
        let jpeg = try [UInt8](Data(contentsOf: URL(fileURLWithPath: frame)))
        let image = PixelBuffer()
        let decoder = try JPEGDecoder()
        _ = try jpeg.withUnsafeBytes { try decoder.decode($0, into: image, scale: .quarter) }
        let box = NormalizedBox(x: 0.3, y: 0.1, width: 0.4, height: 0.6)
        for count in threads {
            let backbone = try Backbone(model: model.file, threads: count)
            var embedding = [Float](repeating: 0, count: backbone.embeddingCount)
            let size = backbone.inputShape.height
            let full = {
                try backbone.run { input in
                    try Preprocess.fill(input, size: size, from: image, box: box)
                } read: { outputs in
                    _ = Embedding.normalise(outputs.embedding, into: &embedding)
                }
            }
            let raw = { try backbone.invokeOnly() }
            for _ in 0..<20 {
                try full()
                try raw()
            }
            // Interleaved, so both figures see the same machine load.
            var rawTimes: [Double] = []
            var fullTimes: [Double] = []
            for _ in 0..<runs {
                rawTimes.append(try time(raw))
                fullTimes.append(try time(full))
            }
            let rawMedian = median(rawTimes)
            let fullMedian = median(fullTimes)
            print(
                String(
                    format: "threads %d: raw xnn_invoke_runtime median %.2f ms p90 %.2f ms; "
                        + "full inference (crop + invoke + embedding) median %.2f ms p90 %.2f ms; ratio %.3f",
                    count, rawMedian, percentile(rawTimes, 0.9), fullMedian, percentile(fullTimes, 0.9),
                    fullMedian / rawMedian))
        }
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = MonotonicInstant.now()
        try body()
        return MonotonicInstant.now().since(start).milliseconds
    }
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
}

/// Catalog search: exact cosine kNN over a synthetic catalog of the given size.
struct KNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "knn", abstract: "Catalog kNN latency: top-5 over N unit vectors of D dimensions.")

    @Option var items = 10_000
    @Option var dimension = 1280
    @Option var runs = 200

    func run() throws {
        var seed: UInt64 = 1
        func next() -> Float {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: seed) >> 40) / Float(1 << 23)
        }
        var index = CatalogIndex(dimension: dimension)
        for item in 0..<items { try index.add(sku: "SKU-\(item)", embedding: (0..<dimension).map { _ in next() }) }
        let queries = (0..<16).map { _ in (0..<dimension).map { _ in next() } }
        var times: [Double] = []
        var found = 0
        for run in 0..<(runs + 10) {
            let start = MonotonicInstant.now()
            found += index.search(queries[run % queries.count], k: 5, threshold: 0).count
            if run >= 10 { times.append(MonotonicInstant.now().since(start).milliseconds) }
        }
        print(
            String(
                format: "knn %d x %d: median %.3f ms p90 %.3f ms (%.1f GB/s of vectors)", items, dimension,
                median(times), percentile(times, 0.9), Double(items * dimension * 4) / median(times) / 1e6))
    }
}

/// The whole garment pipeline per analysed frame, on the demo sample: segmentation, three garment
/// regions through the backbone, colours and catalog matching against a 10,000-item catalog.
struct VisionPipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision-pipeline", abstract: "Per-frame cost of the full garment pipeline, and its CPU share.")

    @Option(help: "The model manifest.") var manifest = "models/efficientnet-lite0.json"
    @Option(help: "An MJPEG sample that starts with empty-room frames.") var sample =
        "devices/samples/fitting-room-360x640.mjpeg"
    @Option(help: "Empty-room frames at the start of the sample.") var empty = 24
    @Option var threads = 1
    @Option(help: "Frames analysed per second in the daemon (for the CPU share).") var analysisFPS = 2.0
    @Option var runs = 60

    func run() throws {
        let model = try VisionModel.load(manifest: manifest)
        let analyzer = try GarmentAnalyzer(model: model, threads: threads)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        let decoder = try JPEGDecoder()
        let frames: [PixelBuffer] = try bytes.withUnsafeBytes { all in
            try JPEGMarkers.split(all).frames.map { range in
                let image = PixelBuffer()
                _ = try decoder.decode(UnsafeRawBufferPointer(rebasing: all[range]), into: image)
                return image
            }
        }
        let background = BackgroundModel(fitting: frames[0])
        try background.calibrate(Array(frames[0..<empty]))
        analyzer.background = background
        var catalog = CatalogIndex(dimension: analyzer.backbone.embeddingCount)
        var seed: UInt64 = 3
        for item in 0..<10_000 {
            try catalog.add(
                sku: "SKU-\(item)",
                embedding: (0..<catalog.dimension).map { _ in
                    seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Float(seed >> 40) / Float(1 << 24)
                })
        }
        analyzer.catalog = catalog
        let people = Array(frames[empty...])
        var times: [Double] = []
        var regions = 0
        let cpuStart = cpuSeconds()
        for run in 0..<runs {
            let start = MonotonicInstant.now()
            regions += try analyzer.analyze(people[run % people.count]).observations.count
            times.append(MonotonicInstant.now().since(start).milliseconds)
        }
        let cpuPerFrame = (cpuSeconds() - cpuStart) / Double(runs) * 1e3
        print(
            String(
                format:
                    "pipeline %dx%d, %d threads: median %.1f ms p90 %.1f ms per analysed frame "
                    + "(%.1f regions/frame, CPU %.1f ms/frame); at %.1f fps: %.1f %% of one core",
                frames[0].width, frames[0].height, threads, median(times), percentile(times, 0.9),
                Double(regions) / Double(runs), cpuPerFrame, analysisFPS, cpuPerFrame * analysisFPS / 10))
    }
}
