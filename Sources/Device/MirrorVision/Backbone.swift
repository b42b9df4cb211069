import CXNNPACK
import Foundation
public import MirrorCore

/// What one inference produced; the buffers are valid only inside the closure they are handed to.
public struct BackboneOutputs {
    /// Class scores before softmax (1000 ImageNet classes for EfficientNet-Lite0).
    public let logits: UnsafeBufferPointer<Float>
    /// The pooled feature vector (1280-d), not normalised.
    public let embedding: UnsafeBufferPointer<Float>

    init(logits: UnsafeBufferPointer<Float>, embedding: UnsafeBufferPointer<Float>) {
        self.logits = logits
        self.embedding = embedding
    }
}

/// The recognition backbone: a model file built once into an XNNPACK runtime.
///
/// Owns the weights, the runtime, its thread pool and the input/output buffers, so an inference
/// allocates nothing. Calls are serialised by a lock (one runtime, one set of buffers), which is what makes
/// the unchecked `Sendable` sound: the XNNPACK handles are only touched under it.
/// XNNPACK subgraph API: https://github.com/google/XNNPACK/blob/master/include/xnnpack.h
public final class Backbone: @unchecked Sendable {
    /// The input height, width and channels (224 × 224 × 3 for EfficientNet-Lite0).
    public let inputShape: (height: Int, width: Int, channels: Int)
    public let logitCount: Int
    public let embeddingCount: Int
    public let threads: Int
    private let state: Guarded<RuntimeState>

    /// Builds the network of `model` with `threads` worker threads (1 runs on the caller's thread).
    public init(model: ModelFile, threads: Int = 1) throws(VisionError) {
        let graph = model.graph
        inputShape = (graph.input[1], graph.input[2], graph.input[3])
        logitCount = graph.width(graph.logits)
        embeddingCount = graph.width(graph.embedding)
        self.threads = max(1, threads)
        state = Guarded(try RuntimeState(model: model, threads: self.threads))
    }

    /// Runs the network once: `prepare` fills the input (NHWC float32, already normalised), `read`
    /// receives the outputs; the result of `read` is returned.
    public func run<R>(
        prepare: (UnsafeMutableBufferPointer<Float>) throws -> Void,
        read: (BackboneOutputs) throws -> R
    ) throws -> R {
        try state.withLock { state in
            try prepare(state.input)
            let status = xnn_invoke_runtime(state.runtime)
            guard status == xnn_status_success else {
                throw VisionError(.runtime, "xnn_invoke_runtime failed (status \(status.rawValue))")
            }
            let outputs = BackboneOutputs(
                logits: UnsafeBufferPointer(state.logits), embedding: UnsafeBufferPointer(state.embedding))
            return try read(outputs)
        }
    }

    /// Runs the network on whatever the input holds, nothing else: the bare XNNPACK call, which the
    /// benchmark measures the full inference against.
    public func invokeOnly() throws(VisionError) {
        let status = state.withLock { xnn_invoke_runtime($0.runtime) }
        guard status == xnn_status_success else {
            throw VisionError(.runtime, "xnn_invoke_runtime failed (status \(status.rawValue))")
        }
    }

    /// Runs the network on one RGB image of exactly the input size (values 0…255, row-major, 3 bytes a
    /// pixel), normalised as the manifest says: (x − 127) / 128. Returns copies of both outputs.
    public func infer(rgb: [UInt8]) throws -> (logits: [Float], embedding: [Float]) {
        let count = inputShape.height * inputShape.width * inputShape.channels
        guard rgb.count == count else {
            throw VisionError(.input, "image has \(rgb.count) bytes, the network takes \(count)")
        }
        return try run { input in
            for index in 0..<count { input[index] = (Float(rgb[index]) - 127) / 128 }
        } read: { outputs in
            (Array(outputs.logits), Array(outputs.embedding))
        }
    }
}

/// The XNNPACK objects of one runtime; lives inside the backbone's mutex.
private final class RuntimeState {
    let model: ModelFile
    let pool: pthreadpool_t?
    let runtime: xnn_runtime_t
    let input: UnsafeMutableBufferPointer<Float>
    let logits: UnsafeMutableBufferPointer<Float>
    let embedding: UnsafeMutableBufferPointer<Float>

    init(model: ModelFile, threads: Int) throws(VisionError) {
        func check(_ status: xnn_status, _ call: String) throws(VisionError) {
            guard status == xnn_status_success else {
                throw VisionError(.runtime, "\(call) failed (XNNPACK status \(status.rawValue))")
            }
        }
        try check(xnn_initialize(nil), "xnn_initialize")
        self.model = model
        let graph = model.graph
        let inputCount = graph.input.reduce(1, *)
        // XNNPACK may read up to XNN_EXTRA_BYTES past the end of an input.
        let extra = (cxnn_extra_bytes() + 3) / 4
        input = .allocate(capacity: inputCount + extra)
        input.initialize(repeating: 0)
        logits = .allocate(capacity: graph.count(graph.logits))
        logits.initialize(repeating: 0)
        embedding = .allocate(capacity: graph.count(graph.embedding))
        embedding.initialize(repeating: 0)

        // External values: 0 input, 1 logits, 2 embedding.
        var subgraph: xnn_subgraph_t?
        try check(xnn_create_subgraph(3, 0, &subgraph), "xnn_create_subgraph")
        defer { xnn_delete_subgraph(subgraph) }
        let invalid = cxnn_invalid_value_id()

        func define(_ shape: [Int], data: UnsafeBufferPointer<Float>?, external: UInt32, flags: UInt32)
            throws(VisionError) -> UInt32
        {
            var id = invalid
            let dims = shape.map { Int($0) }
            let status = dims.withUnsafeBufferPointer { dims in
                xnn_define_tensor_value(
                    subgraph, xnn_datatype_fp32, dims.count, dims.baseAddress, UnsafeRawPointer(data?.baseAddress),
                    external, flags, &id)
            }
            try check(status, "xnn_define_tensor_value")
            return id
        }

        // Values in the graph's numbering: 0 the input, n + 1 the output of node n.
        var ids = [try define(graph.input, data: nil, external: 0, flags: cxnn_value_flag_external_input())]
        let same = cxnn_flag_tensorflow_same_padding()
        for (index, node) in graph.nodes.enumerated() {
            let layer = node.layer
            let external: UInt32? = index == graph.logits ? 1 : index == graph.embedding ? 2 : nil
            let output =
                if let external {
                    try define(node.shape, data: nil, external: external, flags: cxnn_value_flag_external_output())
                } else {
                    try define(node.shape, data: nil, external: invalid, flags: 0)
                }
            ids.append(output)
            let inputs = node.inputs.map { ids[$0] }
            let (low, high): (Float, Float) = layer.activation == .relu6 ? (0, 6) : (-.infinity, .infinity)
            func constant(_ tensor: ModelFile.Layer.Tensor?) throws(VisionError) -> UInt32 {
                guard let tensor else { return invalid }
                return try define(tensor.shape, data: model.values(tensor), external: invalid, flags: 0)
            }
            switch node.operation {
            case .conv2d(let c):
                let status = xnn_define_convolution_2d(
                    subgraph, 0, 0, 0, 0, UInt32(c.kernelHeight), UInt32(c.kernelWidth), UInt32(c.stride),
                    UInt32(c.stride), 1, 1, 1, c.inputChannels, c.outputChannels, low, high, inputs[0],
                    try constant(layer.weights), try constant(layer.bias), output, same)
                try check(status, "xnn_define_convolution_2d (\(layer.name))")
            case .depthwise2d(let c):
                let status = xnn_define_depthwise_convolution_2d(
                    subgraph, 0, 0, 0, 0, UInt32(c.kernelHeight), UInt32(c.kernelWidth), UInt32(c.stride),
                    UInt32(c.stride), 1, 1, 1, c.inputChannels, low, high, inputs[0], try constant(layer.weights),
                    try constant(layer.bias), output, same)
                try check(status, "xnn_define_depthwise_convolution_2d (\(layer.name))")
            case .add:
                try check(xnn_define_add2(subgraph, low, high, inputs[0], inputs[1], output, 0), "xnn_define_add2")
            case .globalAveragePool:
                try check(
                    xnn_define_global_average_pooling_2d(subgraph, low, high, inputs[0], output, 0),
                    "xnn_define_global_average_pooling_2d")
            case .fullyConnected:
                let status = xnn_define_fully_connected(
                    subgraph, low, high, inputs[0], try constant(layer.weights), try constant(layer.bias), output, 0)
                try check(status, "xnn_define_fully_connected (\(layer.name))")
            }
        }

        pool = threads > 1 ? pthreadpool_create(threads) : nil
        var runtime: xnn_runtime_t?
        do throws(VisionError) {
            try check(xnn_create_runtime_v2(subgraph, pool, 0, &runtime), "xnn_create_runtime_v2")
            guard let created = runtime else { throw VisionError(.runtime, "xnn_create_runtime_v2 made no runtime") }
            let externals = [
                xnn_external_value(id: 0, data: UnsafeMutableRawPointer(input.baseAddress)),
                xnn_external_value(id: 1, data: UnsafeMutableRawPointer(logits.baseAddress)),
                xnn_external_value(id: 2, data: UnsafeMutableRawPointer(embedding.baseAddress)),
            ]
            try check(xnn_setup_runtime(created, externals.count, externals), "xnn_setup_runtime")
            self.runtime = created
        } catch {
            if let runtime { xnn_delete_runtime(runtime) }
            if let pool { pthreadpool_destroy(pool) }
            input.deallocate()
            logits.deallocate()
            embedding.deallocate()
            throw error
        }
    }

    deinit {
        xnn_delete_runtime(runtime)
        if let pool { pthreadpool_destroy(pool) }
        input.deallocate()
        logits.deallocate()
        embedding.deallocate()
    }
}
