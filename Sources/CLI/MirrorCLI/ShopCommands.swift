import ArgumentParser
import Foundation
import MirrorAPIModel
import MirrorCore

/// `mirrorctl suggestions`: what the mirror suggests to the shopper in front of it, and why.
struct Suggestions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the session's suggestions with their reasons, or act on one as the shopper would.",
        subcommands: [SuggestionsList.self, SuggestionAction.self, Identify.self],
        defaultSubcommand: SuggestionsList.self)
}

struct SuggestionsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the suggestions.")
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let report = try await daemon.client.getJSON("/v1/suggestions", as: SuggestionsReport.self)
        if json { return try printJSON(report) }
        print(ShopFormatter.text(report))
    }
}

struct SuggestionAction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "act", abstract: "Favourite, dismiss or request (staff bring it) a suggested item.")
    enum Action: String, ExpressibleByArgument, CaseIterable { case favourite, dismiss, request }
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "favourite, dismiss or request.") var action: Action
    @Argument(help: "The item's SKU.") var sku: String
    @Option(help: "The size to bring (request only; default: the size the shopper chose or has).") var size: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var path = "/v1/suggestions/\(Self.escape(sku))/\(action.rawValue)"
        if let size { path += "?size=\(Self.escape(size))" }
        let report = try await daemon.client.post(path, as: SuggestionsReport.self)
        if json { return try printJSON(report) }
        print(ShopFormatter.text(report))
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.")))
            ?? text
    }
}

/// `mirrorctl suggestions identify CODE`: the shopper's loyalty code, typed by staff or read by a scanner.
struct Identify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Personalise the session with the shopper's loyalty code (never by face).")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The loyalty code.") var code: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let report = try await daemon.client.post(
            "/v1/session/shopper", json: ShopperIdentification(loyaltyId: code), as: SuggestionsReport.self)
        if json { return try printJSON(report) }
        print(ShopFormatter.text(report))
    }
}

/// `mirrorctl requests`: what shoppers asked staff to bring.
struct Requests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the garments shoppers asked staff to bring, or mark one done.",
        subcommands: [RequestsList.self, RequestDone.self], defaultSubcommand: RequestsList.self)
}

struct RequestsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List open requests.")
    @OptionGroup var daemon: DaemonOptions
    @Flag(help: "Include requests already done (requests the shopper cancelled show for half an hour anyway).")
    var all = false
    @Flag(help: "Keep watching and print each new request as it arrives (Ctrl-C stops).") var follow = false
    @Flag(help: "Print JSON (one object per line with --follow).") var json = false

    func run() async throws {
        let path = "/v1/requests" + (all ? "?all=1" : "")
        var requests = try await daemon.client.getJSON(path, as: [StaffRequestInfo].self)
        guard follow else {
            if json { return try printJSON(requests) }
            print(ShopFormatter.table(requests))
            return
        }
        var seen: [Int: String] = [:]
        while true {
            // Written straight to the file descriptor: a pipe sees each request at once, and again when the
            // shopper cancels it (a colleague may be on the way).
            for request in requests.reversed()
            where seen.updateValue(request.state, forKey: request.id) != request.state {
                let line: String
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    line = String(decoding: try encoder.encode(request), as: UTF8.self)
                } else {
                    line = ShopFormatter.line(request)
                }
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
            try await Task.sleep(for: .milliseconds(250))
            requests = try await daemon.client.getJSON(path, as: [StaffRequestInfo].self)
        }
    }
}

struct RequestDone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "done", abstract: "Mark a request done.")
    @OptionGroup var daemon: DaemonOptions
    @Argument(help: "The request's number.") var id: Int
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let request = try await daemon.client.post("/v1/requests/\(id)/done", as: StaffRequestInfo.self)
        if json { return try printJSON(request) }
        print("request \(request.id) done: \(request.description)")
    }
}

/// Human-readable suggestions and requests.
enum ShopFormatter {
    static func text(_ report: SuggestionsReport) -> String {
        var lines = [
            "catalog     \(report.catalogItems) items\(report.problem.map { " — \($0)" } ?? "")",
            "shopper     \(report.identified ? "identified (profile in use)" : "anonymous")",
            "trying      \(report.tried.isEmpty ? "nothing recognised yet" : report.tried.joined(separator: ", "))",
        ]
        if !report.favourites.isEmpty { lines.append("favourites  \(report.favourites.joined(separator: ", "))") }
        lines.append("")
        let rows = report.suggestions.enumerated().map { index, card in
            [
                "\(index + 1)", card.sku, "\(card.name), \(card.colour)", card.price, card.size ?? "-",
                card.reason + (card.favourite ? " ♥" : ""),
            ]
        }
        lines.append(table(["#", "SKU", "ITEM", "PRICE", "SIZE", "WHY"], rows))
        return lines.joined(separator: "\n")
    }

    static func table(_ requests: [StaffRequestInfo]) -> String {
        guard !requests.isEmpty else { return "no open requests" }
        return table(
            ["#", "ASKED", "SKU", "SIZE", "WHAT", "STATE"],
            requests.map {
                [String($0.id), time($0.at), $0.sku.isEmpty ? "-" : $0.sku, $0.size ?? "-", $0.description, $0.state]
            })
    }

    static func line(_ request: StaffRequestInfo) -> String {
        "\(time(request.at))  #\(request.id)  \(request.description)"
            + (request.state == "done" ? " (done)" : request.state == "cancelled" ? " (cancelled by the shopper)" : "")
    }

    /// The time of day of an ISO 8601 date, local time.
    static func time(_ iso: String) -> String {
        guard let date = ISO8601DateFormatter().date(from: iso) else { return iso }
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        StatusFormatter.table([header] + rows).joined(separator: "\n")
    }
}
