import MirrorCore
import Testing

@testable import MirrorDaemon

/// A clip whose frames all come from before the tap (the recorder fell behind and the camera's frames after the tap
/// were dropped) is not the shopper's look: the recorder abandons it and counts it instead of saving it.
@Suite struct PreRollOnlyTests {
    static let tap = MonotonicInstant(nanoseconds: 10_000_000_000)

    @Test(arguments: [
        ([8.5, 9.0, 9.5], false),
        ([], false),
        ([9.5, 10.0], true),
        ([9.0, 9.9, 10.4, 11.0], true),
    ])
    func aClipCoversTheTurnOnlyWithFramesFromTheTap(times: [Double], covers: Bool) {
        #expect(ClipRecorder.coversTheTurn(times: times, trigger: Self.tap) == covers)
    }
}
