import Foundation
import MirrorCore
import Testing

@Suite struct MachineFactsTests {
    @Test func thermalZonesAreReadInCelsiusAndUnreadableOnesLeftOut() throws {
        let root = NSTemporaryDirectory() + "thermal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (zone, type, temp) in [
            ("thermal_zone0", "x86_pkg_temp\n", "54000\n"), ("thermal_zone1", "", "-5500"),
            ("thermal_zone2", "acpitz", "not a number"),
        ] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(zone)", withIntermediateDirectories: true)
            try type.write(toFile: "\(root)/\(zone)/type", atomically: true, encoding: .utf8)
            try temp.write(toFile: "\(root)/\(zone)/temp", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: "\(root)/cooling_device0", withIntermediateDirectories: true)

        let zones = MachineFacts.thermalZones(root: root)
        #expect(zones.map(\.zone) == ["thermal_zone0", "thermal_zone1"])
        #expect(zones.map(\.type) == ["x86_pkg_temp", "thermal_zone1"])
        #expect(zones.map(\.celsius) == [54, -5.5])
        #expect(MachineFacts.thermalZones(root: "\(root)/absent").isEmpty)
    }

    @Test func diskSpaceIsReportedForAnExistingPathOnly() {
        let disk = MachineFacts.disk(NSTemporaryDirectory())
        #expect(disk.map { $0.total > 0 && $0.free <= $0.total } == true)
        #expect(MachineFacts.disk("/no/such/folder/\(UUID().uuidString)") == nil)
    }
}
