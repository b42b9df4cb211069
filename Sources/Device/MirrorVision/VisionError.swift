public import MirrorCore

/// Why the recognition core could not load its model, build its runtime or analyse a frame.
public enum VisionErrorCode: String, Sendable {
    /// The model file is missing, unreadable, or not the file the manifest names.
    case model
    /// XNNPACK refused to initialise, define, build or run the network.
    case runtime
    /// The input cannot be analysed (wrong size, empty).
    case input
    /// The catalog's embeddings do not fit the index (dimension, count).
    case catalog
    /// No background has been calibrated yet.
    case notCalibrated
}

public typealias VisionError = MirrorError<VisionErrorCode>
