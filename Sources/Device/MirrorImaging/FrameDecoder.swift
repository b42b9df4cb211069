public import MirrorCore

/// Decodes camera frames of either format into XRGB images: MJPEG through libjpeg-turbo (with its free
/// DCT scaling), YUYV by conversion (always full size).
///
/// Not thread-safe: each consumer of the frame bus owns one.
public final class FrameDecoder {
    private let jpeg: JPEGDecoder

    public init() throws(ImagingError) { jpeg = try JPEGDecoder() }

    /// Decodes `frame` into `output`; `scale` applies to MJPEG only.
    public func decode(_ frame: Frame, into output: PixelBuffer, scale: JPEGScale = .full) throws {
        switch frame.format {
        case .mjpeg:
            try frame.bytes.withUnsafeBytes { bytes in
                _ = try jpeg.decode(bytes, into: output, scale: scale)
            }
        case .yuyv:
            try frame.bytes.withUnsafeBytes { bytes in
                try YUYV.convert(bytes, width: frame.width, height: frame.height, stride: frame.stride, into: output)
            }
        }
    }
}
