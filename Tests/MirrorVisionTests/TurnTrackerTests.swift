import MirrorImaging
import MirrorTesting
import Testing

@testable import MirrorVision

@Suite struct TurnTrackerTests {
    /// Silhouette widths of the rendered shopper turning (48 frames a turn), found by the background model.
    static let widths: [Float] = {
        let scene = TurntableScene(width: 180, height: 320, framesPerTurn: 48)
        let empty = PixelBuffer()
        scene.render(0, into: empty, figure: false)
        let background = BackgroundModel(fitting: empty)
        try! background.calibrate([empty, empty, empty])
        let frame = PixelBuffer()
        return (0..<144).map { index in
            scene.render(index, into: frame)
            return (try? background.segment(frame, adapt: false).box.width) ?? 0
        }
    }()

    @Test func oneTurnOfTheRenderedShopperIsFollowed() {
        var tracker = TurnTracker()
        var completedAt: Int?
        for (index, width) in Self.widths.enumerated() {
            if tracker.add(width: width, at: Double(index) / 12) == .complete, completedAt == nil {
                completedAt = index
            }
        }
        // The turn ends at frame 48 (facing the camera again); the return to width is seen a little before.
        #expect((42...50).contains(completedAt ?? -1), "completed at \(String(describing: completedAt))")
        let phases = tracker.phases(at: [0, 12, 24, 36].map { Double($0) / 12 })
        for (phase, expected) in zip(phases, [0, 0.25, 0.5, 0.75] as [Float]) {
            #expect(abs((phase ?? -1) - expected) < 0.07, "phase \(String(describing: phase)) for \(expected)")
        }
    }

    /// A recording can begin at any point of a turn (in profile, facing away): a full turn is still seen
    /// within a turn and a half of the shopper turning, and its phases run forward from 0 to 1.
    @Test(arguments: Array(stride(from: 0, to: 48, by: 6)))
    func aTurnIsFollowedFromWhereverTheRecordingBegins(offset: Int) {
        var tracker = TurnTracker()
        var completedAt: Int?
        for index in 0..<96 where completedAt == nil {
            if tracker.add(width: Self.widths[offset + index], at: Double(index) / 12) == .complete {
                completedAt = index
            }
        }
        #expect((0...74).contains(completedAt ?? -1), "completed at \(String(describing: completedAt))")
        let known = tracker.phases(at: (0..<(completedAt ?? 0)).map { Double($0) / 12 }).compactMap { $0 }
        #expect(known.count == completedAt ?? 0)
        #expect(zip(known, known.dropFirst()).allSatisfy { $0 <= $1 }, "\(known)")
    }

    @Test func standingStillOrFidgetingIsNotATurn() {
        var tracker = TurnTracker()
        var seed: UInt32 = 9
        for index in 0..<240 {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let jitter = Float(seed >> 24) / 255 * 0.08 - 0.04  // ±4 % of the width
            #expect(tracker.add(width: 0.3 * (1 + jitter), at: Double(index) / 12) == .turning)
        }
        #expect(tracker.phases(at: [10]) == [nil])
    }

    @Test func badWidthsAreIgnored() {
        var tracker = TurnTracker()
        for width: Float in [.nan, -1, 0, .infinity] { #expect(tracker.add(width: width, at: 0) == .turning) }
        #expect(tracker.phases(at: [0, 1]) == [nil, nil])
    }
}
