import Foundation
import MirrorHub
import Testing

/// Issue: an 8 MiB `POST /v1/sales` of `{}` lines kept about 2.8 M problems and sorted them all before listing 50.
/// Now a refusal holds the first 50 and counts the rest.
@Suite struct SalesProblemsTests {
    @Test func aMillionProblemsAreCountedAndFiftyHeld() {
        var problems = SalesFile.Problems()
        for line in (1...1_000_000).reversed() {
            problems.append(.init(line: line, field: "sku", why: "is missing"))
            #expect(problems.held <= 100)
        }
        #expect(problems.count == 1_000_000)
        #expect(problems.listed.map(\.line) == Array(1...50))
    }

    @Test func aFileOfEmptyObjectsIsRefusedWithTheFirstFiftyNamedAndTheRestCounted() throws {
        let one = try #require(
            #expect(throws: HubError.self) { try SalesFile.parse("{}\n", format: .jsonLines) })
        let perLine = try #require(Int(one.message.dropFirst("nothing imported: ".count).prefix { $0.isNumber }))
        let error = try #require(
            #expect(throws: HubError.self) {
                try SalesFile.parse(String(repeating: "{}\n", count: 20_000), format: .jsonLines)
            })
        #expect(error.message.hasPrefix("nothing imported: \(20_000 * perLine) bad rows\nline 1: "))
        #expect(error.message.hasSuffix("\n… and \(20_000 * perLine - 50) more"))
        #expect(error.message.split(separator: "\n").count == 52)
    }
}
