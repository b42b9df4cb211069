import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorCore

/// `mirrorctl record`: start a clip from the staff side (the shopper still agrees on the mirror).
struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a clip now (with pre-roll); the mirror asks the shopper's consent first if needed.")
    @OptionGroup var daemon: DaemonOptions
    @Option(help: "Clip length in seconds (2-30; default: the configured length).") var seconds: Int?

    func validate() throws {
        if let seconds, !(2...30).contains(seconds) { throw ValidationError("--seconds must be 2 to 30") }
    }

    func run() async throws {
        let query = seconds.map { "?seconds=\($0)" } ?? ""
        let ui = try await daemon.client.post("/v1/record\(query)", as: UIReport.self)
        switch ui.state {
        case "consent": print("waiting for the shopper to agree on the mirror")
        case "countdown", "recording": print("recording (state \(ui.state))")
        default: print("state \(ui.state)")
        }
    }
}

/// `mirrorctl clips …`: the clips kept on this mirror.
struct Clips: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, export and purge recorded clips.",
        subcommands: [List.self, Export.self, Purge.self, Audit.self])

    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who viewed, exported or deleted which clip, newest first (the mirror's audit log).")
        @OptionGroup var daemon: DaemonOptions
        @Option(name: .shortAndLong, help: "How many of the newest rows (1-10000).") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit is 1-10000") }
        }

        func run() async throws {
            let rows = try await daemon.client.getJSON("/v1/audit?limit=\(limit)", as: [AuditEntry].self)
            if json { return try printJSON(rows) }
            guard !rows.isEmpty else { return print("the audit log is empty") }
            print("TIME                  ACTOR    ACTION         CLIP                                  DETAIL")
            for row in rows {
                print(
                    row.at.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + row.actor.padding(toLength: 9, withPad: " ", startingAt: 0)
                        + row.action.padding(toLength: 15, withPad: " ", startingAt: 0)
                        + (row.clip ?? "-").padding(toLength: 38, withPad: " ", startingAt: 0) + row.detail)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the clips on this mirror, newest first.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let clips = try await daemon.client.getJSON("/v1/clips", as: [ClipInfo].self)
            if json { return try printJSON(clips) }
            guard !clips.isEmpty else { return print("no clips") }
            print("ID                                    CREATED               FRAMES  SIZE       BYTES     SAVED")
            for clip in clips {
                let size = "\(clip.width)x\(clip.height)"
                print(
                    clip.id.padding(toLength: 38, withPad: " ", startingAt: 0)
                        + clip.created.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + String(clip.frames).padding(toLength: 8, withPad: " ", startingAt: 0)
                        + size.padding(toLength: 11, withPad: " ", startingAt: 0)
                        + String(clip.bytes).padding(toLength: 10, withPad: " ", startingAt: 0)
                        + (clip.saved ? "yes" : "no"))
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a clip into a plain MJPEG AVI file (audited; needs the shopper's share consent).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "The clip id (see clips list).") var id: String
        @Argument(help: "The AVI file to write.") var file: String

        func run() async throws {
            try ExportFile.check(file)
            // An id is one path component: '?', '#', '/' and the like are sent encoded, never as a query.
            let component =
                id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? id
            let (avi, _) = try await daemon.client.get("/v1/clips/\(component)/export", limit: 1 << 30)
            guard avi.starts(with: Array("RIFF".utf8)) else {
                throw CLIError("mirrord sent something that is not an AVI file", exitCode: 65)
            }
            do {
                try ExportFile.write(avi, to: file)
            } catch {
                // The audit says the clip was sent; it says too that it was not written (best effort: the
                // write's error is what the caller needs to see).
                try? await daemon.client.post(
                    "/v1/clips/\(component)/export-failed", json: ExportFailure(reason: "\(error)"))
                throw error
            }
            print("wrote \(file) (\(avi.count) bytes)")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete expired clips now (--expired), or every clip of ended sessions (--all).")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Delete the clips past their retention period.") var expired = false
        @Flag(help: "Delete every clip of every ended session, saved or not.") var all = false

        func validate() throws {
            guard expired != all else { throw ValidationError("say --expired or --all") }
        }

        func run() async throws {
            let report = try await daemon.client.post("/v1/clips/purge?all=\(all ? 1 : 0)", as: PurgeReport.self)
            print("deleted \(report.deleted) clip\(report.deleted == 1 ? "" : "s")")
        }
    }
}
