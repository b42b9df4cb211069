import Foundation

/// Reads the machine's facts the telemetry reports: free disk and thermal zones.
public enum MachineFacts {
    /// Free (for unprivileged users) and total bytes of the file system holding `path`.
    public static func disk(_ path: String) -> (free: Int64, total: Int64)? {
        var info = statvfs()
        guard (try? systemCall("statvfs", path) { statvfs(path, &info) }) != nil else { return nil }
        let unit = Int64(info.f_frsize)
        return (Int64(info.f_bavail) * unit, Int64(info.f_blocks) * unit)
    }

    /// Each thermal zone's type and temperature in °C, from `root` (the kernel's
    /// `/sys/class/thermal/thermal_zone*/{type,temp}`, millidegrees); zones that cannot be read are left out.
    public static func thermalZones(root: String = "/sys/class/thermal") -> [(
        zone: String, type: String, celsius: Double
    )] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { $0.hasPrefix("thermal_zone") }.sorted()
        return names.compactMap { name in
            func read(_ file: String) -> String? {
                (try? String(contentsOfFile: "\(root)/\(name)/\(file)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let milli = read("temp").flatMap(Int.init) else { return nil }
            let type = read("type").flatMap { $0.isEmpty ? nil : $0 } ?? name
            return (name, type, Double(milli) / 1000)
        }
    }
}
