import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorCore

func describe(_ ui: UIReport) -> String {
    var lines = ["state        \(ui.state)"]
    lines.append("session      \(ui.session ?? "none")")
    lines.append("clips        \(ui.clips.isEmpty ? "none" : ui.clips.map(String.init).joined(separator: ", "))")
    lines.append("buttons      \(ui.buttons.isEmpty ? "none" : ui.buttons.joined(separator: ", "))")
    lines.append("diagnostics  \(ui.diagnostics ? "on" : "off")")
    for (index, control) in (ui.controls ?? []).enumerated() {
        let text = control.text.isEmpty ? "" : "  \"\(control.text)\""
        lines.append(
            (index == 0 ? "controls     " : "             ")
                + "\(control.id)\(text)  \(control.width)x\(control.height) at \(control.x),\(control.y)")
    }
    for (index, look) in (ui.looks ?? []).enumerated() {
        let garments = look.garments.isEmpty ? "nothing recognised" : look.garments.joined(separator: ", ")
        lines.append(
            (index == 0 ? "looks        " : "             ") + "look:\(index)  \(look.title)"
                + (look.favourite ? " (favourite)" : "") + ": \(garments)")
    }
    return lines.joined(separator: "\n")
}

/// `mirrorctl display …`: the panel.
struct Display: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the mirror's panel.", subcommands: [Info.self, TestPattern.self, Diagnostics.self])

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the framebuffer: size, stride, pixel format, buffering, vsync.")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let info = try await daemon.client.getJSON("/v1/display", as: DisplayInfo.self)
            if json { return try printJSON(info) }
            print(
                """
                device       \(info.device)
                size         \(info.width)x\(info.height), stride \(info.stride) bytes
                pixels       \(info.pixelFormat), \(info.bitsPerPixel) bpp (red \(info.red), green \(info.green), \
                blue \(info.blue))
                showing      \(info.features.joined(separator: ", "))
                camera       turned \(info.rotation)°, \(info.mirror ? "mirrored" : "not mirrored")
                """)
        }
    }

    struct TestPattern: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-pattern",
            abstract: "Show colour bars, a grey ramp and edge markers on the panel for a while.")
        @OptionGroup var daemon: DaemonOptions
        @Option(help: "How long to show it (1-600 s).") var seconds = 10

        func run() async throws {
            let info = try await daemon.client.post(
                "/v1/display/test-pattern?seconds=\(seconds)", as: DisplayInfo.self)
            print("showing the test pattern on \(info.device) (\(info.width)x\(info.height)) for \(seconds) s")
        }
    }

    struct Diagnostics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or hide the staff panel (fps, latency, versions) on the mirror.")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "on or off.") var state: String

        func validate() throws {
            guard ["on", "off"].contains(state) else { throw ValidationError("say on or off") }
        }

        func run() async throws {
            let ui = try await daemon.client.post("/v1/display/diagnostics/\(state)", as: UIReport.self)
            print("diagnostics \(ui.diagnostics ? "on" : "off")")
        }
    }
}

/// `mirrorctl ui …`: drive the interface without touching the glass.
struct UI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui", abstract: "See and drive the mirror's interface (as a touch would).",
        subcommands: [State.self, Press.self, Tap.self, Swipe.self, Event.self])

    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the session state and every control on screen (id, text, rectangle in panel pixels).")
        @OptionGroup var daemon: DaemonOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let ui = try await daemon.client.getJSON("/v1/ui", as: UIReport.self)
            if json { return try printJSON(ui) }
            print(describe(ui))
        }
    }

    struct Press: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Press an on-screen button by id (see ui state).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "The button id, e.g. start, accept, back.") var button: String

        func run() async throws {
            print(describe(try await daemon.client.post("/v1/ui/press/\(button)", as: UIReport.self)))
        }
    }

    struct Tap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tap the panel at x, y (0-1 from the top left).")
        @OptionGroup var daemon: DaemonOptions
        @Argument var x: Double
        @Argument var y: Double

        func validate() throws {
            guard (0...1).contains(x), (0...1).contains(y) else { throw ValidationError("x and y go from 0 to 1") }
        }

        func run() async throws {
            print(describe(try await daemon.client.post("/v1/ui/tap?x=\(x)&y=\(y)", as: UIReport.self)))
        }
    }

    struct Swipe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Swipe forward or back (scrubs a clip).")
        @OptionGroup var daemon: DaemonOptions
        @Argument(help: "forward or back.") var direction: String

        func validate() throws {
            guard ["forward", "back"].contains(direction) else { throw ValidationError("say forward or back") }
        }

        func run() async throws {
            print(describe(try await daemon.client.post("/v1/ui/swipe/\(direction)", as: UIReport.self)))
        }
    }

    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Send a session event: start, record, accept, decline, back, staff, suggestions, finish, skip, end, "
                + "withdraw.")
        @OptionGroup var daemon: DaemonOptions
        @Argument var name: String

        func run() async throws {
            print(describe(try await daemon.client.post("/v1/ui/event/\(name)", as: UIReport.self)))
        }
    }
}
