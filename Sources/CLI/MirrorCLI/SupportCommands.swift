import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorConfig
import MirrorCore
import ZIPFoundation

/// `mirrorctl version`: this tool's version and the daemon's.
struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show mirrorctl's version and the running mirrord's.")
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        struct Versions: Encodable {
            var mirrorctl: String
            var mirrord: String?
            var profile: String?
        }
        let status = try? await daemon.client.getJSON("/v1/status", as: StatusReport.self)
        let versions = Versions(mirrorctl: MirrorVersion.current, mirrord: status?.version, profile: status?.profile)
        if json { return try printJSON(versions) }
        print("mirrorctl \(versions.mirrorctl)")
        print(status.map { "mirrord   \($0.version) (profile \($0.profile))" } ?? "mirrord   not reachable")
    }
}

/// `mirrorctl config …`: the daemon's configuration.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the running configuration or check a configuration file.",
        subcommands: [Show.self, Validate.self, Apply.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the configuration file mirrord runs with (secrets redacted).")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let report = try await daemon.client.getJSON("/v1/config", as: ConfigReport.self)
            if json { return try printJSON(report) }
            print("# \(report.path)")
            print(report.text, terminator: report.text.hasSuffix("\n") ? "" : "\n")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file and the device profile it names, as mirrord would at start.",
            discussion: "Exits 0 when the file is valid, 78 (EX_CONFIG) with the reason when it is not.")
        @Argument(help: "The configuration file.") var file: String = DaemonConfig.defaultPath
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            struct Verdict: Encodable {
                var file: String
                var valid: Bool
                var problem: String?
                var profile: String?
            }
            let verdict: Verdict
            do {
                let config = try DaemonConfig.load(path: file)
                verdict = Verdict(file: file, valid: true, problem: nil, profile: config.profile.name)
            } catch {
                verdict = Verdict(file: file, valid: false, problem: "\(error)", profile: nil)
            }
            if json {
                try printJSON(verdict)
            } else if verdict.valid {
                print("\(file): valid (profile \(verdict.profile ?? "?"))")
            }
            if let problem = verdict.problem {
                throw CLIError(json ? "\(file) is not valid" : problem, exitCode: 78)
            }
        }
    }
}

extension Config {
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make mirrord re-read its configuration file and apply what can change while it runs.",
            discussion:
                "Session and recording settings take effect at once (the pre-roll at the next start); other changed "
                + "keys are listed as waiting for a restart (systemctl restart mirrord). Same as systemctl reload "
                + "mirrord. Exits 78 and changes nothing when the file is not valid.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let reload: ConfigReload
            do {
                reload = try await daemon.client.post("/v1/config/reload", as: ConfigReload.self)
            } catch let error as CLIError where error.exitCode == 65 {
                throw CLIError(error.message, exitCode: 78)
            }
            if json { return try printJSON(reload) }
            if reload.applied.isEmpty && reload.needsRestart.isEmpty { print("no change") }
            if !reload.applied.isEmpty { print("applied: \(reload.applied.joined(separator: ", "))") }
            if !reload.needsRestart.isEmpty {
                print("waiting for a restart: \(reload.needsRestart.joined(separator: ", "))")
            }
        }
    }
}

/// `mirrorctl session end`: ends the shopper's session now (its unsaved clips are deleted, as at the mirror).
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Act on the shopper's session.", subcommands: [End.self])

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End the session now; clips the shopper did not save are deleted.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let ui = try await daemon.client.post("/v1/ui/event/end", as: UIReport.self)
            if json { return try printJSON(ui) }
            print(describe(ui))
        }
    }
}

/// `mirrorctl logs`: the daemon's recent log lines, or new ones as they come.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print mirrord's recent log lines.")
    @OptionGroup var daemon: DaemonOptions
    @Option(name: .shortAndLong, help: "How many of the latest lines (1-2000).") var lines = 100
    @Flag(name: .shortAndLong, help: "Keep printing new lines until interrupted.") var follow = false
    @Flag(help: "Print JSON lines ({\"seq\":…,\"text\":…}).") var json = false

    func validate() throws {
        guard (1...2000).contains(lines) else { throw ValidationError("--lines is 1-2000") }
    }

    func run() async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var after: Int64 = 0
        var limit = lines
        repeat {
            let batch = try await daemon.client.getJSON("/v1/logs?after=\(after)&limit=\(limit)", as: [LogLine].self)
            for line in batch {
                print(json ? String(decoding: try encoder.encode(line), as: UTF8.self) : line.text)
            }
            after = batch.last?.seq ?? after
            limit = 2000
            if follow { try await Task.sleep(for: .milliseconds(500)) }
        } while follow
    }
}

/// `mirrorctl enroll`: joins this mirror to head office's hub with a one-time token from the hub's operator.
struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol this mirror with the hub using a one-time enrolment token.",
        discussion:
            "The daemon writes the credential (mode 0600) and starts syncing; the credential is never shown. Exits 69 "
            + "when the hub cannot be reached or refuses the token.")
    @OptionGroup var daemon: DaemonOptions
    @Option(help: "The hub's URL (must be the config's hub.url).") var hub: String?
    @Option(help: "The one-time enrolment token.") var token: String
    @Option(help: "The name head office sees (default: the host name).") var name: String?
    @Flag(help: "Print JSON.") var json = false

    /// mirrord gives the hub ``HubClient``'s 10 s to answer; waiting longer lets mirrord's answer say so.
    static let deadline = Duration.seconds(25)

    func run() async throws {
        let result: MirrorEnrollmentResult
        do {
            result = try await daemon.client.post(
                "/v1/enroll", json: MirrorEnrollment(hub: hub, token: token, name: name),
                as: MirrorEnrollmentResult.self,
                deadline: Self.deadline)
        } catch let error as CLIError where error.exitCode != 69 {
            throw CLIError(error.message, exitCode: 69)
        }
        if json { return try printJSON(result) }
        print("enrolled as \(result.deviceId) in store \(result.storeId); credential in \(result.credentialFile)")
    }
}

/// `mirrorctl diagnose`: one archive for support, with no shopper data in it.
struct Diagnose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Collect versions, health, metrics, the redacted config and recent logs into one zip file.",
        discussion:
            "The archive holds no shopper data: no clips, frames, profiles, loyalty codes, session ids or "
            + "requests. MANIFEST.txt in it lists what was collected and what could not be.")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The zip file to write (default: mirror-diagnose-<time>.zip here).") var file: String?
    @Flag(help: "Print JSON (the file and its entries).") var json = false

    func run() async throws {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let path = file ?? "mirror-diagnose-\(stamp).zip"
        let client = try daemon.client
        var entries: [(name: String, data: Data)] = []
        var missing: [String] = []
        let steps: [(String, String, @Sendable () async throws -> Data)] = [
            ("status.json", "status", { Data(try await client.get("/v1/status").body) }),
            ("telemetry.json", "telemetry", { Data(try await client.get("/v1/telemetry").body) }),
            ("metrics.txt", "metrics", { Data(try await client.get("/metrics").body) }),
            ("display.json", "display", { Data(try await client.get("/v1/display").body) }),
            (
                "config.yaml", "config (redacted)",
                {
                    let report = try await client.getJSON("/v1/config", as: ConfigReport.self)
                    return Data("# \(report.path)\n\(report.text)".utf8)
                }
            ),
            (
                "logs.txt", "logs",
                {
                    let lines = try await client.getJSON("/v1/logs?after=0&limit=2000", as: [LogLine].self)
                    return Data(lines.map { $0.text + "\n" }.joined().utf8)
                }
            ),
            ("system.txt", "system", { Data(Self.system().utf8) }),
        ]
        for (index, (name, what, collect)) in steps.enumerated() {
            FileHandle.standardError.write(Data("[\(index + 1)/\(steps.count)] \(what)… ".utf8))
            do {
                entries.append((name, try await collect()))
                FileHandle.standardError.write(Data("ok\n".utf8))
            } catch {
                missing.append("\(name): \(error)")
                FileHandle.standardError.write(Data("not available (\(error))\n".utf8))
            }
        }
        let manifest = """
            mirror diagnostics, \(ISO8601DateFormatter().string(from: Date())), mirrorctl \(MirrorVersion.current)
            collected: \(entries.map(\.name).joined(separator: ", "))
            not available: \(missing.isEmpty ? "none" : missing.joined(separator: "; "))
            not included, by design: clips, frames, shopper profiles, loyalty codes, session ids, staff requests

            """
        entries.insert(("MANIFEST.txt", Data(manifest.utf8)), at: 0)
        guard entries.count > 2 else {
            throw CLIError("mirrord did not answer (is it running?): \(missing.first ?? "")", exitCode: 69)
        }
        do {
            try? FileManager.default.removeItem(atPath: path)
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
            for (name, data) in entries {
                try archive.addEntry(
                    with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
                ) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
        } catch {
            throw CLIError("cannot write \(path): \(error)", exitCode: 73)
        }
        if json {
            struct Written: Encodable {
                var file: String
                var entries: [String]
                var missing: [String]
            }
            return try printJSON(Written(file: path, entries: entries.map(\.name), missing: missing))
        }
        print("wrote \(path) (\(entries.count) files\(missing.isEmpty ? "" : ", \(missing.count) not available"))")
    }

    /// The machine: kernel, OS release, uptime, memory, disks.
    static func system() -> String {
        var info = utsname()
        uname(&info)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var text =
            "kernel: \(field(info.sysname)) \(field(info.release)) \(field(info.version)) \(field(info.machine))\n"
        for file in ["/etc/os-release", "/proc/uptime", "/proc/loadavg", "/proc/meminfo"] {
            if let contents = try? String(contentsOfFile: file, encoding: .utf8) {
                text += "\n== \(file)\n" + contents.split(separator: "\n").prefix(12).joined(separator: "\n") + "\n"
            }
        }
        return text
    }
}
