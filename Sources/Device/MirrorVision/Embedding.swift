/// Embedding vectors as the catalog compares them: L2-normalised, so a dot product is the cosine.
public enum Embedding {
    /// Writes `vector` scaled to unit length into `output` (resized to fit; no allocation once it has
    /// the capacity); returns false, leaving zeros, for a zero or non-finite vector.
    @discardableResult
    public static func normalise(_ vector: UnsafeBufferPointer<Float>, into output: inout [Float]) -> Bool {
        if output.count != vector.count { output = [Float](repeating: 0, count: vector.count) }
        var sum: Float = 0
        for value in vector { sum += value * value }
        guard sum > 0, sum.isFinite else {
            for index in output.indices { output[index] = 0 }
            return false
        }
        let scale = 1 / sum.squareRoot()
        for index in output.indices { output[index] = vector[index] * scale }
        return true
    }
}
