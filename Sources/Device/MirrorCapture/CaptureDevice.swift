public import MirrorCore

/// Why capture stopped or could not start.
public enum CaptureErrorCode: String, Sendable {
    /// The device or file is not there (unplugged, wrong path).
    case notFound
    /// It is there but is not a usable camera or sample.
    case unsupported
    /// It went away while streaming.
    case disconnected
    case io
}

public typealias CaptureError = MirrorError<CaptureErrorCode>

/// What a camera agreed to deliver.
public struct StreamFormat: Sendable, Equatable {
    public var format: PixelFormat
    public var width: Int
    public var height: Int
    public var fps: Double

    public init(format: PixelFormat, width: Int, height: Int, fps: Double) {
        self.format = format
        self.width = width
        self.height = height
        self.fps = fps
    }
}

/// A source of camera frames: a V4L2 camera, a replayed recording or a test pattern.
///
/// `stream` opens the source, delivers frames until the task is cancelled or the source ends, and
/// closes it again, so every call is a fresh open (which is how reconnecting after an unplug works).
public protocol CaptureDevice: Sendable {
    /// A name for logs and status: a device path, or `replay:<file>`.
    var name: String { get }

    /// Opens the source and calls `opened` with what it negotiated, then `deliver` with each frame.
    ///
    /// Returns when the source ends (a replay without looping) or the task is cancelled; throws when
    /// the source fails. Frames carry the source's sequence numbers; gaps mean dropped frames.
    func stream(
        opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) async throws(CaptureError)
}
