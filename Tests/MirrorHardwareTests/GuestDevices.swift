import CV4L2
import Foundation
import MirrorCapture
import MirrorCore
import Synchronization
import Testing

/// Every test that needs the guest's devices, one at a time: they share vivid, which some unplug.
@Suite(.serialized, .enabled(if: Guest.active, Comment(rawValue: Guest.reason)))
struct HardwareTests {}

/// The kernel devices of the QEMU guest (scripts/vm/run): vivid for uncompressed capture, v4l2loopback
/// fed with MJPEG. Outside the guest these tests skip and say why; inside it they must find the devices.
enum Guest {
    static let active = ProcessInfo.processInfo.environment["MIRROR_IN_GUEST"] == "1"
    static let reason = "needs real V4L2 devices: runs inside the QEMU guest (scripts/vm/run), as .ci/run does"

    /// The first node whose driver is `driver` and, unless nil, whose capture capability is `capture`.
    static func node(driver: String, capture: Bool? = true) throws -> String {
        var seen: [String] = []
        for path in videoNodes() {
            guard let caps = try? V4L2Device.capabilities(of: path) else { continue }
            seen.append("\(path)=\(caps.driver)\(caps.isCapture ? "(capture)" : "")")
            if caps.driver == driver && (capture == nil || caps.isCapture == capture) { return path }
        }
        throw GuestError("no node of driver \(driver) (capture: \(String(describing: capture))) in \(seen)")
    }

    static func videoNodes() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).filter {
            $0.hasPrefix("video") && Int($0.dropFirst(5)) != nil
        }.sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }.map { "/dev/\($0)" }
    }

    /// Open file descriptors of process `pid` (this one by default).
    static func openFiles(_ pid: String = "self") -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).count
    }

    /// Resident memory of process `pid` (this one by default) in kB.
    static func residentKB(_ pid: String = "self") -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    /// Writes `value` to a sysfs file (bind/unbind a driver: a real unplug and replug).
    static func sysfs(_ path: String, _ value: String) throws {
        let fd = open(path, O_WRONLY)
        guard fd >= 0 else { throw GuestError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = value.withCString { write(fd, $0, strlen($0)) }
        guard written >= 0 else { throw GuestError("write \(path): \(String(cString: strerror(errno)))") }
    }
}

struct GuestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Feeds JPEG frames into a v4l2loopback node's output side, like an MJPEG camera's sensor would.
final class LoopbackFeeder: @unchecked Sendable {
    let fd: Int32
    let frames: [[UInt8]]
    private let stop = Mutex(false)
    private var thread: Thread?

    init(path: String, frames: [[UInt8]], width: Int, height: Int) throws {
        fd = open(path, O_RDWR)
        guard fd >= 0 else { throw GuestError("open \(path): \(String(cString: strerror(errno)))") }
        self.frames = frames
        var format = v4l2_format()
        format.type = V4L2_BUF_TYPE_VIDEO_OUTPUT.rawValue
        format.fmt.pix.width = UInt32(width)
        format.fmt.pix.height = UInt32(height)
        format.fmt.pix.pixelformat = Array("MJPG".utf8).enumerated().reduce(0) {
            $0 | UInt32($1.element) << ($1.offset * 8)
        }
        format.fmt.pix.field = V4L2_FIELD_NONE.rawValue
        format.fmt.pix.sizeimage = UInt32(frames.map(\.count).max()! + 4096)
        let result = withUnsafeMutablePointer(to: &format) { ioctl(fd, cv4l2_s_fmt(), $0) }
        guard result == 0 else { throw GuestError("S_FMT on \(path) output: \(String(cString: strerror(errno)))") }
    }

    /// Writes the frames in a loop at `fps` on a thread until ``finish()``.
    func start(fps: Double) {
        let thread = Thread { [self] in
            var index = 0
            let period = 1 / fps
            var next = Date()
            while !stop.withLock({ $0 }) {
                let frame = frames[index % frames.count]
                _ = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                index += 1
                next += period
                Thread.sleep(until: next)
            }
        }
        self.thread = thread
        thread.start()
    }

    func finish() {
        stop.withLock { $0 = true }
        Thread.sleep(forTimeInterval: 0.2)
        close(fd)
    }
}
