import CLinuxUAPI
import Foundation
public import MirrorCore
import Synchronization

/// What the shopper did on the glass, in panel coordinates (0…1 from the top left of the picture).
public enum TouchGesture: Sendable, Equatable {
    case tap(x: Double, y: Double)
    case swipeLeft
    case swipeRight
}

/// Turns Linux multitouch (protocol B) events into taps and horizontal swipes.
///
/// A pure value: feed it `(type, code, value, time)` as the kernel reports them; it follows the first
/// finger down and classifies the contact when that finger lifts. Positions are normalised with the
/// axes' ranges and turned by the panel's rotation, so "left" is the shopper's left.
public struct TouchRecognizer: Sendable {
    public struct Axis: Sendable, Equatable {
        public var minimum: Int32
        public var maximum: Int32
        public init(minimum: Int32, maximum: Int32) {
            self.minimum = minimum
            self.maximum = maximum
        }
    }

    let xAxis: Axis
    let yAxis: Axis
    /// Degrees clockwise the touch sensor is turned relative to the picture.
    let rotation: Int
    private var slot: Int32 = 0
    private var trackedSlot: Int32?
    private var position: (x: Int32, y: Int32) = (0, 0)
    private var start: (x: Int32, y: Int32, time: Double)?
    private var lifted = false
    private var now = 0.0

    public init(x: Axis, y: Axis, rotation: Int = 0) {
        precondition([0, 90, 180, 270].contains(rotation))
        xAxis = x
        yAxis = y
        self.rotation = rotation
    }

    /// Feeds one event; returns a gesture when a contact ends with one.
    public mutating func handle(type: UInt16, code: UInt16, value: Int32, time: Double) -> TouchGesture? {
        now = time
        switch (Int32(type), Int32(code)) {
        case (EV_ABS, ABS_MT_SLOT):
            slot = value
        case (EV_ABS, ABS_MT_TRACKING_ID):
            if value >= 0, trackedSlot == nil {
                trackedSlot = slot
                start = nil  // set at the report, once the position is known
            } else if value < 0, slot == trackedSlot {
                lifted = true
            }
        case (EV_ABS, ABS_MT_POSITION_X) where slot == trackedSlot:
            position.x = value
        case (EV_ABS, ABS_MT_POSITION_Y) where slot == trackedSlot:
            position.y = value
        case (EV_SYN, SYN_DROPPED):
            // The kernel dropped events: forget the contact rather than guess.
            trackedSlot = nil
            start = nil
            lifted = false
        case (EV_SYN, SYN_REPORT):
            if trackedSlot != nil, start == nil { start = (position.x, position.y, now) }
            if lifted { return finish() }
        default:
            break
        }
        return nil
    }

    private mutating func finish() -> TouchGesture? {
        defer {
            trackedSlot = nil
            start = nil
            lifted = false
        }
        guard let start else { return nil }
        let from = normalise(start.x, start.y)
        let to = normalise(position.x, position.y)
        let dx = to.x - from.x
        let dy = to.y - from.y
        if abs(dx) >= 0.12 && abs(dx) > 2 * abs(dy) { return dx < 0 ? .swipeLeft : .swipeRight }
        if abs(dx) < 0.03 && abs(dy) < 0.03 && now - start.time < 0.6 { return .tap(x: from.x, y: from.y) }
        return nil
    }

    /// Sensor units → 0…1 in the picture, turned by `rotation`.
    func normalise(_ x: Int32, _ y: Int32) -> (x: Double, y: Double) {
        let u = Double(x - xAxis.minimum) / Double(max(1, xAxis.maximum - xAxis.minimum))
        let v = Double(y - yAxis.minimum) / Double(max(1, yAxis.maximum - yAxis.minimum))
        switch rotation {
        case 90: return (1 - v, u)
        case 180: return (1 - u, 1 - v)
        case 270: return (v, 1 - u)
        default: return (u, v)
        }
    }
}

/// A multitouch screen read from `/dev/input/eventN` on a thread of its own.
public final class TouchScreen: Sendable {
    public let path: String
    public let name: String
    let fd: Int32
    let xAxis: TouchRecognizer.Axis
    let yAxis: TouchRecognizer.Axis
    private let stopped = Atomic<Bool>(false)

    /// Opens `path`, or with nil the first input device that reports multitouch positions.
    public init(_ path: String?) throws(DisplayError) {
        let candidates =
            path.map { [$0] }
            ?? ((try? FileManager.default.contentsOfDirectory(atPath: "/dev/input")) ?? []).filter {
                $0.hasPrefix("event")
            }.sorted().map { "/dev/input/\($0)" }
        for candidate in candidates {
            let fd = open(candidate, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if let x = Self.axis(fd, ABS_MT_POSITION_X), let y = Self.axis(fd, ABS_MT_POSITION_Y) {
                var buffer = [UInt8](repeating: 0, count: 128)
                _ = buffer.withUnsafeMutableBytes { ioctl(fd, clinux_eviocgname(128), $0.baseAddress!) }
                self.path = candidate
                self.fd = fd
                self.xAxis = x
                self.yAxis = y
                self.name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
                return
            }
            close(fd)
        }
        throw DisplayError(
            .open, path.map { "\($0) is not a multitouch screen" } ?? "no multitouch screen under /dev/input")
    }

    deinit { close(fd) }

    private static func axis(_ fd: Int32, _ code: Int32) -> TouchRecognizer.Axis? {
        var info = input_absinfo()
        guard ioctl(fd, clinux_eviocgabs(UInt32(code)), &info) == 0, info.maximum > info.minimum else { return nil }
        return .init(minimum: info.minimum, maximum: info.maximum)
    }

    /// Reads events until ``stop()`` or the device goes away, calling `gesture` for each gesture.
    public func run(rotation: Int, gesture: (TouchGesture) -> Void) throws(DisplayError) {
        var recognizer = TouchRecognizer(x: xAxis, y: yAxis, rotation: rotation)
        let size = MemoryLayout<input_event>.stride
        var events = [input_event](repeating: input_event(), count: 64)
        while !stopped.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 100)
            if ready <= 0 { continue }
            if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                throw DisplayError(.open, "\(path) went away")
            }
            let count = events.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw DisplayError(
                    .open, "reading \(path) failed",
                    underlying: SystemCallError(call: "read", subject: path, errno: errno))
            }
            for event in events.prefix(count / size) {
                let time = Double(event.time.tv_sec) + Double(event.time.tv_usec) / 1e6
                if let found = recognizer.handle(type: event.type, code: event.code, value: event.value, time: time) {
                    gesture(found)
                }
            }
        }
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }
}
