public import MirrorCore

/// Why an image could not be read or written.
public enum ImagingErrorCode: String, Sendable {
    /// The bytes are not a complete JPEG image (bad markers, truncated, no scan).
    case invalidJPEG
    /// libjpeg-turbo refused the image while decoding or encoding.
    case codec
    /// The image is larger than this build accepts.
    case tooLarge
    case outOfMemory
}

public typealias ImagingError = MirrorError<ImagingErrorCode>
