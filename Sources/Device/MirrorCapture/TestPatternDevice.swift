public import MirrorCore

/// A synthetic camera: YUYV colour bars with the frame counter burned in as a row of black and white
/// blocks, so a test can read back exactly which frame it holds (pre-roll and drop tests).
public struct TestPatternDevice: CaptureDevice {
    public var width: Int
    public var height: Int
    public var fps: Double
    /// Stop after this many frames; nil runs until cancelled.
    public var frameLimit: Int?

    /// Bits of the burned-in counter, most significant first.
    public static let counterBits = 24

    public init(width: Int = 640, height: Int = 360, fps: Double = 30, frameLimit: Int? = nil) {
        precondition(width % 2 == 0 && width >= Self.counterBits * 4 && height >= 32)
        self.width = width
        self.height = height
        self.fps = fps
        self.frameLimit = frameLimit
    }

    public var name: String { "test-pattern:\(width)x\(height)@\(Int(fps))" }

    public func stream(
        opened: @escaping @Sendable (StreamFormat) -> Void, deliver: @escaping @Sendable (Frame) -> Void
    ) async throws(CaptureError) {
        opened(StreamFormat(format: .yuyv, width: width, height: height, fps: fps))
        let bars = Self.bars(width: width, height: height)
        let clock = ContinuousClock()
        let period = Duration.nanoseconds(Int64(1e9 / fps))
        var deadline = clock.now
        var sequence: UInt64 = 0
        while !Task.isCancelled, frameLimit.map({ sequence < $0 }) ?? true {
            deadline = deadline.advanced(by: period)
            do { try await Task.sleep(until: deadline, clock: clock) } catch { return }
            var pixels = bars
            Self.burn(sequence, into: &pixels, width: width)
            deliver(
                Frame(
                    sequence: sequence, timestamp: .now(), format: .yuyv, width: width, height: height,
                    stride: width * 2, bytes: FrameBytes(pixels)))
            sequence += 1
        }
    }

    /// Eight vertical colour bars (white, yellow, cyan, green, magenta, red, blue, black) in YUYV.
    static func bars(width: Int, height: Int) -> [UInt8] {
        let colours: [(y: UInt8, u: UInt8, v: UInt8)] = [
            (235, 128, 128), (210, 16, 146), (170, 166, 16), (145, 54, 34),
            (106, 202, 222), (81, 90, 240), (41, 240, 110), (16, 128, 128),
        ]
        var row = [UInt8](repeating: 0, count: width * 2)
        for pair in 0..<(width / 2) {
            let colour = colours[min(7, pair * 2 * 8 / width)]
            row[pair * 4] = colour.y
            row[pair * 4 + 1] = colour.u
            row[pair * 4 + 2] = colour.y
            row[pair * 4 + 3] = colour.v
        }
        return Array((0..<height).map { _ in row }.joined())
    }

    /// Writes `counter` into the top 16 rows: one block of `width / counterBits` pixels per bit.
    static func burn(_ counter: UInt64, into pixels: inout [UInt8], width: Int) {
        let block = width / counterBits
        for bit in 0..<counterBits {
            let on = (counter >> UInt64(counterBits - 1 - bit)) & 1 == 1
            for y in 0..<16 {
                for x in (bit * block)..<((bit + 1) * block) {
                    let index = (y * width + x) * 2
                    pixels[index] = on ? 235 : 16
                    pixels[index + 1] = 128
                }
            }
        }
    }

    /// Reads the burned-in counter back from YUYV bytes (the middle of each block on row 8).
    public static func counter(in frame: UnsafeRawBufferPointer, width: Int) -> UInt64 {
        let block = width / counterBits
        var value: UInt64 = 0
        for bit in 0..<counterBits {
            let x = bit * block + block / 2
            value = value << 1 | (frame[(8 * width + x) * 2] > 128 ? 1 : 0)
        }
        return value
    }
}
