import MirrorCore
import MirrorRecorder
import Testing

private func frame(_ sequence: UInt64, fps: UInt64 = 30) -> Frame {
    Frame(
        sequence: sequence, timestamp: MonotonicInstant(nanoseconds: 1_000_000_000 + sequence * 1_000_000_000 / fps),
        format: .mjpeg, width: 4, height: 4, bytes: FrameBytes([UInt8(truncatingIfNeeded: sequence)]))
}

@Suite struct PreRollTests {
    @Test func keepsExactlyThePreRollWindow() {
        var buffer = PreRollBuffer(duration: .seconds(2))
        for sequence: UInt64 in 0..<300 { buffer.append(frame(sequence)) }
        // 2 s at 30 fps: the newest frame and the 60 before it.
        #expect(buffer.all.map(\.sequence) == Array(239..<300))
    }

    @Test func triggerGetsTheFramesFromTriggerMinusPreRollFrameExact() {
        var buffer = PreRollBuffer(duration: .seconds(2))
        for sequence: UInt64 in 0..<200 { buffer.append(frame(sequence)) }
        let trigger = frame(199).timestamp
        let start = MonotonicInstant(nanoseconds: trigger.nanoseconds - 1_000_000_000)
        #expect(buffer.frames(since: start).map(\.sequence) == Array(169..<200))
    }

    @Test func capacityBoundsMemoryWhateverTheTimestamps() {
        var buffer = PreRollBuffer(duration: .seconds(60), capacity: 16)
        for sequence: UInt64 in 0..<100 { buffer.append(frame(sequence)) }
        #expect(buffer.count == 16)
        #expect(buffer.all.map(\.sequence) == Array(84..<100))
    }
}
