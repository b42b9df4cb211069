import Foundation

/// The pixel layouts a file-backed panel can be given; a real framebuffer reports its own.
public enum PanelPixelFormat: String, Sendable, CaseIterable {
    /// 32 bits, red at bit 16, green at 8, blue at 0 (bochs-drm, most DRM fbdev emulation).
    case xrgb8888 = "XRGB8888"
    /// 32 bits, red at bit 0, blue at 16 (vfb and some SoC panels).
    case xbgr8888 = "XBGR8888"
    /// 16 bits, red 5 at bit 11, green 6 at 5, blue 5 at 0.
    case rgb565 = "RGB565"
}

/// One hardware build of the mirror: its camera and its panel. Files live in `devices/`.
public struct DeviceProfile: Sendable, Equatable {
    public enum CameraSource: Sendable, Equatable {
        /// Recorded MJPEG frames played back on the camera's schedule (the demo and tests).
        case replay(file: String, loop: Bool)
    }

    public struct Camera: Sendable, Equatable {
        public var source: CameraSource
        /// Frames per second requested from the camera (or played back).
        public var fps: Double
        /// Degrees clockwise to turn camera frames so that up is up (cameras mounted sideways).
        public var rotation: Int
    }

    public enum PanelDevice: Sendable, Equatable {
        /// A file of exactly one frame of pixels, mapped like a framebuffer (demo and tests).
        case file(path: String)
    }

    public struct Panel: Sendable, Equatable {
        public var device: PanelDevice
        public var width: Int
        public var height: Int
        public var pixelFormat: PanelPixelFormat
        /// Show the camera image flipped left-right, as a mirror does.
        public var mirror: Bool
    }

    public var name: String
    public var summary: String
    public var file: String
    public var camera: Camera
    public var panel: Panel

    /// Loads and validates the profile at `path`; `stateDirectory` holds file-backed panels.
    public static func load(path: String, stateDirectory: String) throws(ConfigError) -> DeviceProfile {
        let text = try readText(path, what: "device profile")
        var fields = try YAMLFields.parse(text, file: path)
        let base = (path as NSString).deletingLastPathComponent

        let name = try fields.require("name", fix: "give the profile a short name, e.g. 'demo-replay'")
        let summary = try fields.string("description", default: "")

        guard var cam = try fields.section("camera") else {
            throw ConfigError(file: path, key: "camera", problem: "is missing", fix: "add a camera section")
        }
        let kind = try cam.choice("source", ["replay"], default: "replay")
        precondition(kind == "replay")
        let sample = try cam.require("file", fix: "name the MJPEG file to replay, relative to the profile")
        let samplePath = resolve(sample, against: base)
        guard FileManager.default.isReadableFile(atPath: samplePath) else {
            throw cam.error(
                "file", "cannot read \(samplePath)",
                fix: "check the path; it is relative to the profile's folder")
        }
        let camera = Camera(
            source: .replay(file: samplePath, loop: try cam.bool("loop", default: true)),
            fps: try cam.double("fps", default: 30, in: 1...120),
            rotation: try rotation(&cam))
        try cam.finish()

        guard var pan = try fields.section("panel") else {
            throw ConfigError(file: path, key: "panel", problem: "is missing", fix: "add a panel section")
        }
        let device = try pan.string("device", default: "file")
        guard device == "file" else {
            throw pan.error("device", "'\(device)' is not supported yet", fix: "use 'file'")
        }
        let formatName = try pan.choice(
            "pixel_format", PanelPixelFormat.allCases.map(\.rawValue), default: "XRGB8888")
        let panel = Panel(
            device: .file(path: resolve("framebuffer.raw", against: stateDirectory)),
            width: try pan.int("width", default: 1080, in: 64...8192),
            height: try pan.int("height", default: 1920, in: 64...8192),
            pixelFormat: PanelPixelFormat(rawValue: formatName)!,
            mirror: try pan.bool("mirror", default: true))
        try pan.finish()
        try fields.finish()
        return DeviceProfile(name: name, summary: summary, file: path, camera: camera, panel: panel)
    }

    private static func rotation(_ fields: inout YAMLFields) throws(ConfigError) -> Int {
        let degrees = try fields.int("rotation", default: 0, in: 0...270)
        guard degrees % 90 == 0 else { throw fields.error("rotation", "must be 0, 90, 180 or 270") }
        return degrees
    }
}

func readText(_ path: String, what: String) throws(ConfigError) -> String {
    guard FileManager.default.fileExists(atPath: path) else {
        throw ConfigError(file: path, problem: "no such \(what)", fix: "check the path")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ConfigError(file: path, problem: "cannot read the \(what)", fix: "check its permissions")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw ConfigError(file: path, problem: "not UTF-8 text")
    }
    return text
}

/// `path` as given when absolute, else relative to `base`, normalised.
func resolve(_ path: String, against base: String) -> String {
    let joined = path.hasPrefix("/") ? path : (base.isEmpty ? path : "\(base)/\(path)")
    return URL(fileURLWithPath: joined).standardizedFileURL.path
}
