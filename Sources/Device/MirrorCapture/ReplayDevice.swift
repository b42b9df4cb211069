import Foundation
public import MirrorCore
import MirrorImaging

/// Plays back a recorded MJPEG stream (JPEG images one after another) at a fixed frame rate,
/// as if it came from a camera: the demo's camera, and the input of tests and benchmarks.
public struct ReplayDevice: CaptureDevice {
    public let path: String
    public let fps: Double
    public let loop: Bool

    public init(path: String, fps: Double, loop: Bool = true) {
        self.path = path
        self.fps = fps
        self.loop = loop
    }

    public var name: String { "replay:\(path)" }

    /// The sample's frames, each checked, and the offsets of damaged ones.
    public struct Sample: Sendable {
        public var bytes: [UInt8]
        public var frames: [Range<Int>]
        public var damaged: Int
        public var width: Int
        public var height: Int
        /// Where the damaged frames lie (each up to the next frame): played like the others, so that capture counts
        /// them as corrupt as it would a camera's.
        public var damagedRanges: [Range<Int>] = []

        /// Whole and damaged frames in the order of the file.
        var played: [Range<Int>] { (frames + damagedRanges).sorted { $0.lowerBound < $1.lowerBound } }
    }

    /// Reads and checks the whole sample (samples are small: a few hundred kilobytes).
    public static func load(_ path: String) throws(CaptureError) -> Sample {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw CaptureError(
                exists ? .io : .notFound, exists ? "cannot read replay file \(path)" : "no replay file at \(path)")
        }
        let bytes = [UInt8](data)
        let (frames, damaged) = bytes.withUnsafeBytes { JPEGMarkers.split($0) }
        guard let first = frames.first else {
            throw CaptureError(.unsupported, "\(path) holds no whole JPEG frame (expected an MJPEG stream)")
        }
        let info = try? bytes.withUnsafeBytes { JPEGMarkers.inspect(UnsafeRawBufferPointer(rebasing: $0[first])) }
            .get()
        let starts = (frames.map(\.lowerBound) + damaged).sorted()
        let damagedRanges = damaged.map { start in start..<(starts.first { $0 > start } ?? bytes.count) }
        return Sample(
            bytes: bytes, frames: frames, damaged: damaged.count, width: info?.width ?? 0, height: info?.height ?? 0,
            damagedRanges: damagedRanges)
    }

    public func stream(
        opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) async throws(CaptureError) {
        let sample = try Self.load(path)
        opened(StreamFormat(format: .mjpeg, width: sample.width, height: sample.height, fps: fps))
        let period = Duration.nanoseconds(Int64(1e9 / fps))
        let clock = ContinuousClock()
        var deadline = clock.now
        var sequence: UInt64 = 0
        let played = sample.played
        repeat {
            for range in played {
                // Absolute deadlines: a late wake-up shortens the next wait instead of drifting; after a stall
                // (a suspended process, a starved machine) the replay goes on from now instead of catching up in
                // one burst, as a camera would.
                deadline = max(deadline.advanced(by: period), clock.now.advanced(by: period / 2))
                do {
                    try await Task.sleep(until: deadline, clock: clock)
                } catch {
                    return  // cancelled: the service is stopping
                }
                deliver(
                    Frame(
                        sequence: sequence, timestamp: .now(), format: .mjpeg, width: sample.width,
                        height: sample.height, bytes: FrameBytes(sample.bytes, range: range)))
                sequence += 1
            }
        } while loop && !Task.isCancelled
    }
}
