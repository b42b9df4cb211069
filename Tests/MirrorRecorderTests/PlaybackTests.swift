import Crypto
import Foundation
import MirrorRecorder
import Testing

/// The frame shown at each 10 ms step of `duration`.
private func timeline(_ clock: PlaybackClock, _ duration: Duration) -> [Int] {
    stride(from: 0, to: Int(duration.components.seconds * 100), by: 1).map {
        clock.frameIndex(at: .milliseconds($0 * 10))
    }
}

@Suite struct PlaybackTests {
    @Test func loopWrapsToTheFirstFrame() {
        let clock = PlaybackClock(frameCount: 10, fps: 10)
        #expect(clock.frameIndex(at: .zero) == 0)
        #expect(clock.frameIndex(at: .milliseconds(950)) == 9)
        #expect(clock.frameIndex(at: .seconds(1)) == 0)
        #expect(clock.frameIndex(at: .milliseconds(2350)) == 3)
        #expect(clock.passDuration == .seconds(1))
    }

    @Test func halfSpeedShowsEachFrameTwiceAsLong() {
        let normal = timeline(PlaybackClock(frameCount: 10, fps: 10), .seconds(2))
        let half = timeline(PlaybackClock(frameCount: 10, fps: 10, speed: 0.5), .seconds(4))
        for frame in 0..<10 {
            #expect(half.count { $0 == frame } == 2 * normal.count { $0 == frame }, "frame \(frame)")
        }
        let clock = PlaybackClock(frameCount: 10, fps: 10, speed: 0.5)
        #expect(clock.frameIndex(at: .milliseconds(190)) == 0)
        #expect(clock.frameIndex(at: .milliseconds(200)) == 1)
        #expect(clock.passDuration == .seconds(2))
    }

    @Test func withoutLoopPlaybackStaysOnTheLastFrame() {
        let clock = PlaybackClock(frameCount: 10, fps: 10, loop: false)
        #expect(clock.frameIndex(at: .milliseconds(900)) == 9)
        #expect(clock.frameIndex(at: .seconds(5)) == 9)
        #expect(clock.isAtEnd(at: .seconds(5)) && !clock.isAtEnd(at: .milliseconds(500)))
        #expect(clock.frameIndex(at: .milliseconds(-5)) == 0)
    }

    @Test func scrubbingMovesTheStart() {
        var clock = PlaybackClock(frameCount: 10, fps: 10)
        clock.scrub(toFraction: 0.5)
        #expect(clock.frameIndex(at: .zero) == 5)
        #expect(clock.frameIndex(at: .milliseconds(600)) == 1, "then plays on and wraps")
        clock.scrub(byFrames: -3)
        #expect(clock.frameIndex(at: .zero) == 2)
        clock.scrub(byFrames: -5)
        #expect(clock.frameIndex(at: .zero) == 7, "wraps when looping")
        clock.scrub(byFrames: 2, from: .milliseconds(100))
        #expect(clock.start == 0, "from the frame shown then (8), two on, wrapped")
        clock.scrub(toFraction: 1)
        #expect(clock.start == 9)
        clock.scrub(toFraction: -3)
        #expect(clock.start == 0)

        var once = PlaybackClock(frameCount: 10, fps: 10, loop: false)
        once.scrub(byFrames: -4)
        #expect(once.start == 0)
        once.scrub(byFrames: 40)
        #expect(once.start == 9)

        var rebased = PlaybackClock(frameCount: 10, fps: 10)
        rebased.rebase(at: .milliseconds(430))
        rebased.speed = 0.5
        #expect(rebased.frameIndex(at: .zero) == 4 && rebased.frameIndex(at: .milliseconds(200)) == 5)
    }

    @Test func playerServesFramesWithABoundedReadAhead() throws {
        let folder = try scratch()
        let input = try frames(20)
        let key = EncryptedClip.newKey()
        let writer = try EncryptedClip.create(path: "\(folder)/clip.mclip", width: 90, height: 160, fps: 12, key: key)
        for frame in input { try writer.append(frame) }
        try writer.finish()
        let player = ClipPlayer(reader: try EncryptedClip.open(path: "\(folder)/clip.mclip", key: key), readAhead: 3)
        let clock = player.clock(speed: 0.5)
        #expect(clock.frameCount == 20 && clock.fps == 12)
        for step in 0..<100 {
            let index = clock.frameIndex(at: .milliseconds(step * 50))
            #expect(try player.frame(index) == input[index])
            #expect(player.cachedFrameCount <= 4)
        }
        #expect(try player.frame(19) == input[19] && player.cachedFrameCount == 4, "wraps for the loop")
    }
}
