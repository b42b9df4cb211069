/// How the bytes of a frame are laid out.
public enum PixelFormat: String, Sendable, Codable, CaseIterable {
    /// One baseline JPEG image per frame (V4L2 `MJPG`).
    case mjpeg
    /// Packed 4:2:2 luma/chroma, Y0 U Y1 V (V4L2 `YUYV`).
    case yuyv

    /// The V4L2 four-character code of this format.
    public var fourcc: String {
        switch self {
        case .mjpeg: "MJPG"
        case .yuyv: "YUYV"
        }
    }
}

/// An instant on the kernel's monotonic clock (`CLOCK_MONOTONIC`), the clock V4L2 stamps buffers with.
public struct MonotonicInstant: Sendable, Hashable, Comparable, Codable {
    /// Nanoseconds since an unspecified start (boot, for the kernel's clock).
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current instant of `CLOCK_MONOTONIC`.
    public static func now() -> MonotonicInstant {
        var ts = timespec()
        // clock_gettime(CLOCK_MONOTONIC) cannot fail with a valid clock id and pointer.
        _ = clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant `duration` later (negative durations go earlier, not before zero).
    public func advanced(by duration: Duration) -> MonotonicInstant {
        let (seconds, attoseconds) = duration.components
        let delta = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return MonotonicInstant(nanoseconds: UInt64(max(0, Int64(nanoseconds) + delta)))
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    public func since(_ earlier: MonotonicInstant) -> Duration {
        guard nanoseconds > earlier.nanoseconds else { return .zero }
        return .nanoseconds(Int64(nanoseconds - earlier.nanoseconds))
    }
}

/// The immutable bytes of one frame, shared without copying between every consumer.
public struct FrameBytes: Sendable {
    private let storage: [UInt8]
    private let range: Range<Int>

    /// Shares `storage[range]`; nothing is copied.
    public init(_ storage: [UInt8], range: Range<Int>? = nil) {
        self.storage = storage
        self.range = range ?? storage.indices
        precondition(self.range.lowerBound >= 0 && self.range.upperBound <= storage.count)
    }

    public var count: Int { range.count }

    /// Calls `body` with the frame's bytes, valid only during the call.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[range]))
        }
    }

    /// The first `length` bytes, shared without copying (drivers pad MJPEG buffers past EOI).
    public func prefix(_ length: Int) -> FrameBytes {
        FrameBytes(storage, range: range.lowerBound..<(range.lowerBound + min(length, range.count)))
    }

    /// A copy of the bytes as an array.
    public var array: [UInt8] { Array(storage[range]) }
}

/// One camera frame: its bytes as the camera delivered them and where it sits in the stream.
public struct Frame: Sendable {
    /// The driver's frame counter; a gap means the driver dropped frames.
    public var sequence: UInt64
    /// When the frame was captured (the kernel's buffer timestamp, or the replay schedule).
    public var timestamp: MonotonicInstant
    public var format: PixelFormat
    public var width: Int
    public var height: Int
    /// Bytes per row for uncompressed formats (may exceed the pixels' width); 0 for MJPEG.
    public var stride: Int
    public var bytes: FrameBytes

    public init(
        sequence: UInt64, timestamp: MonotonicInstant, format: PixelFormat, width: Int, height: Int,
        stride: Int = 0, bytes: FrameBytes
    ) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.format = format
        self.width = width
        self.height = height
        self.stride = stride
        self.bytes = bytes
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }

    /// The duration in milliseconds, as a floating-point number (latency figures).
    public var milliseconds: Double { seconds * 1000 }
}
