import Foundation
import MirrorImaging
import MirrorRecorder
import MirrorTesting
import Testing

private let ffprobe = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}
private let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// Frames of the turntable scene as JPEG, the sizes differing so odd lengths get padded.
private func frames(_ count: Int) throws -> [[UInt8]] {
    let scene = TurntableScene(width: 90, height: 160, framesPerTurn: count)
    let image = PixelBuffer()
    let encoder = try JPEGEncoder()
    return try (0..<count).map { index in
        scene.render(index, into: image)
        return try encoder.encode(image, quality: 60 + index % 7)
    }
}

private func scratch() throws -> String {
    let folder = NSTemporaryDirectory() + "mirror-avi-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

@Suite struct AVITests {
    @Test func writtenClipReadsBackFrameForFrame() throws {
        let folder = try scratch()
        let input = try frames(24)
        let writer = try AVIWriter(path: "\(folder)/clip.avi", width: 90, height: 160, fps: 12)
        for frame in input { try writer.append(frame) }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/clip.avi"), "no final name before finish")
        try writer.finish()
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/clip.avi.partial"))
        let reader = try AVIReader("\(folder)/clip.avi")
        #expect(reader.width == 90 && reader.height == 160 && reader.fps == 12)
        #expect(reader.frames.count == 24)
        #expect((0..<24).allSatisfy { Array(reader.frame($0)) == input[$0] }, "no re-encoding: bytes identical")
        let scanned = try AVIReader("\(folder)/clip.avi", scan: true)
        #expect(scanned.frames == reader.frames)
    }

    @Test(.enabled(if: ffprobe != nil || inCI, "ffprobe is not installed (Debian package ffmpeg)"))
    func ffprobeAgreesOnFramesSizeAndRate() async throws {
        let tool = try #require(ffprobe, "ffprobe is required in CI")
        let folder = try scratch()
        let writer = try AVIWriter(path: "\(folder)/clip.avi", width: 90, height: 160, fps: 12)
        for frame in try frames(30) { try writer.append(frame) }
        try writer.finish()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [
            "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
            "stream=codec_name,width,height,r_frame_rate,nb_read_frames", "-of", "csv=p=0", "\(folder)/clip.avi",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        print("ffprobe: \(output)")
        #expect(process.terminationStatus == 0)
        #expect(output == "mjpeg,90,160,12/1,30")
    }

    @Test func partialClipIsRecoveredUpToItsLastWholeFrame() throws {
        let folder = try scratch()
        let input = try frames(10)
        let writer = try AVIWriter(path: "\(folder)/whole.avi", width: 90, height: 160, fps: 12)
        for frame in input { try writer.append(frame) }
        // Simulate kill -9 before finish: the partial file cut at about a hundred points, and whole.
        let partial = try Data(contentsOf: URL(fileURLWithPath: writer.temporaryPath))
        var outcomes: [Int: Int] = [:]
        for cut in Array(stride(from: 300, to: partial.count, by: max(1, partial.count / 97))) + [partial.count] {
            let path = "\(folder)/cut-\(cut).avi.partial"
            try partial.prefix(cut).write(to: URL(fileURLWithPath: path))
            let kept = try AVIReader.recover(path, to: "\(folder)/cut-\(cut).avi")
            let reader = try AVIReader("\(folder)/cut-\(cut).avi")
            #expect(reader.frames.count == kept)
            #expect((0..<kept).allSatisfy { Array(reader.frame($0)) == input[$0] })
            #expect(!FileManager.default.fileExists(atPath: path), "the partial file is gone after recovery")
            outcomes[kept, default: 0] += 1
        }
        #expect(outcomes.keys.max() == 10, "a partial file holding every frame recovers all of them")
    }

    @Test func notAnAVIIsRefusedClearly() throws {
        let folder = try scratch()
        try Data("hello".utf8).write(to: URL(fileURLWithPath: "\(folder)/x.avi"))
        #expect {
            _ = try AVIReader("\(folder)/x.avi")
        } throws: { error in
            "\(error)".contains("is not an AVI file")
        }
    }
}
