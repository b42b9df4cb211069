import Foundation
import MirrorCLI
import Synchronization
import Testing

/// Issue: `mirrorctl camera capture --out` wrote each frame inside the capture callback, so slow storage held the
/// driver's buffers and it skipped frames (13 of 90). Now a writer off the loop takes them; when storage falls
/// behind by more than its queue, the frames it cannot hold are counted, never waited for.
@Suite struct FrameWriterTests {
    @Test func aStalledDiskNeverHoldsTheCaller() {
        let gate = DispatchSemaphore(value: 0)
        let stored = Mutex<[String]>([])
        let writer = FrameWriter(capacity: 4) { name, _ in
            gate.wait()
            stored.withLock { $0.append(name) }
        }
        // The disk is stalled: four frames wait, the other six are not taken, and no submit blocks.
        let accepted = (0..<10).map { writer.submit("frame-\($0)", Data([0xFF])) }
        #expect(accepted == Array(repeating: true, count: 4) + Array(repeating: false, count: 6))
        for _ in 0..<4 { gate.signal() }
        let (written, skipped) = writer.finish()
        #expect(written == 4 && skipped == 6)
        #expect(stored.withLock { $0 } == ["frame-0", "frame-1", "frame-2", "frame-3"])
        #expect(writer.failure == nil)
    }

    @Test func theFirstFailedWriteIsSaidAndStopsTheRest() {
        struct Full: LocalizedError { var errorDescription: String? { "No space left on device" } }
        let writer = FrameWriter(capacity: 8) { name, _ in if name == "frame-2" { throw Full() } }
        for index in 0..<6 { writer.submit("frame-\(index)", Data()) }
        let (written, skipped) = writer.finish()
        #expect(written == 2 && skipped == 0)
        #expect(writer.failure == "No space left on device")
    }

    @Test func framesLandAsFilesInTheFolder() throws {
        let folder = NSTemporaryDirectory() + "frames-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = FrameWriter(folder: folder)
        writer.submit("frame-00000.jpg", Data([0xFF, 0xD8, 0xFF, 0xD9]))
        #expect(writer.finish() == (1, 0))
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: "\(folder)/frame-00000.jpg")) == Data([0xFF, 0xD8, 0xFF, 0xD9]))
    }
}
