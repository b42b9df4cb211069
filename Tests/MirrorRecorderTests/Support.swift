import Foundation
import MirrorImaging
import MirrorTesting

let ffprobe = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}
let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

/// Frames of the turntable scene as JPEG, the sizes differing so odd lengths get padded.
func frames(_ count: Int, width: Int = 90, height: Int = 160) throws -> [[UInt8]] {
    let scene = TurntableScene(width: width, height: height, framesPerTurn: count)
    let image = PixelBuffer()
    let encoder = try JPEGEncoder()
    return try (0..<count).map { index in
        scene.render(index, into: image)
        return try encoder.encode(image, quality: 60 + index % 7)
    }
}

/// A new empty folder for one test.
func scratch() throws -> String {
    let folder = NSTemporaryDirectory() + "mirror-avi-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}

/// ffprobe's exit status and its codec, size, rate and frame count line for the first video stream of `path`.
func probe(_ tool: String, _ path: String) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = [
        "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
        "stream=codec_name,width,height,r_frame_rate,nb_read_frames", "-of", "csv=p=0", path,
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    print("ffprobe: \(output)")
    return (process.terminationStatus, output)
}

/// Whether `needle` occurs anywhere in `haystack`.
func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
    guard let first = needle.first, needle.count <= haystack.count else { return false }
    var index = 0
    let last = haystack.count - needle.count
    while index <= last {
        if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
        index += 1
    }
    return false
}
