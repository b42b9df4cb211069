import Foundation
import MirrorHub
import MirrorProtocol
import Testing

/// Issue: the insight export wrote text pushed by mirrors (SKUs, sizes, kinds) into the warehouse's CSV as it came,
/// so `=HYPERLINK(…)` ran as a formula in a spreadsheet; and store ids `.`, `..` and `all` were taken, which the
/// export uses as folder names (a file outside its folder, or a store's figures over the chain's).
@Suite struct InsightsExportSafetyTests {
    @Test func textAFormulaWouldRunIsNeutralisedAndNumbersAreNot() {
        let table = InsightsReport.Table(
            name: "try_ons", title: "Try-ons", header: ["sku", "size", "change"],
            rows: [
                ["=HYPERLINK(\"http://x\",\"y\")", "M", "-0.5"],
                ["@SUM(A1)", "+44", "-2+3"],
                ["\tTAB", "L", nil],
            ])
        #expect(
            InsightsReport.csv(table)
                == "sku,size,change\r\n"
                + "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",M,-0.5\r\n"
                + "'@SUM(A1),+44,'-2+3\r\n"
                + "'\tTAB,L,\r\n")
    }

    @Test(arguments: [".", "..", "all"])
    func aStoreIdTheExportUsesAsAFolderIsRefused(id: String) async throws {
        _ = try await withHub(.sqlite) { hub in
            let error = await #expect(throws: HubError.self) { try await hub.addStore(id: id, name: "Odd") }
            let message = error?.message ?? ""
            #expect(message.contains("cannot be '\(id)'"), "\(message)")
            let stores = try await hub.stores()
            #expect(stores.isEmpty)
        }
    }
}
