import Foundation
import MirrorSuggest
import Testing

/// Issue: `CatalogFolder.write` wrote shopper profiles with the process's default mode (0644 under the usual
/// umask), readable by every user of the machine. A written file is now 0600 unless the caller says otherwise.
struct CatalogFileModeTests {
    @Test func aProfilesFileIsWrittenForItsOwnerOnly() throws {
        let folder = NSTemporaryDirectory() + "catalog-mode-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/profiles.json"
        try CatalogFolder.write(CatalogFolder.ProfilesFile(profiles: []), to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\"profiles\""))
        try CatalogFolder.write(["a": 1], to: "\(folder)/catalog.json", mode: 0o644)
        #expect(
            try FileManager.default.attributesOfItem(atPath: "\(folder)/catalog.json")[.posixPermissions] as? Int
                == 0o644)
    }
}
