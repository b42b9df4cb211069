import ArgumentParser
public import Foundation
import MirrorCore
public import MirrorProtocol
import MirrorSync

/// How to reach the hub as head office or staff: its URL, how its certificate is checked, and a credential read
/// from a file or the environment (never from the command line, where other users of the machine could read it).
struct HubOptions: ParsableArguments {
    @Option(help: "The hub's URL, e.g. https://hub.example:8700 (default: $MIRROR_HUB_URL).")
    var hub: String?

    @Option(
        help: "A file holding a head-office or staff credential (or give the credential in $MIRROR_HUB_CREDENTIAL).")
    var credentialFile: String?

    @Option(
        help: ArgumentHelp(
            "The CA certificates (PEM) that vouch for the hub, instead of the system's store "
                + "(default: $MIRROR_HUB_CA_FILE).", valueName: "file"))
    var hubCaFile: String?

    @Option(
        help: ArgumentHelp(
            "Trust only the hub certificate with this SHA-256 (a self-signed hub; as openssl prints it) "
                + "(default: $MIRROR_HUB_CERTIFICATE_SHA256).", valueName: "fingerprint"))
    var hubCertificateSha256: String?

    @Flag(
        help: "Allow a plain http:// hub on another machine: the credential and the figures cross the network in clear."
    )
    var insecurePlainHttp = false

    func client() throws -> HubClient {
        let environment = ProcessInfo.processInfo.environment
        guard let url = hub ?? environment["MIRROR_HUB_URL"], !url.isEmpty else {
            throw CLIError("give the hub with --hub URL or MIRROR_HUB_URL", exitCode: 64)
        }
        let trust = try self.trust(url: url, environment: environment)
        var credential = environment["MIRROR_HUB_CREDENTIAL"]
        if let credentialFile {
            guard let data = FileManager.default.contents(atPath: credentialFile) else {
                throw CLIError("cannot read \(credentialFile)", exitCode: 66)
            }
            credential = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let credential, !credential.isEmpty else {
            throw CLIError("give a credential with --credential-file FILE or MIRROR_HUB_CREDENTIAL", exitCode: 64)
        }
        return HubClient(baseURL: url, credential: credential, trust: trust)
    }

    /// How the hub's certificate is checked; refuses plain http:// to another machine unless asked for.
    private func trust(url: String, environment: [String: String]) throws -> HubTrust {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else {
            throw CLIError("\(url) is not an http(s) URL, e.g. https://hub.example:8700", exitCode: 64)
        }
        let caFile = hubCaFile ?? environment["MIRROR_HUB_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let pinText =
            hubCertificateSha256
            ?? environment["MIRROR_HUB_CERTIFICATE_SHA256"].flatMap {
                $0.isEmpty ? nil : $0
            }
        if scheme == "http" && !Loopback.contains(host) && !insecurePlainHttp {
            throw CLIError(
                "\(url) is plain http:// to another machine: the credential would cross the network in clear "
                    + "(use https://, or --insecure-plain-http)", exitCode: 64)
        }
        if let pinText {
            guard caFile == nil else { throw CLIError("give --hub-ca-file or --hub-certificate-sha256", exitCode: 64) }
            guard let pin = CertificateFingerprint.parse(pinText) else {
                throw CLIError("\(pinText) is not a SHA-256 fingerprint (64 hex digits)", exitCode: 64)
            }
            return .certificateSHA256(pin)
        }
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw CLIError("cannot read \(caFile)", exitCode: 66)
            }
            return .caFile(caFile)
        }
        return .systemStore
    }
}

/// `mirrorctl fleet …`: head office's view of every mirror, from the hub.
struct Fleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Head office: the whole fleet's health, from the hub.", subcommands: [FleetStatus.self],
        defaultSubcommand: FleetStatus.self)
}

struct FleetStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print every mirror: online, version, camera fps, dropped frames, disk, last sync, alerts.",
        discussion: "Exits 0 when the hub answered (whatever the mirrors' state), 69 when it could not be reached, "
            + "77 when it refused the credential.")

    @OptionGroup var hub: HubOptions
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print CSV (one header line, then one line per mirror).") var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose --json or --csv") }
    }

    func run() async throws {
        let devices: [FleetDevice]
        do {
            devices = try await hub.client().fleet()
        } catch let error as SyncError {
            throw CLIError(error.message, exitCode: error.code == .unauthorized ? 77 : 69)
        }
        if json {
            let encoder = TelemetryReport.encoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(devices), as: UTF8.self))
        } else if csv {
            print(FleetFormatter.csv(devices), terminator: "")
        } else {
            print(FleetFormatter.table(devices), terminator: "")
        }
    }
}

/// `mirrorctl insights --hub URL`: head office's or a store manager's figures, from the hub.
struct InsightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights",
        abstract: "Head office: what happens in the fitting rooms (visits, try-ons, size swaps, suggestions, staff, "
            + "rating), from the hub.",
        discussion: "No figure names a shopper; a cell covering fewer than k visits reads \"fewer than k\". Staff "
            + "credentials see their own store. Exits 69 when the hub could not be reached, 77 when it refused the "
            + "credential, 65 when it refused the query.")

    static let tables = ["visits", "try_ons", "size_swaps", "suggestions", "staff", "rating", "series"]

    @OptionGroup var hub: HubOptions
    @Option(help: "The store (default: every store the credential may see).") var store: String?
    @Option(help: "First day, YYYY-MM-DD (default: 6 days before --to).") var from: String?
    @Option(help: "Last day, YYYY-MM-DD (default: today, UTC).") var to: String?
    @Option(help: "The least number of visits a published cell covers (5 or more).") var k: Int?
    @Flag(help: "The series per week, not per day.") var weekly = false
    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("Print one table as CSV: " + tables.joined(separator: ", ") + ".", valueName: "table"))
    var csv: String?

    func validate() throws {
        if json && csv != nil { throw ValidationError("choose --json or --csv") }
        if let csv, !Self.tables.contains(csv) {
            throw ValidationError("--csv takes one of \(Self.tables.joined(separator: ", "))")
        }
    }

    func run() async throws {
        var parameters: [(String, String)] = []
        if let store { parameters.append(("store", store)) }
        if let from { parameters.append(("from", from)) }
        if let to { parameters.append(("to", to)) }
        if let k { parameters.append(("k", String(k))) }
        if weekly { parameters.append(("step", "week")) }
        let report: InsightsReport
        do {
            report = try await hub.client().insights(parameters)
        } catch let error as SyncError {
            let code: Int32 =
                switch error.code {
                case .unauthorized: 77
                case .refused: 65
                default: 69
                }
            throw CLIError(error.message, exitCode: code)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else if let csv, let table = report.tables().first(where: { $0.name == csv }) {
            print(InsightsReport.csv(table), terminator: "")
        } else {
            print(report.text(), terminator: "")
        }
    }
}

/// The fleet for people (a table) and for spreadsheets (CSV, RFC 4180 quoting).
public enum FleetFormatter {
    static let columns = [
        "STORE", "MIRROR", "STATE", "VERSION", "FPS", "DROPPED", "DISK FREE", "LAST SYNC", "ALERTS",
    ]

    static func cells(_ device: FleetDevice, now: Date, csv: Bool) -> [String] {
        let t = device.online ? device.telemetry : nil
        let state = device.online ? (device.alerts.isEmpty ? "ok" : "alert") : "offline"
        let sync: String
        if csv {
            sync = device.lastSeen.map { ISO8601DateFormatter().string(from: $0) } ?? ""
        } else {
            sync = device.lastSeen.map { StatusFormatter.duration(now.timeIntervalSince($0)) + " ago" } ?? "never"
        }
        let disk = t.map { csv ? "\($0.diskFreeBytes)" : "\($0.diskFreeBytes >> 30) GiB" } ?? ""
        return [
            device.storeId, device.name, state, device.version ?? "",
            t.map { StatusFormatter.fixed($0.camera.fps) } ?? "",
            t.map { "\($0.camera.framesDropped)" } ?? "", disk, sync, device.alerts.joined(separator: "; "),
        ]
    }

    public static func table(_ devices: [FleetDevice], now: Date = Date()) -> String {
        let online = devices.filter(\.online).count
        let alerting = devices.filter { !$0.alerts.isEmpty }.count
        var lines = StatusFormatter.table(
            [columns] + devices.map { cells($0, now: now, csv: false) }, rightAligned: [4, 5, 6])
        lines.append("")
        lines.append("\(devices.count) mirrors · \(online) online · \(alerting) need a look")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func csv(_ devices: [FleetDevice], now: Date = Date()) -> String {
        let header = [
            "store", "mirror", "state", "version", "fps", "dropped", "disk_free_bytes", "last_sync", "alerts",
        ]
        return ([header] + devices.map { cells($0, now: now, csv: true) }).map { row in
            row.map { cell in
                cell.contains(where: { ",\"\n\r".contains($0) })
                    ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }
}
