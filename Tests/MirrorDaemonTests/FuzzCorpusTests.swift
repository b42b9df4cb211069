import Foundation
import Testing

/// Every input in Tests/Fuzz/corpus (the seeds, and every crash the fuzzer ever found) through its parser, in
/// the normal build: a crash found once stays fixed.
@Suite struct FuzzCorpusTests {
    @Test(arguments: ["avi", "jpeg", "config", "profile", "json"])
    func corpusInputsParseWithoutACrash(target: String) async throws {
        let folder = "\(Binaries.repository)/Tests/Fuzz/corpus/\(target)"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { "\(folder)/\($0)" }
        #expect(!files.isEmpty)
        let outcome = try await run(Binaries.path("mirror-fuzz"), [target] + files)
        #expect(outcome.status == 0, "\(outcome)")
        #expect(outcome.stdout == "\(target): \(files.count) inputs, no crash\n")
    }
}
