import Foundation
import MirrorAPIModel
import MirrorConfig
import MirrorCore
import MirrorImaging
import MirrorProtocol
import MirrorRecorder

/// The parsers that take bytes from outside (a clip file, a camera frame, a config file, a request body), each a
/// function that must return, whatever the bytes: any error is fine, a crash or a hang is a bug.
enum Harness: String, CaseIterable {
    case avi, jpeg, config, profile, json

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .avi: Self.avi(bytes)
        case .jpeg: Self.jpeg(bytes)
        case .config: Self.config(bytes)
        case .profile: Self.profile(bytes)
        case .json: Self.json(bytes)
        }
    }

    /// The clip reader, by its index and by scanning the chunks (the repair path), then every frame it found.
    static func avi(_ bytes: UnsafeRawBufferPointer) {
        let source = MemorySource(Array(bytes))
        for scan in [false, true] {
            guard let reader = try? AVIReader(source: source, scan: scan) else { continue }
            for index in reader.frames.indices.prefix(64) { _ = try? reader.frame(index) }
        }
    }

    /// The camera frame validator, the MJPEG stream splitter, and privacy masking of a frame that passed
    /// validation (libjpeg-turbo's lossless transform reads the whole entropy-coded image).
    static func jpeg(_ bytes: UnsafeRawBufferPointer) {
        _ = JPEGMarkers.split(bytes)
        guard case .success(let info) = JPEGMarkers.inspect(bytes), info.width * info.height <= 1 << 20 else { return }
        let frame = Frame(
            sequence: 0, timestamp: MonotonicInstant(nanoseconds: 0), format: .mjpeg, width: info.width,
            height: info.height, bytes: FrameBytes(Array(bytes)))
        _ = try? masker?.apply(frame)
    }

    static let masker = try? PrivacyMasker(zones: [MaskZone(name: "fuzz", x: 0.1, y: 0.2, width: 0.3, height: 0.4)])

    /// The daemon's YAML configuration (and, when it names one that exists, the device profile).
    static func config(_ bytes: UnsafeRawBufferPointer) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        _ = try? DaemonConfig.parse(text, path: "/nonexistent/fuzz/mirrord.yaml")
    }

    /// A device profile.
    static func profile(_ bytes: UnsafeRawBufferPointer) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        _ = try? DeviceProfile.parse(text, path: "/nonexistent/fuzz/profile.yaml", stateDirectory: "/nonexistent")
    }

    /// The JSON bodies the daemon and the hub accept and the telemetry the hub pulls.
    static func json(_ bytes: UnsafeRawBufferPointer) {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        _ = try? decoder.decode(JSONValue.self, from: data)
        _ = try? decoder.decode(SyncPushRequest.self, from: data)
        _ = try? decoder.decode(MirrorEnrollment.self, from: data)
        _ = try? decoder.decode(EnrolRequest.self, from: data)
        _ = try? TelemetryReport.decoder().decode(TelemetryReport.self, from: data)
        _ = try? TelemetryReport.decoder().decode([FleetDevice].self, from: data)
    }
}

/// A clip held in memory.
final class MemorySource: ClipSource {
    let name = "fuzz input"
    let bytes: [UInt8]
    var length: Int { bytes.count }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(offset: Int, count: Int) throws(RecorderError) -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= bytes.count else {
            throw RecorderError(.invalidClip, "read outside the clip")
        }
        return Array(bytes[offset..<min(bytes.count, offset + count)])
    }
}
