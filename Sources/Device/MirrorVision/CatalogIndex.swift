import Foundation
public import MirrorCore

/// The store catalog's image embeddings, searched by cosine similarity (exact kNN).
///
/// Vectors are L2-normalised on insertion and kept in one contiguous array, so a search is one pass of
/// dot products over memory in order: 10,000 × 1280 floats is 51 MB, read at memory bandwidth. The
/// catalog is small enough that an approximate index (and its recall loss) is not needed; exact search
/// is written here because no vector-search library is packaged for this platform.
public struct CatalogIndex: Sendable {
    public let dimension: Int
    public private(set) var skus: [String] = []
    private var vectors: [Float] = []

    public init(dimension: Int) {
        precondition(dimension > 0 && dimension % 16 == 0, "dimension must be a multiple of 16")
        self.dimension = dimension
    }

    public var count: Int { skus.count }

    /// Adds one catalog image's embedding (any length-scale; it is normalised here).
    public mutating func add(sku: String, embedding: [Float]) throws(VisionError) {
        guard embedding.count == dimension else {
            throw VisionError(
                .catalog, "embedding for \(sku) has \(embedding.count) values, the index takes \(dimension)")
        }
        var unit = [Float](repeating: 0, count: dimension)
        let valid = embedding.withUnsafeBufferPointer { Embedding.normalise($0, into: &unit) }
        guard valid else { throw VisionError(.catalog, "embedding for \(sku) is zero or not finite") }
        skus.append(sku)
        vectors += unit
    }

    /// The `k` catalog items most similar to `query` (normalised here), best first, with a cosine
    /// similarity of at least `threshold`. Allocates only the result.
    public func search(_ query: UnsafeBufferPointer<Float>, k: Int, threshold: Float = -1) -> [SKUCandidate] {
        guard query.count == dimension, k > 0, !skus.isEmpty else { return [] }
        var norm: Float = 0
        for value in query { norm += value * value }
        guard norm > 0, norm.isFinite else { return [] }
        let scale = 1 / norm.squareRoot()
        // Top k kept sorted, best first; k is small (≤ 10), so insertion beats a heap.
        var best: [(score: Float, index: Int)] = []
        best.reserveCapacity(k + 1)
        let lanes = dimension / 16
        vectors.withUnsafeBufferPointer { all in
            let rows = UnsafeRawPointer(all.baseAddress!).assumingMemoryBound(to: SIMD16<Float>.self)
            let q = UnsafeRawPointer(query.baseAddress!)
            for row in 0..<skus.count {
                let vector = rows + row * lanes
                var sum = SIMD16<Float>()
                for lane in 0..<lanes {
                    sum += vector[lane] * q.loadUnaligned(fromByteOffset: lane * 64, as: SIMD16<Float>.self)
                }
                let score = sum.sum() * scale
                guard score >= threshold, best.count < k || score > best[best.count - 1].score else { continue }
                var position = best.count
                while position > 0 && best[position - 1].score < score { position -= 1 }
                best.insert((score, row), at: position)
                if best.count > k { best.removeLast() }
            }
        }
        return best.map { SKUCandidate(sku: skus[$0.index], score: $0.score) }
    }

    public func search(_ query: [Float], k: Int, threshold: Float = -1) -> [SKUCandidate] {
        query.withUnsafeBufferPointer { search($0, k: k, threshold: threshold) }
    }

    // MARK: Persistence

    private static let magic = Array("MCAT".utf8)

    /// The index as bytes: `MCAT`, dimension and count (UInt32 LE), the SKUs as length-prefixed UTF-8,
    /// then the normalised vectors as float32 LE; `tag` (e.g. the model checksum) is stored to be checked.
    public func serialized(tag: String) -> [UInt8] {
        var bytes = Self.magic
        func u32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
        func string(_ text: String) {
            u32(text.utf8.count)
            bytes += Array(text.utf8)
        }
        u32(dimension)
        u32(count)
        string(tag)
        for sku in skus { string(sku) }
        vectors.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    /// Restores an index written by ``serialized(tag:)``; throws for damaged bytes or another tag.
    public static func restore(_ bytes: [UInt8], tag: String) throws(VisionError) -> CatalogIndex {
        var offset = 0
        func fail(_ why: String) -> VisionError { VisionError(.catalog, "saved catalog index: \(why)") }
        func u32() throws(VisionError) -> Int {
            guard offset + 4 <= bytes.count else { throw fail("truncated") }
            defer { offset += 4 }
            return Int(
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                    | UInt32(bytes[offset + 3]) << 24)
        }
        func string() throws(VisionError) -> String {
            let length = try u32()
            guard length <= 1024, offset + length <= bytes.count else { throw fail("truncated") }
            defer { offset += length }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else { throw fail("no MCAT signature") }
        offset = 4
        let dimension = try u32()
        let count = try u32()
        guard dimension > 0, dimension % 16 == 0, dimension <= 65536, count <= 10_000_000 else {
            throw fail("implausible dimension \(dimension) or count \(count)")
        }
        guard try string() == tag else { throw fail("made with another model; it will be rebuilt") }
        var index = CatalogIndex(dimension: dimension)
        index.skus.reserveCapacity(count)
        for _ in 0..<count { index.skus.append(try string()) }
        guard bytes.count - offset == count * dimension * 4 else { throw fail("vector data has the wrong length") }
        index.vectors = [Float](repeating: 0, count: count * dimension)
        let start = offset
        bytes.withUnsafeBytes { raw in
            index.vectors.withUnsafeMutableBytes {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start...]))
            }
        }
        guard index.vectors.allSatisfy(\.isFinite) else { throw fail("vector data is not finite") }
        return index
    }
}
