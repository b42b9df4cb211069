import ArgumentParser
import Foundation
import MirrorCore
import MirrorImaging
import MirrorRecorder

/// Recording cost at the camera's pace: MJPEG passed through (encrypted and plain, for the ratio) or
/// YUYV encoded to JPEG first, as the recorder does it.
struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CPU of writing clips at the camera's frame rate: MJPEG passthrough or YUYV encoding.")

    @Argument(help: "A JPEG frame (mjpeg mode), e.g. from make-jpeg.") var frame: String
    @Option(help: "mjpeg or yuyv.") var mode = "mjpeg"
    @Option(help: "Encrypt the clip (the daemon always does; off gives the plain peer).") var encrypt = true
    @Option var fps = 30.0
    @Option(help: "Seconds of frames to write.") var seconds = 10.0
    @Option(help: "YUYV frame size.") var yuyvWidth = 1280
    @Option var yuyvHeight = 720

    func run() throws {
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: frame)))
        let folder = NSTemporaryDirectory() + "record-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/clip.mclip"
        let yuyv = mode == "yuyv"
        let width = yuyv ? yuyvWidth : 1920
        let height = yuyv ? yuyvHeight : 1080
        let writer =
            encrypt
            ? try EncryptedClip.create(path: path, width: width, height: height, fps: fps, key: EncryptedClip.newKey())
            : try AVIWriter(path: path, width: width, height: height, fps: fps)
        // A camera-like YUYV frame: luma grain, flat chroma.
        var packed = [UInt8](repeating: 128, count: width * height * 2)
        var state: UInt32 = 7
        for index in stride(from: 0, to: packed.count, by: 2) {
            state = state &* 1_664_525 &+ 1_013_904_223
            packed[index] = UInt8(96 + (state >> 26))
        }
        let encoder = try JPEGEncoder()
        let image = PixelBuffer()
        let total = Int(seconds * fps)
        let period = 1 / fps
        let wallStart = Date()
        let cpuStart = cpuSeconds()
        var late = 0
        var lastFlush = Date()
        for index in 0..<total {
            let due = wallStart.addingTimeInterval(Double(index) * period)
            let wait = due.timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: wait) } else if wait < -period { late += 1 }
            if yuyv {
                try packed.withUnsafeBytes { bytes in
                    try YUYV.convert(bytes, width: width, height: height, stride: width * 2, into: image)
                }
                try writer.append(try encoder.encode(image, quality: 85))
            } else {
                try writer.append(jpeg)
            }
            if Date().timeIntervalSince(lastFlush) >= 1 {
                try writer.flush()
                lastFlush = Date()
            }
        }
        try writer.finish()
        let wall = Date().timeIntervalSince(wallStart)
        let cpu = cpuSeconds() - cpuStart
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print(
            String(
                format: "record %@%@ %dx%d @ %.0f fps: %d frames in %.1f s, CPU %.2f %% of one core, "
                    + "%.2f ms per frame, %d frames late, %.1f MB written",
                mode, encrypt ? " encrypted" : " plain", width, height, fps, total, wall, 100 * cpu / wall,
                1000 * cpu / Double(total), late, Double(size) / 1e6))
    }
}
