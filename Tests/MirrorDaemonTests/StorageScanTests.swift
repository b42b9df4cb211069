import Foundation
import Testing

/// What a mirror keeps on its disk after a shopper's visit: every file in the state directory, read raw, after a
/// session with a consented recording, a loyalty code, a request and a favourite. No JPEG or AVI signature and no
/// loyalty code in plaintext anywhere (the database, its WAL, the clips, the keys, the vision folder).
@Suite struct StorageScanTests {
    @Test func noFrameClipOrLoyaltyCodeIsStoredInTheClear() async throws {
        let daemon = try DaemonUnderTest(
            extraConfig: RecordingProcessTests.settings + """

                suggestions:
                  catalog: \(Binaries.repository)/config/catalog
                """)
        try daemon.start()
        _ = try await daemon.waitUntilStreaming()
        let recording = RecordingProcessTests()
        func ctl(_ arguments: String...) async throws -> Outcome {
            try await run(Binaries.path("mirrorctl"), arguments + ["--socket", daemon.socket])
        }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(try await ctl("record", "--seconds", "2").status == 0)
        #expect(try await ctl("ui", "press", "accept").status == 0)
        try await recording.waitForState(daemon, "review")
        #expect(try await ctl("suggestions", "identify", "DEMO-1234").status == 0)
        #expect(try await ctl("suggestions", "act", "request", "KN-101-RUS").status == 0)
        #expect(try await ctl("suggestions", "act", "favourite", "KN-101-NAV").status == 0)
        let clips = try await ctl("clips", "list", "--json")
        #expect(clips.stdout.contains("\"state\" : \"ready\""), "\(clips)")
        #expect(try await daemon.stop() == 0)

        // The file-backed panel stands in for /dev/fb0 (display memory, not storage), so it is left out.
        let state = "\(daemon.folder)/state"
        let panel = "framebuffer"
        var scanned = 0
        var bytes = 0
        var findings: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: state)
        while let relative = enumerator?.nextObject() as? String {
            let path = "\(state)/\(relative)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                !relative.contains(panel), let data = FileManager.default.contents(atPath: path)
            else { continue }
            scanned += 1
            bytes += data.count
            let content = [UInt8](data)
            if let at = Self.jpegStart(in: content) { findings.append("\(relative): JPEG start at \(at)") }
            if Self.find(Array("AVI LIST".utf8), in: content) != nil { findings.append("\(relative): AVI header") }
            if Self.find(Array("DEMO-1234".utf8), in: content) != nil { findings.append("\(relative): loyalty code") }
        }
        print("storage scan: \(scanned) files, \(bytes) bytes; findings: \(findings.count)")
        #expect(scanned >= 4 && findings.isEmpty, "\(findings)")
    }

    /// A JPEG file's start: SOI then an APPn or DQT marker (FF D8 FF E0…EF / DB).
    static func jpegStart(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0..<(bytes.count - 3)
        where bytes[index] == 0xFF && bytes[index + 1] == 0xD8 && bytes[index + 2] == 0xFF
            && ((0xE0...0xEF).contains(bytes[index + 3]) || bytes[index + 3] == 0xDB)
        {
            return index
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        }
        return nil
    }
}
