import Foundation
public import MirrorCore
import Synchronization

/// A V4L2 camera as a ``CaptureDevice``: opens the node, negotiates from the profile's preferences,
/// applies its controls and streams on a dedicated thread (poll, dequeue, copy, requeue).
public struct V4L2Camera: CaptureDevice {
    public var path: String
    public var preferences: [FormatPreference]
    public var bufferCount: Int
    /// Control settings applied after each open, in order.
    public var controls: [(name: String, value: Int)]
    /// A camera that delivers nothing for this long is treated as gone and reopened.
    public var stallTimeout: Duration

    public init(
        path: String, preferences: [FormatPreference], bufferCount: Int = 4,
        controls: [(name: String, value: Int)] = [],
        stallTimeout: Duration = .seconds(2)
    ) {
        self.path = path
        self.preferences = preferences
        self.bufferCount = bufferCount
        self.controls = controls
        self.stallTimeout = stallTimeout
    }

    public var name: String { path }

    public func stream(
        opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) async throws(CaptureError) {
        let stop = StopFlag()
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    // A thread of its own: capture must not wait behind the cooperative pool.
                    let thread = Thread {
                        do {
                            try captureLoop(stop: stop, opened: opened, deliver: deliver)
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }
                    thread.name = "capture"
                    thread.qualityOfService = .userInteractive
                    thread.start()
                }
            } onCancel: {
                stop.set()
            }
        } catch let error as CaptureError {
            throw error
        } catch {
            throw CaptureError(.io, "capture failed", underlying: error as? SystemCallError)
        }
    }

    private func captureLoop(
        stop: StopFlag, opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) throws(CaptureError) {
        let device = try V4L2Device.open(path)
        let format = try device.negotiate(preferences)
        for (name, value) in controls { try device.setControl(name, to: value) }
        try device.startStreaming(buffers: bufferCount)
        defer { device.stopStreaming() }
        opened(format)
        let stride = device.bytesPerLine
        var waited = Duration.zero
        let slice = Duration.milliseconds(100)
        while !stop.isSet {
            let got = try device.nextFrame(timeout: slice) { bytes, sequence, timestamp in
                // Copy out of the driver's buffer so it can be requeued at once.
                let copy = [UInt8](bytes)
                deliver(
                    Frame(
                        sequence: sequence, timestamp: timestamp, format: format.format, width: format.width,
                        height: format.height, stride: format.format == .mjpeg ? 0 : stride, bytes: FrameBytes(copy)))
            }
            if got {
                waited = .zero
            } else {
                waited += slice
                if waited >= stallTimeout {
                    throw CaptureError(.disconnected, "\(path) delivered no frame for \(stallTimeout)")
                }
            }
        }
    }
}

/// Tells the capture thread to finish.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
