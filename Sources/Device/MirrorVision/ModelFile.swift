import Crypto
public import Foundation

/// A network in the project's model file format ("MMDL", version 1), written by `models/convert.py`.
///
/// Layout: `MMDL`, a little-endian UInt32 format version, a UInt32 header length, the JSON header, zero
/// padding to a multiple of 64 bytes, then float32 tensors, each starting 64-byte aligned; header
/// offsets count from the start of the data. `models/README.md` describes it in full.
///
/// The file is checked against the SHA-256 its manifest names before anything in it is trusted, and
/// every layer's shapes and offsets are checked against the data before a runtime is built from it.
/// Sendable: immutable once loaded (the mapped bytes are never written); the class only owns their memory.
public final class ModelFile: @unchecked Sendable {
    /// One layer of the network, in execution order.
    public struct Layer: Sendable, Decodable, Equatable {
        public enum Op: String, Sendable, Decodable {
            case conv2d
            case depthwise2d
            case add
            case globalAveragePool = "global_average_pool"
            case fullyConnected = "fully_connected"
        }

        public enum Activation: String, Sendable, Decodable {
            case relu6
            case none
        }

        /// Where a tensor lies in the data block.
        public struct Tensor: Sendable, Decodable, Equatable {
            public var offset: Int
            public var shape: [Int]
            public var count: Int { shape.reduce(1, *) }
        }

        public var name: String
        public var op: Op
        public var inputs: [String]
        public var kernel: [Int]?
        public var stride: Int?
        public var padding: String?
        public var channels: [Int]?
        public var activation: Activation?
        public var weights: Tensor?
        public var bias: Tensor?
    }

    /// The JSON header.
    public struct Header: Sendable, Decodable {
        public struct Input: Sendable, Decodable {
            public var name: String
            public var shape: [Int]
        }

        public var model: String
        public var format: Int
        public var input: Input
        /// Output role (`logits`, `embedding`) → the layer that produces it.
        public var outputs: [String: String]
        public var layers: [Layer]
    }

    /// The network as checked at load: each layer with the values it reads, the shape it makes and, for a
    /// convolution, its parameters. A runtime is built from it with no further checks.
    public struct Graph: Sendable {
        public struct Convolution: Sendable, Equatable {
            public var kernelHeight: Int
            public var kernelWidth: Int
            public var stride: Int
            public var inputChannels: Int
            public var outputChannels: Int
        }

        public enum Operation: Sendable, Equatable {
            case conv2d(Convolution)
            case depthwise2d(Convolution)
            case add
            case globalAveragePool
            case fullyConnected
        }

        public struct Node: Sendable {
            public var layer: Layer
            public var operation: Operation
            /// The values the layer reads: 0 is the model's input, n + 1 the output of node n.
            public var inputs: [Int]
            /// The NHWC (or N, C) shape it produces; never empty.
            public var shape: [Int]
        }

        /// The input's shape: [1, H, W, C].
        public var input: [Int]
        public var nodes: [Node]
        /// The nodes whose outputs are the logits and the embedding.
        public var logits: Int
        public var embedding: Int

        /// How many floats node `index` produces.
        public func count(_ index: Int) -> Int { nodes[index].shape.reduce(1, *) }
        /// The size of node `index`'s last dimension (classes, embedding width).
        public func width(_ index: Int) -> Int { nodes[index].shape.last ?? 0 }
    }

    public let header: Header
    public let graph: Graph
    /// The tensors; 64-byte aligned, owned by this object for as long as any runtime built from it lives.
    private let data: UnsafeMutableRawPointer
    private let dataCount: Int

    /// Reads and checks the model at `path`; `sha256` (lowercase hex) is the digest the manifest names.
    public convenience init(contentsOf path: String, sha256 expected: String?) throws(VisionError) {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw VisionError(
                .model,
                "cannot read the model file \(path) (\(error.localizedDescription)); run scripts/model to create it")
        }
        if let expected {
            let actual = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            guard actual == expected.lowercased() else {
                throw VisionError(
                    .model,
                    "model file \(path) has sha256 \(actual), expected \(expected) (models/efficientnet-lite0.json); "
                        + "it is corrupt or from another model: delete it and run scripts/model")
            }
        }
        try self.init(bytes: bytes, source: path)
    }

    /// Parses a model file already in memory (its checksum, if any, checked by the caller).
    public init(bytes: Data, source: String = "model") throws(VisionError) {
        func fail(_ why: String) -> VisionError { VisionError(.model, "\(source): \(why)") }
        guard bytes.count >= 12, bytes.prefix(4).elementsEqual("MMDL".utf8) else {
            throw fail("not a model file (no MMDL signature)")
        }
        func u32(_ at: Int) -> Int {
            bytes.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        }
        guard u32(4) == 1 else { throw fail("format version \(u32(4)); this build reads version 1") }
        let headerLength = u32(8)
        guard headerLength > 0, 12 + headerLength <= bytes.count else { throw fail("truncated header") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: bytes.subdata(in: 12..<(12 + headerLength)))
        } catch {
            throw fail("unreadable header (\(error))")
        }
        let dataStart = (12 + headerLength + 63) / 64 * 64
        guard dataStart <= bytes.count else { throw fail("truncated before the weights") }
        self.header = header
        dataCount = bytes.count - dataStart
        // Checked before the data is copied, so a bad model allocates nothing.
        do {
            graph = try Self.graph(of: header, dataCount: dataCount)
        } catch {
            throw fail(error.message)
        }
        data = UnsafeMutableRawPointer.allocate(byteCount: max(dataCount, 64), alignment: 64)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { data.copyMemory(from: base + dataStart, byteCount: dataCount) }
        }
    }

    deinit { data.deallocate() }

    /// The float32 values of `tensor` (valid while this object lives).
    public func values(_ tensor: Layer.Tensor) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: (data + tensor.offset).assumingMemoryBound(to: Float.self), count: tensor.count)
    }

    /// Checks every layer against the ones before it and the data block, and resolves the graph.
    private static func graph(of header: Header, dataCount: Int) throws(VisionError) -> Graph {
        guard header.input.shape.count == 4, header.input.shape[0] == 1, header.input.shape.allSatisfy({ $0 > 0 })
        else { throw VisionError(.model, "input shape \(header.input.shape) is not [1, H, W, C]") }
        var values = [header.input.name: 0]
        var shapes = [header.input.shape]
        var nodes: [Graph.Node] = []
        for layer in header.layers {
            guard values[layer.name] == nil else { throw VisionError(.model, "layer name \(layer.name) repeats") }
            for tensor in [layer.weights, layer.bias].compactMap({ $0 }) {
                guard tensor.offset >= 0, tensor.offset % 64 == 0, tensor.shape.allSatisfy({ $0 > 0 }),
                    tensor.offset + tensor.count * 4 <= dataCount
                else { throw VisionError(.model, "layer \(layer.name): a tensor lies outside the data") }
            }
            let inputs = try layer.inputs.map { (name: String) throws(VisionError) -> Int in
                guard let value = values[name] else {
                    throw VisionError(.model, "layer \(layer.name): input \(name) is not an earlier layer")
                }
                return value
            }
            let (operation, shape) = try node(layer, inputs: inputs.map { shapes[$0] })
            nodes.append(Graph.Node(layer: layer, operation: operation, inputs: inputs, shape: shape))
            values[layer.name] = shapes.count
            shapes.append(shape)
        }
        func output(_ role: String) throws(VisionError) -> Int {
            guard let name = header.outputs[role], let value = values[name], value > 0 else {
                throw VisionError(.model, "no layer produces the \(role) output")
            }
            return value - 1
        }
        return Graph(
            input: header.input.shape, nodes: nodes, logits: try output("logits"),
            embedding: try output("embedding"))
    }

    /// What `layer` does to the shapes it reads and the shape it produces; throws when they do not fit.
    private static func node(_ layer: Layer, inputs: [[Int]]) throws(VisionError) -> (Graph.Operation, [Int]) {
        func fail(_ why: String) -> VisionError { VisionError(.model, "layer \(layer.name): \(why)") }
        guard let first = inputs.first else { throw fail("no input") }
        switch layer.op {
        case .conv2d, .depthwise2d:
            guard first.count == 4, let kernel = layer.kernel, kernel.count == 2, let stride = layer.stride, stride > 0,
                let channels = layer.channels, channels.count == 2, channels[0] == first[3],
                layer.padding == "same", let weights = layer.weights, let bias = layer.bias
            else { throw fail("incomplete or mismatched convolution") }
            let expected =
                layer.op == .conv2d
                ? [channels[1], kernel[0], kernel[1], channels[0]] : [1, kernel[0], kernel[1], channels[0]]
            guard weights.shape == expected, bias.shape == [channels[1]],
                layer.op == .conv2d || channels[0] == channels[1]
            else { throw fail("weights \(weights.shape) do not match \(expected)") }
            let convolution = Graph.Convolution(
                kernelHeight: kernel[0], kernelWidth: kernel[1], stride: stride, inputChannels: channels[0],
                outputChannels: channels[1])
            // TF "SAME": the output covers ceil(input / stride) positions.
            let shape = [1, (first[1] + stride - 1) / stride, (first[2] + stride - 1) / stride, channels[1]]
            return (layer.op == .conv2d ? .conv2d(convolution) : .depthwise2d(convolution), shape)
        case .add:
            guard inputs.count == 2, inputs[0] == inputs[1] else { throw fail("adds tensors of different shapes") }
            return (.add, first)
        case .globalAveragePool:
            guard first.count == 4 else { throw fail("pools a tensor that is not NHWC") }
            return (.globalAveragePool, [1, 1, 1, first[3]])
        case .fullyConnected:
            guard let channels = layer.channels, channels.count == 2, channels[0] == first.last,
                let weights = layer.weights, weights.shape == [channels[1], channels[0]],
                layer.bias.map({ $0.shape == [channels[1]] }) ?? true
            else { throw fail("fully connected weights do not match its input") }
            return (.fullyConnected, Array(first.dropLast()) + [channels[1]])
        }
    }
}
