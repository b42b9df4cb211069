import ArgumentParser
import Foundation
import MirrorDisplay
import MirrorImaging
import MirrorTesting

/// Developer tools: regenerating committed samples. Not installed on devices.
struct DevTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror-devtool", abstract: "Developer tools for the mirror project.",
        subcommands: [RenderSample.self, FramePNG.self])
}

struct RenderSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the turntable scene as an MJPEG stream (one JPEG after another).")

    @Option(help: "Frame width.") var width = 360
    @Option(help: "Frame height.") var height = 640
    @Option(help: "Frames for one full turn.") var frames = 48
    @Option(help: "JPEG quality, 1-100.") var quality = 80
    @Option(help: "Frames of the empty room before the figure appears (for calibrating the vision core).")
    var empty = 0
    @Argument(help: "Output file.") var output: String

    func run() throws {
        let scene = TurntableScene(width: width, height: height, framesPerTurn: frames)
        let image = PixelBuffer()
        let encoder = try JPEGEncoder()
        var stream: [UInt8] = []
        for _ in 0..<empty {
            scene.render(0, into: image, figure: false)
            stream += try encoder.encode(image, quality: quality)
        }
        for index in 0..<frames {
            scene.render(index, into: image)
            stream += try encoder.encode(image, quality: quality)
        }
        try Data(stream).write(to: URL(fileURLWithPath: output), options: .atomic)
        print("wrote \(output): \(empty + frames) frames of \(width)x\(height), \(stream.count) bytes")
    }
}

struct FramePNG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame-png", abstract: "Write one frame of an MJPEG stream as a PNG file, to look at.")

    @Argument(help: "The MJPEG stream.") var stream: String
    @Argument(help: "Frame index, from 0.") var index: Int
    @Argument(help: "Output PNG file.") var output: String

    func run() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stream)))
        let frames = bytes.withUnsafeBytes { JPEGMarkers.split($0).frames }
        guard frames.indices.contains(index) else {
            throw ValidationError("\(stream) has \(frames.count) frames")
        }
        let image = PixelBuffer()
        try bytes.withUnsafeBytes { all in
            _ = try JPEGDecoder().decode(UnsafeRawBufferPointer(rebasing: all[frames[index]]), into: image)
        }
        try Data(try PNGWriter.encode(image)).write(to: URL(fileURLWithPath: output))
    }
}

DevTool.main()
