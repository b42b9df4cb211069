import Crypto
import Foundation
import MirrorRecorder
import MirrorTesting
import Testing

/// Writes `input` as an encrypted clip at `path`, flushing every `flushEvery` frames; returns the writer.
private func write(
    _ input: [[UInt8]], to path: String, key: SymmetricKey, flushEvery: Int = 0, finish: Bool = true
) throws -> AVIWriter {
    let writer = try EncryptedClip.create(path: path, width: 180, height: 320, fps: 12, key: key)
    for (index, frame) in input.enumerated() {
        try writer.append(frame)
        if flushEvery > 0, (index + 1) % flushEvery == 0 { try writer.flush() }
    }
    if finish { try writer.finish() }
    return writer
}

/// Reads every frame of the encrypted clip at `path`.
private func readAll(_ path: String, key: SymmetricKey) throws -> [[UInt8]] {
    let reader = try EncryptedClip.open(path: path, key: key)
    return try reader.frames.indices.map { try reader.frame($0) }
}

private func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

private func save(_ bytes: some Collection<UInt8>, _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Sixteen bytes as a hashable value, for looking up every window of a file.
private struct Run: Hashable {
    var low: UInt64
    var high: UInt64
    init(_ bytes: UnsafeRawBufferPointer, _ at: Int) {
        low = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        high = bytes.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
    }
}

@Suite struct EncryptedClipTests {
    @Test func framesReadBackByteIdentical() throws {
        let folder = try scratch()
        let input = try frames(40, width: 180, height: 320)
        let key = EncryptedClip.newKey()
        _ = try write(input, to: "\(folder)/clip.mclip", key: key, flushEvery: 12)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/clip.mclip.partial"))
        let source = try EncryptedClipReader(path: "\(folder)/clip.mclip", key: key)
        #expect(source.isFinished)
        #expect(source.chunks.count > 4, "several chunks: \(source.chunks.count)")
        #expect(source.chunks.first?.generation == 1, "the head was rewritten once, at finish")
        #expect(source.chunks.last?.isFinal == true)
        #expect(source.chunks.dropFirst().allSatisfy { $0.plainRange.count <= ClipCipher.chunkSize })
        let reader = try AVIReader(source: source)
        #expect(reader.width == 180 && reader.height == 320 && reader.fps == 12)
        #expect(reader.frames.count == 40)
        try #expect((0..<40).allSatisfy { try reader.frame($0) == input[$0] })
        // Out of order too: seeking decrypts only what it needs.
        try #expect([39, 0, 17, 16, 38, 1].allSatisfy { try reader.frame($0) == input[$0] })
        let scanned = try AVIReader(source: source, scan: true)
        #expect(scanned.frames == reader.frames)
    }

    @Test func encryptedFileHoldsNoPlaintext() throws {
        let folder = try scratch()
        let input = try frames(30, width: 180, height: 320)
        _ = try write(input, to: "\(folder)/clip.mclip", key: EncryptedClip.newKey())
        let file = try bytes("\(folder)/clip.mclip")
        for frame in input {
            #expect(!contains(file, frame.prefix(4)), "no start-of-image as the frames begin")
            #expect(!contains(file, frame.suffix(4)), "no end-of-image as the frames end")
        }
        for fourcc in ["RIFF", "AVI ", "movi", "00dc", "idx1", "avih", "MJPG"] {
            #expect(!contains(file, Array(fourcc.utf8)[...]), "no \(fourcc)")
        }
        var runs = Set<Run>()
        for frame in input {
            frame.withUnsafeBytes { raw in
                for at in stride(from: 0, through: raw.count - 16, by: 16) { runs.insert(Run(raw, at)) }
            }
        }
        let hits = file.withUnsafeBytes { raw in
            (0...(raw.count - 16)).count { runs.contains(Run(raw, $0)) }
        }
        #expect(hits == 0, "none of the frames' \(runs.count) 16-byte runs appears in the file")
    }

    @Test func flippedByteIsReportedOnItsChunk() throws {
        let folder = try scratch()
        let input = try frames(30, width: 180, height: 320)
        let key = EncryptedClip.newKey()
        _ = try write(input, to: "\(folder)/clip.mclip", key: key, flushEvery: 7)
        let original = try bytes("\(folder)/clip.mclip")
        let chunks = try EncryptedClipReader(path: "\(folder)/clip.mclip", key: key).chunks
        var random = SplitMix64(seed: 7)
        for (index, chunk) in chunks.enumerated() {
            // A byte of the sealed body (ciphertext or tag): authentication of exactly this chunk fails.
            for _ in 0..<3 {
                var damaged = original
                let at = Int.random(in: (chunk.fileRange.lowerBound + 8)..<chunk.fileRange.upperBound, using: &random)
                damaged[at] ^= UInt8.random(in: 1...255, using: &random)
                try save(damaged, "\(folder)/damaged.mclip")
                #expect {
                    _ = try readAll("\(folder)/damaged.mclip", key: key)
                } throws: { error in
                    let error = error as? RecorderError
                    return error?.code == .crypto && error?.message.contains("chunk \(index) of") == true
                        && error?.message.contains("failed authentication") == true
                }
            }
            // A byte of its header (length, generation, flags): refused too.
            for at in chunk.fileRange.lowerBound..<(chunk.fileRange.lowerBound + 8) {
                var damaged = original
                damaged[at] ^= 0x01
                try save(damaged, "\(folder)/damaged.mclip")
                #expect(throws: RecorderError.self, "header byte \(at) of chunk \(index)") {
                    _ = try readAll("\(folder)/damaged.mclip", key: key)
                }
            }
        }
        for at in 0..<24 {
            var damaged = original
            damaged[at] ^= 0x80
            try save(damaged, "\(folder)/damaged.mclip")
            #expect(throws: RecorderError.self, "file header byte \(at)") {
                _ = try readAll("\(folder)/damaged.mclip", key: key)
            }
        }
    }

    @Test func swappedRemovedOrTruncatedChunksAreDetected() throws {
        let folder = try scratch()
        let input = try frames(40, width: 180, height: 320)
        let key = EncryptedClip.newKey()
        let writer = try write(input, to: "\(folder)/clip.mclip", key: key, finish: false)
        try FileManager.default.copyItem(atPath: writer.temporaryPath, toPath: "\(folder)/early.partial")
        try writer.finish()
        let original = try bytes("\(folder)/clip.mclip")
        let chunks = try EncryptedClipReader(path: "\(folder)/clip.mclip", key: key).chunks
        let first = chunks[1].fileRange
        let second = chunks[2].fileRange
        try #require(first.count == second.count, "two full chunks of the same size")

        var swapped = original
        swapped.replaceSubrange(first, with: original[second])
        swapped.replaceSubrange(second, with: original[first])
        try save(swapped, "\(folder)/swapped.mclip")
        #expect(throws: RecorderError.self) { _ = try readAll("\(folder)/swapped.mclip", key: key) }

        var removed = original
        removed.removeSubrange(first)
        try save(removed, "\(folder)/removed.mclip")
        #expect(throws: RecorderError.self) { _ = try readAll("\(folder)/removed.mclip", key: key) }

        let final = try #require(chunks.last?.fileRange)
        for cut in [final.lowerBound, final.lowerBound + 8, final.upperBound - 1] {
            try save(original.prefix(cut), "\(folder)/cut.mclip")
            #expect {
                _ = try readAll("\(folder)/cut.mclip", key: key)
            } throws: { error in
                (error as? RecorderError)?.code == .truncated && "\(error)".contains("recover")
            }
        }

        // The head as it was before finishing (generation 0) must not pass for the finished one.
        let early = try bytes("\(folder)/early.partial")
        var rolledBack = original
        rolledBack.replaceSubrange(chunks[0].fileRange, with: early[chunks[0].fileRange])
        try save(rolledBack, "\(folder)/rolled.mclip")
        #expect(throws: RecorderError.self) { _ = try readAll("\(folder)/rolled.mclip", key: key) }
    }

    @Test func wrongClipKeyIsReportedAsSuch() throws {
        let folder = try scratch()
        _ = try write(try frames(3, width: 180, height: 320), to: "\(folder)/clip.mclip", key: EncryptedClip.newKey())
        #expect {
            _ = try EncryptedClip.open(path: "\(folder)/clip.mclip", key: EncryptedClip.newKey())
        } throws: { error in
            (error as? RecorderError)?.code == .crypto && "\(error)".contains("wrong clip key")
        }
        #expect {
            _ = try EncryptedClip.recover(
                "\(folder)/clip.mclip", to: "\(folder)/other.mclip", key: EncryptedClip.newKey())
        } throws: { error in
            "\(error)".contains("wrong clip key")
        }
        #expect(FileManager.default.fileExists(atPath: "\(folder)/clip.mclip"), "a wrong key never deletes a clip")
        #expect {
            _ = try EncryptedClip.open(path: "\(folder)/clip.mclip.x", key: EncryptedClip.newKey())
        } throws: { error in
            (error as? RecorderError)?.code == .io
        }
    }

    @Test func killedRecordingRecoversEveryFlushedFrame() throws {
        let folder = try scratch()
        let input = try frames(48, width: 180, height: 320)
        let key = EncryptedClip.newKey()
        // Flushing every 6 frames (about once a second at a low rate); the last 6 frames are never flushed.
        let writer = try write(
            Array(input.prefix(42)), to: "\(folder)/clip.mclip", key: key, flushEvery: 6, finish: false)
        for frame in input.suffix(6) { try writer.append(frame) }
        let partial = try bytes(writer.temporaryPath)

        // What must survive each cut: the frames lying wholly inside the whole chunks before it.
        try save(partial, "\(folder)/all.partial")
        let layout = try EncryptedClipReader(path: "\(folder)/all.partial", key: key, partial: true)
        #expect(!layout.isFinished)
        let ranges = try AVIReader(source: layout, scan: true).frames
        #expect((42..<48).contains(ranges.count), "every frame before the last flush is on disk, not all after it")
        func expected(_ cut: Int) -> Int {
            let plain = layout.chunks.last { $0.fileRange.upperBound <= cut }?.plainRange.upperBound ?? 0
            return ranges.count { $0.upperBound <= plain }
        }

        var random = SplitMix64(seed: 42)
        var cuts = Set((0..<60).map { _ in Int.random(in: 0...partial.count, using: &random) })
        for chunk in layout.chunks {
            for edge in [chunk.fileRange.lowerBound, chunk.fileRange.upperBound] {
                cuts.formUnion([edge - 1, edge, edge + 1, edge + 8].filter { (0...partial.count).contains($0) })
            }
        }
        cuts.formUnion([0, 3, 24, 30])
        var outcomes: [Int: Int] = [:]
        for cut in cuts.sorted() {
            let path = "\(folder)/cut-\(cut).mclip"
            try save(partial.prefix(cut), path + ".partial")
            let kept = try EncryptedClip.recover(path + ".partial", to: path, key: key)
            #expect(kept == expected(cut), "cut at \(cut)")
            #expect(!FileManager.default.fileExists(atPath: path + ".partial"), "the partial file is gone")
            if kept == 0 {
                #expect(!FileManager.default.fileExists(atPath: path), "nothing to keep, no clip at \(cut)")
            } else {
                let source = try EncryptedClipReader(path: path, key: key)
                #expect(source.isFinished && source.fileID != layout.fileID, "a new file id, so new nonces")
                let reader = try AVIReader(source: source)
                #expect(reader.frames.count == kept && reader.fps == 12 && reader.width == 180)
                try #expect((0..<kept).allSatisfy { try reader.frame($0) == input[$0] }, "cut at \(cut)")
            }
            outcomes[kept, default: 0] += 1
        }
        #expect(outcomes.keys.max() == ranges.count && outcomes[0] != nil, "both ends seen: \(outcomes)")
    }

    @Test(.enabled(if: ffprobe != nil || inCI, "ffprobe is not installed (Debian package ffmpeg)"))
    func exportedClipPlaysInFFprobe() throws {
        let tool = try #require(ffprobe, "ffprobe is required in CI")
        let folder = try scratch()
        let key = EncryptedClip.newKey()
        _ = try write(try frames(36, width: 180, height: 320), to: "\(folder)/clip.mclip", key: key, flushEvery: 12)
        // Random-looking bytes now and then pass a loose format probe (h263 was seen, with no picture size):
        // what matters is that the frames are not there to be found.
        let (refused, found) = try probe(tool, "\(folder)/clip.mclip")
        #expect(refused != 0 || !found.hasPrefix("mjpeg"), "the encrypted file is not the video to ffprobe: \(found)")
        let count = try EncryptedClip.export("\(folder)/clip.mclip", key: key, to: "\(folder)/plain.avi")
        #expect(count == 36)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/plain.avi.partial"))
        let (status, output) = try probe(tool, "\(folder)/plain.avi")
        #expect(status == 0)
        #expect(output == "mjpeg,180,320,12/1,36")
    }
}
