import Foundation
import Testing

/// Issue: `mirrorctl clips export ID /dev/full` (or to a link, or into a missing folder) failed only after mirrord
/// had decrypted the whole clip, sent it and audited it as exported. The destination is now checked before
/// mirrord is asked: with no mirrord at all, the refusal is about the destination.
@Suite struct ExportDestinationTests {
    @Test func aDestinationThatCannotTakeTheClipIsRefusedBeforeMirrordIsAsked() async throws {
        let folder = NSTemporaryDirectory() + "export-destination-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let link = "\(folder)/link.avi"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(folder)/target")
        let cases = [
            ("/dev/full", "it is a device or special file"), (link, "it is a symbolic link"),
            ("\(folder)/missing/look.avi", "there is no folder \(folder)/missing"),
        ]
        for (path, expected) in cases {
            let outcome = try await run(
                Binaries.path("mirrorctl"),
                ["clips", "export", "01JCLIP", path, "--socket", "/nonexistent/mirrord.sock"])
            #expect(outcome.status == 73, "\(path): \(outcome)")
            #expect(outcome.stderr.contains(expected), "\(path): \(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/target"), "nothing was written through the link")
    }
}
