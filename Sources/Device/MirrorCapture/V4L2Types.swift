import MirrorCore

/// What a V4L2 node says it is (`VIDIOC_QUERYCAP`).
public struct V4L2Capabilities: Sendable, Codable, Equatable {
    public var path: String
    public var driver: String
    public var card: String
    public var busInfo: String
    /// It captures single-planar video.
    public var isCapture: Bool
    /// It supports mmap streaming I/O.
    public var canStream: Bool
}

/// One pixel format a camera offers, with its sizes and frame rates.
public struct V4L2FormatDescription: Sendable, Codable, Equatable {
    public struct Size: Sendable, Codable, Equatable {
        public var width: Int
        public var height: Int
        /// Frame rates offered at this size; empty when the driver lists none.
        public var fps: [Double]
    }

    public var fourcc: String
    public var description: String
    public var compressed: Bool
    public var sizes: [Size]
}

/// A camera control (`VIDIOC_QUERYCTRL`): brightness, exposure, white balance, power-line frequency…
public struct CameraControl: Sendable, Codable, Equatable {
    /// The name used in profiles and on the command line: the driver's label, lower-case, `_` for spaces.
    public var name: String
    public var label: String
    public var id: UInt32
    /// `integer`, `boolean`, `menu`, `integer-menu` or `button`.
    public var type: String
    public var minimum: Int
    public var maximum: Int
    public var step: Int
    public var defaultValue: Int
    public var value: Int?
    /// Menu entries by value, for menu controls.
    public var menu: [String: String]?
    public var readOnly: Bool
}

/// One wanted format, in order of preference: `MJPG 1920x1080@30`.
public struct FormatPreference: Sendable, Equatable, CustomStringConvertible {
    public var fourcc: String
    public var width: Int
    public var height: Int
    public var fps: Double

    public init(fourcc: String, width: Int, height: Int, fps: Double) {
        self.fourcc = fourcc
        self.width = width
        self.height = height
        self.fps = fps
    }

    /// Parses `FOURCC WIDTHxHEIGHT@FPS`, e.g. `YUYV 1280x720@30`.
    public init?(_ text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].count == 4 else { return nil }
        let sizeAndRate = parts[1].split(separator: "@")
        guard sizeAndRate.count == 2, let fps = Double(sizeAndRate[1]), fps > 0, fps <= 240 else { return nil }
        let size = sizeAndRate[0].split(separator: "x")
        guard size.count == 2, let width = Int(size[0]), let height = Int(size[1]), width > 0, height > 0 else {
            return nil
        }
        self.init(fourcc: parts[0].uppercased(), width: width, height: height, fps: fps)
    }

    public var description: String {
        let rate = fps == fps.rounded() ? "\(Int(fps))" : "\(fps)"
        return "\(fourcc) \(width)x\(height)@\(rate)"
    }
}
