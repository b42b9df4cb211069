/// Why an image could not be read or written.
public struct ImagingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The bytes are not a complete JPEG image (bad markers, truncated, no scan).
        case invalidJPEG
        /// libjpeg-turbo refused the image while decoding or encoding.
        case codec
        /// The image is larger than this build accepts.
        case tooLarge
        case outOfMemory
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
