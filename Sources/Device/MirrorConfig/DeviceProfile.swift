import Foundation
public import MirrorCore

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
        /// Synthetic colour bars with a burned-in frame counter (tests, and a panel check without a camera).
        case testPattern(width: Int, height: Int)
        /// A Video4Linux2 camera: a node or a stable `/dev/v4l/by-id/...` link.
        case v4l2(device: String, formats: [String], buffers: Int, controls: [Control])
    }

    /// A camera control setting, e.g. `power_line_frequency: 1`.
    public struct Control: Sendable, Equatable {
        public var name: String
        public var value: Int
    }

    public struct Camera: Sendable, Equatable {
        public var source: CameraSource
        /// Frames per second played back (replay); a V4L2 camera's rate is in its formats.
        public var fps: Double
        /// Degrees clockwise to turn camera frames so that up is up (cameras mounted sideways).
        public var rotation: Int
        /// Parts of the view blacked out before anything sees a frame.
        public var privacyMasks: [MaskZone] = []
    }

    public enum PanelDevice: Sendable, Equatable {
        /// A file of exactly one frame of pixels, mapped like a framebuffer (demo and tests).
        case file(path: String)
        /// A Linux framebuffer: `/dev/fbN`, or `name:<driver>` as /sys/class/graphics/fbN/name says.
        case framebuffer(String)
    }

    public struct Panel: Sendable, Equatable {
        public var device: PanelDevice
        public var width: Int
        public var height: Int
        public var pixelFormat: PanelPixelFormat
        /// Show the camera image flipped left-right, as a mirror does.
        public var mirror: Bool
        /// The visible picture's size in millimetres (`width_mm` absent or 0: from `height_mm` and the pixels' aspect)
        /// and its bottom edge's height above the floor (`bottom_mm`): the layout keeps every control within reach
        /// from them.
        public var widthMM: Double?
        public var heightMM: Double = 2000
        public var bottomMM: Double = 0
    }

    /// The touch sensor on the glass.
    public enum TouchDevice: Sendable, Equatable {
        /// None fitted: the local API drives the interface (kiosks, tests).
        case none
        /// The first input device reporting multitouch positions.
        case auto
        case path(String)
    }

    public struct Touch: Sendable, Equatable {
        public var device: TouchDevice
        /// Degrees clockwise the sensor is turned relative to the picture.
        public var rotation: Int
    }

    public var name: String
    public var summary: String
    public var file: String
    public var camera: Camera
    public var panel: Panel
    public var touch = Touch(device: .none, rotation: 0)

    /// Loads and validates the profile at `path`; `stateDirectory` holds file-backed panels.
    public static func load(path: String, stateDirectory: String) throws(ConfigError) -> DeviceProfile {
        try parse(try readText(path, what: "device profile"), path: path, stateDirectory: stateDirectory)
    }

    /// Validates a profile's `text` as if read from `path` (relative paths in it are relative to `path`).
    public static func parse(_ text: String, path: String, stateDirectory: String) throws(ConfigError)
        -> DeviceProfile
    {
        var fields = try YAMLFields.parse(text, file: path)
        let base = (path as NSString).deletingLastPathComponent

        let name = try fields.require("name", fix: "give the profile a short name, e.g. 'demo-replay'")
        let summary = try fields.string("description", default: "")

        guard var cam = try fields.section("camera") else {
            throw ConfigError(file: path, key: "camera", problem: "is missing", fix: "add a camera section")
        }
        let kind = try cam.choice("source", ["replay", "v4l2", "test-pattern"], default: "replay")
        let source: CameraSource
        var fps = 30.0
        if kind == "replay" {
            let sample = try cam.require("file", fix: "name the MJPEG file to replay, relative to the profile")
            let samplePath = resolve(sample, against: base)
            guard FileManager.default.isReadableFile(atPath: samplePath) else {
                throw cam.error(
                    "file", "cannot read \(samplePath)",
                    fix: "check the path; it is relative to the profile's folder")
            }
            source = .replay(file: samplePath, loop: try cam.bool("loop", default: true))
            fps = try cam.double("fps", default: 30, in: 1...120)
        } else if kind == "test-pattern" {
            source = .testPattern(
                width: try cam.int("width", default: 640, in: 96...3840) & ~1,
                height: try cam.int("height", default: 360, in: 32...2160))
            fps = try cam.double("fps", default: 30, in: 1...120)
        } else {
            let device = try cam.require("device", fix: "name the camera, e.g. /dev/v4l/by-id/usb-...-video-index0")
            let formats = try cam.strings("formats") ?? ["MJPG 1920x1080@30", "YUYV 1280x720@30"]
            for (index, format) in formats.enumerated() where !Self.isFormat(format) {
                throw cam.error(
                    "formats", "item \(index + 1) '\(format)' is not FOURCC WIDTHxHEIGHT@FPS",
                    fix: "e.g. MJPG 1920x1080@30 (MJPG and YUYV are supported)")
            }
            guard !formats.isEmpty else { throw cam.error("formats", "is empty") }
            source = .v4l2(
                device: device, formats: formats, buffers: try cam.int("buffers", default: 4, in: 2...32),
                controls: try cam.integers("controls").map { Control(name: $0.name, value: $0.value) })
        }
        let camera = Camera(
            source: source, fps: fps, rotation: try rotation(&cam), privacyMasks: try privacyMasks(&cam))
        try cam.finish()

        guard var pan = try fields.section("panel") else {
            throw ConfigError(file: path, key: "panel", problem: "is missing", fix: "add a panel section")
        }
        let device = try pan.string("device", default: "file")
        guard device == "file" || device.hasPrefix("/dev/") || device.hasPrefix("name:") else {
            throw pan.error(
                "device", "'\(device)' is not a panel", fix: "use file, /dev/fbN or name:<driver name>")
        }
        let formatName = try pan.choice(
            "pixel_format", PanelPixelFormat.allCases.map(\.rawValue), default: "XRGB8888")
        let panel = Panel(
            device: device == "file"
                ? .file(path: resolve("framebuffer.raw", against: stateDirectory)) : .framebuffer(device),
            width: try pan.int("width", default: 1080, in: 64...8192),
            height: try pan.int("height", default: 1920, in: 64...8192),
            pixelFormat: PanelPixelFormat(rawValue: formatName)!,
            mirror: try pan.bool("mirror", default: true),
            widthMM: try pan.double("width_mm", default: 0, in: 0...5000).nonZero,
            heightMM: try pan.double("height_mm", default: 2000, in: 100...5000),
            bottomMM: try pan.double("bottom_mm", default: 0, in: 0...2500))
        try pan.finish()
        var touch = Touch(device: .none, rotation: 0)
        if var section = try fields.section("touch") {
            let device = try section.string("device", default: "auto")
            guard ["auto", "none"].contains(device) || device.hasPrefix("/dev/") else {
                throw section.error(
                    "device", "'\(device)' is not a touch device", fix: "use auto, none or /dev/input/eventN")
            }
            touch.device = device == "auto" ? .auto : device == "none" ? .none : .path(device)
            touch.rotation = try rotation(&section)
            try section.finish()
        }
        try fields.finish()
        return DeviceProfile(name: name, summary: summary, file: path, camera: camera, panel: panel, touch: touch)
    }

    /// `FOURCC WIDTHxHEIGHT@FPS` with a format the project handles.
    static func isFormat(_ text: String) -> Bool {
        let parts = text.split(separator: " ")
        guard parts.count == 2, ["MJPG", "YUYV"].contains(parts[0].uppercased()) else { return false }
        let rate = parts[1].split(separator: "@")
        guard rate.count == 2, let fps = Double(rate[1]), fps > 0, fps <= 240 else { return false }
        let size = rate[0].split(separator: "x")
        return size.count == 2 && Int(size[0]).map { $0 > 0 } == true && Int(size[1]).map { $0 > 0 } == true
    }

    /// `privacy_masks`: a list of `{name, x, y, width, height}`, fractions of the camera's frame as it arrives.
    private static func privacyMasks(_ fields: inout YAMLFields) throws(ConfigError) -> [MaskZone] {
        var zones: [MaskZone] = []
        for var item in try fields.sections("privacy_masks") {
            let zone = MaskZone(
                name: try item.require("name", fix: "say what the zone hides, e.g. 'cubicle gap'"),
                x: try item.double("x", default: 0, in: 0...1), y: try item.double("y", default: 0, in: 0...1),
                width: try item.double("width", default: 0, in: 0...1),
                height: try item.double("height", default: 0, in: 0...1))
            try item.finish()
            guard zone.width > 0, zone.height > 0 else {
                throw item.error("width", "the zone is empty", fix: "give width and height as fractions of the frame")
            }
            guard zone.x + zone.width <= 1.000_001, zone.y + zone.height <= 1.000_001 else {
                throw item.error("x", "the zone reaches past the frame", fix: "x + width and y + height are at most 1")
            }
            zones.append(zone)
        }
        return zones
    }

    private static func rotation(_ fields: inout YAMLFields) throws(ConfigError) -> Int {
        let degrees = try fields.int("rotation", default: 0, in: 0...270)
        guard degrees % 90 == 0 else { throw fields.error("rotation", "must be 0, 90, 180 or 270") }
        return degrees
    }
}

/// The largest config or profile file read: a real one is a few kilobytes; a file of megabytes of keys would
/// take hundreds of megabytes and seconds to parse (and again at every reload).
public let largestConfigFile = 1 << 20

func readText(_ path: String, what: String) throws(ConfigError) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else {
        let code = errno
        switch code {
        case ENOENT, ENOTDIR: throw ConfigError(file: path, problem: "no such \(what)", fix: "check the path")
        case EACCES, EPERM:
            throw ConfigError(
                file: path, problem: "cannot read the \(what): \(String(cString: strerror(code)))",
                fix: "check its permissions")
        default:
            throw ConfigError(file: path, problem: "cannot open the \(what): \(String(cString: strerror(code)))")
        }
    }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw ConfigError(file: path, problem: "cannot read the \(what): \(String(cString: strerror(errno)))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw ConfigError(file: path, problem: "is a folder, not a \(what)", fix: "name the file in it")
    default: throw ConfigError(file: path, problem: "is not a regular file", fix: "name a \(what)")
    }
    guard Int(info.st_size) <= largestConfigFile else {
        throw ConfigError(
            file: path,
            problem: "the \(what) is \(info.st_size) bytes, over the \(largestConfigFile >> 20) MiB a \(what) may be",
            fix: "a \(what) is a few kilobytes; check that this is the right file")
    }
    let data: Data
    do {
        // One byte more than the cap: a file that grew since fstat is refused too.
        data = try handle.read(upToCount: largestConfigFile + 1) ?? Data()
    } catch {
        throw ConfigError(file: path, problem: "cannot read the \(what): \(error.localizedDescription)")
    }
    guard data.count <= largestConfigFile else {
        throw ConfigError(
            file: path, problem: "the \(what) is over the \(largestConfigFile >> 20) MiB a \(what) may be")
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

extension Double {
    /// Nil for zero (a size given as 0 means "work it out").
    fileprivate var nonZero: Double? { self == 0 ? nil : self }
}
