public import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorCore

/// Options every command that talks to the daemon shares: the local socket, or a remote mirror over HTTPS.
struct DaemonOptions: ParsableArguments {
    @Option(help: "mirrord's Unix socket (default: $MIRRORD_SOCKET, else \(DaemonClient.defaultSocket)).")
    var socket: String?

    @Option(help: "A remote mirror's HTTPS API, e.g. https://10.1.2.3:9443 (default: $MIRRORD_URL).")
    var remote: String?

    @Option(help: "With --remote: the file holding the mirror's API token (default: $MIRRORD_TOKEN_FILE).")
    var tokenFile: String?

    @Option(
        help: "With --remote: the PEM certificate to trust for the mirror (default: $MIRRORD_CA, else the system's).")
    var caCertificate: String?

    var client: DaemonClient {
        get throws {
            let environment = ProcessInfo.processInfo.environment
            let socket = socket ?? environment["MIRRORD_SOCKET"] ?? DaemonClient.defaultSocket
            guard let url = remote ?? environment["MIRRORD_URL"], !url.isEmpty else {
                return DaemonClient(socket: socket)
            }
            guard url.hasPrefix("https://") else {
                throw CLIError("--remote takes an https:// URL: the API is never offered in plain HTTP", exitCode: 64)
            }
            guard let file = tokenFile ?? environment["MIRRORD_TOKEN_FILE"],
                let data = FileManager.default.contents(atPath: file)
            else {
                throw CLIError(
                    "--remote needs --token-file FILE (or MIRRORD_TOKEN_FILE) that can be read", exitCode: 64)
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return DaemonClient(
                socket: socket,
                remote: .init(
                    url: url.hasSuffix("/") ? String(url.dropLast()) : url, token: token,
                    caCertificate: caCertificate ?? environment["MIRRORD_CA"]))
        }
    }
}

/// `mirrorctl`: the store staff's and head office's tool for the mirror.
public struct MirrorCtl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mirrorctl",
        abstract: "Run, check and fix a fitting-room mirror.",
        version: MirrorVersion.current,
        subcommands: [
            Status.self, Screenshot.self, Camera.self, Display.self, UI.self, Record.self, Clips.self,
            VisionStatus.self,
            Calibrate.self, Suggestions.self, Requests.self, SessionCommand.self, Config.self, Logs.self,
            Diagnose.self, Enroll.self, Fleet.self, InsightsCommand.self, Version.self,
        ])

    public init() {}

    /// Runs the command line, turning ``CLIError`` into one line on stderr and its exit code.
    public static func run(arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("mirrorctl: \(error.message)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show what the mirror is doing.")

    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let status = try await daemon.client.getJSON("/v1/status", as: StatusReport.self)
        print(json ? try StatusFormatter.json(status) : StatusFormatter.human(status), terminator: "")
    }
}

struct Screenshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Save what the mirror's panel shows as a PNG file.")

    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The PNG file to write.") var file: String
    @Flag(help: "Print JSON instead of a sentence.") var json = false

    func run() async throws {
        // mirrord takes one screenshot at a time and asks the others to come back.
        let (png, _) = try await daemon.client.get("/v1/screenshot", busyFor: .seconds(30))
        guard png.count > 24, png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
            throw CLIError("mirrord sent something that is not a PNG image", exitCode: 65)
        }
        // What the panel shows may be a shopper: written as an export is (a new 0600 file, never over a device
        // or through a link).
        try ExportFile.write(png, to: file)
        // PNG IHDR: width and height are big-endian at bytes 16 and 20.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        if json {
            struct Written: Encodable {
                var file: String
                var width: Int
                var height: Int
                var bytes: Int
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(Written(file: file, width: width, height: height, bytes: png.count))
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("wrote \(file) (\(width)x\(height), \(png.count) bytes)")
        }
    }
}
