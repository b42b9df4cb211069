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
        let elapsed = MonotonicInstant.now().since(start).components
        return Double(elapsed.seconds) * 1e3 + Double(elapsed.attoseconds) / 1e15
    }
}

func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
}
