import MirrorCore
import Testing

private func frame(_ sequence: UInt64) -> Frame {
    Frame(
        sequence: sequence, timestamp: .now(), format: .mjpeg, width: 4, height: 4,
        bytes: FrameBytes([UInt8(truncatingIfNeeded: sequence)]))
}

@Suite struct FrameBusTests {
    @Test func slowConsumerDropsOldestAndFastConsumerIsUnaffected() async throws {
        let bus = FrameBus()
        let fast = bus.subscribe("fast", capacity: 8)
        let slow = bus.subscribe("slow", capacity: 2)
        let count: UInt64 = 100

        let reader = Task {
            var seen: [UInt64] = []
            for await frame in fast {
                seen.append(frame.sequence)
                if seen.count == Int(count) { break }
            }
            return seen
        }
        for sequence in 0..<count {
            bus.publish(frame(sequence))
            try await Task.sleep(for: .milliseconds(1))
        }
        let fastSeen = await reader.value

        // The slow consumer never read while frames arrived: it holds the newest two.
        bus.finish()
        var slowSeen: [UInt64] = []
        for await frame in slow { slowSeen.append(frame.sequence) }

        #expect(fastSeen == Array(0..<count))
        #expect(slowSeen == [count - 2, count - 1])
        #expect(bus.published == count)
    }

    @Test func statsCountReceivedAndDroppedPerConsumer() async {
        let bus = FrameBus()
        let slow = bus.subscribe("slow", capacity: 3)
        for sequence in 0..<10 { bus.publish(frame(UInt64(sequence))) }
        let stats = bus.stats()
        #expect(stats == [FrameBus.ConsumerStats(name: "slow", capacity: 3, received: 10, dropped: 7)])
        withExtendedLifetime(slow) {}
    }

    @Test func cancellingAConsumerUnsubscribesIt() async throws {
        let bus = FrameBus()
        let stream = bus.subscribe("gone", capacity: 1)
        let task = Task { for await _ in stream {} }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        await task.value
        #expect(bus.stats().isEmpty)
        bus.publish(frame(1))  // publishing with no consumers is fine
    }

    @Test func finishEndsEveryStream() async {
        let bus = FrameBus()
        let a = bus.subscribe("a", capacity: 1)
        let b = bus.subscribe("b", capacity: 1)
        bus.finish()
        for await _ in a { Issue.record("no frame expected") }
        for await _ in b { Issue.record("no frame expected") }
        #expect(bus.stats().isEmpty)
    }
}

@Suite struct CoreUtilityTests {
    @Test func rateMeterMeasuresEventsPerSecondInItsWindow() {
        var meter = RateMeter(capacity: 16, window: .seconds(2))
        let start: UInt64 = 10_000_000_000
        for index in 0..<11 { meter.record(MonotonicInstant(nanoseconds: start + UInt64(index) * 100_000_000)) }
        #expect(abs(meter.rate(at: MonotonicInstant(nanoseconds: start + 1_000_000_000)) - 10) < 0.001)
        // Five seconds later every event has left the window.
        #expect(meter.rate(at: MonotonicInstant(nanoseconds: start + 6_000_000_000)) == 0)
    }

    @Test func systemCallNamesTheCallAndErrno() {
        #expect(throws: SystemCallError(call: "open", subject: "/nonexistent/x", errno: ENOENT)) {
            try systemCall("open", "/nonexistent/x") { open("/nonexistent/x", O_RDONLY) }
        }
        let error = SystemCallError(call: "open", subject: "/x", errno: ENOENT)
        #expect(error.description == "open /x: No such file or directory")
    }

    @Test func frameBytesShareAndTrim() {
        let bytes = FrameBytes([1, 2, 3, 4, 5], range: 1..<5)
        #expect(bytes.count == 4)
        #expect(bytes.prefix(2).array == [2, 3])
        #expect(bytes.prefix(10).array == [2, 3, 4, 5])
    }
}
