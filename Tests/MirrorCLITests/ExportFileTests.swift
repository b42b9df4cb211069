import Foundation
import MirrorCLI
import Testing

/// Issue: `mirrorctl clips export ID /dev/full` replaced the device with a regular 0644 file holding the decrypted
/// clip; a symlink's target was replaced too.
@Suite struct ExportFileTests {
    let folder = NSTemporaryDirectory() + "export-\(UUID().uuidString.prefix(8))"
    let video: [UInt8] = Array("RIFF....AVI ".utf8)

    init() throws { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }

    func refusal(_ path: String) -> String? {
        do {
            try ExportFile.write(video, to: path)
            return nil
        } catch let error as CLIError {
            return error.exitCode == 73 ? error.message : "exit \(error.exitCode): \(error.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test func aNewFileIsCreatedPrivate() throws {
        let path = "\(folder)/look.avi"
        #expect(refusal(path) == nil)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.contents(atPath: path) == Data(video))
        // A regular file of the caller's is replaced (keeping no other bytes); nothing else is left beside it.
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: path))
        #expect(refusal(path) == nil)
        #expect(FileManager.default.contents(atPath: path) == Data(video))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["look.avi"])
    }

    @Test func devicesLinksAndFoldersAreRefused() throws {
        var info = stat()
        #expect(refusal("/dev/full")?.contains("device") == true)
        #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/full is still a device")
        #expect(refusal(folder)?.contains("directory") == true)
        let target = "\(folder)/target"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        let link = "\(folder)/link.avi"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(refusal(link)?.contains("symbolic link") == true)
        #expect(FileManager.default.contents(atPath: target) == Data("keep".utf8))
        #expect(refusal("\(folder)/missing/look.avi") != nil)
    }
}
