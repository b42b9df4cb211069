import Foundation
import MirrorCore
import Testing

@Suite struct DurableFileTests {
    let folder: String = {
        let path = NSTemporaryDirectory() + "durable-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func writesPrivatelyReplacesAndLeavesNoTemporaryFile() throws {
        let path = "\(folder)/secret"
        #expect(try DurableFile.write(Array("one".utf8), to: path))
        #expect(mode(path) == 0o600)
        #expect(try DurableFile.write(Array("two".utf8), to: path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["secret"])
    }

    /// Without `replace`, a file someone else put there first wins, and the call says so.
    @Test func withoutReplaceAnExistingFileIsKept() throws {
        let path = "\(folder)/key"
        #expect(try DurableFile.write(Array("first".utf8), to: path, replace: false))
        #expect(try !DurableFile.write(Array("second".utf8), to: path, replace: false))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["key"])
    }

    @Test func aMissingFolderIsNamedAndNothingIsLeft() {
        #expect(throws: SystemCallError.self) { try DurableFile.write([1], to: "\(folder)/nope/file") }
        do {
            try DurableFile.write([1], to: "\(folder)/nope/file")
        } catch {
            #expect(error.call == "open" && error.errno == ENOENT, "\(error)")
        }
    }
}
