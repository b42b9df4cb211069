import ArgumentParser
import Hummingbird
import Logging
import MirrorHub

/// `mirrorhub`: the head-office profile store and fleet registry.
@main
struct MirrorHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirrorhub", abstract: "The head-office hub for a fleet of mirrors (minimal for now).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8700

    func run() async throws {
        let logger = Logger(label: "mirrorhub")
        try await HubServer.application(host: host, port: port, logger: logger).runService()
    }
}
