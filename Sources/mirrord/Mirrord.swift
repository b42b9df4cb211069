import ArgumentParser
import Foundation
import Logging
import MirrorConfig
import MirrorDaemon

/// `mirrord`: the fitting-room mirror's device daemon.
@main
struct Mirrord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirrord",
        abstract: "The smart mirror's device daemon: camera, display, local API and metrics.")

    @Option(name: .shortAndLong, help: "The configuration file.")
    var config: String = DaemonConfig.defaultPath

    @Flag(help: "Check the configuration and the device profile, print a summary and exit.")
    var checkConfig = false

    func run() async throws {
        let loaded: DaemonConfig
        do {
            loaded = try DaemonConfig.load(path: config)
        } catch {
            fail("\(error)", code: 78)  // EX_CONFIG
        }
        if checkConfig {
            print("\(config): ok (profile \(loaded.profile.name), socket \(loaded.api.socket))")
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: loaded.logLevel) ?? .info
            return handler
        }
        var logger = Logger(label: "mirrord")
        logger.logLevel = Logger.Level(rawValue: loaded.logLevel) ?? .info
        do {
            try await Daemon(config: loaded, logger: logger).run()
        } catch let error as DaemonError {
            fail(error.message, code: 1)
        } catch {
            fail("\(error)", code: 1)
        }
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("mirrord: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
