import ArgumentParser
import Foundation
import Logging
import MirrorConfig
import MirrorDaemon
import MirrorSync

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

    @Option(help: "Enrol this mirror with the hub named in the configuration using a one-time token, then exit.")
    var enrollToken: String?

    @Option(help: "The name the hub shows for this mirror when enrolling (default: the host name).")
    var name: String?

    func run() async throws {
        let loaded: DaemonConfig
        do {
            loaded = try DaemonConfig.load(path: config)
        } catch {
            fail("\(error)", code: 78)  // EX_CONFIG
        }
        if checkConfig {
            // What the files name that the start will need: the start runs the same check.
            do { try Preflight.check(loaded) } catch { fail("\(error)", code: 78) }
            print("\(config): ok (profile \(loaded.profile.name), socket \(loaded.api.socket))")
            return
        }
        if let enrollToken {
            guard let hub = loaded.hub else { fail("\(config) has no hub section to enrol with", code: 78) }
            do {
                try FileManager.default.createDirectory(
                    atPath: loaded.stateDirectory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                let response = try await SyncService.enrol(
                    hubURL: hub.url, trust: hub.trust, token: enrollToken,
                    name: name ?? ProcessInfo.processInfo.hostName,
                    credentialFile: hub.credentialFile)
                print(
                    "enrolled as \(response.deviceId) in store \(response.storeId); credential in \(hub.credentialFile)"
                )
                return
            } catch {
                fail("enrolment failed: \(error)", code: 69)  // EX_UNAVAILABLE
            }
        }
        // Logs go to standard error (the journal, under systemd) and into a ring of recent lines for mirrorctl.
        let level = Logger.Level(rawValue: loaded.logLevel) ?? .info
        let ring = LogRing()
        LoggingSystem.bootstrap { label in
            var stream = StreamLogHandler.standardError(label: label)
            stream.logLevel = level
            return MultiplexLogHandler([stream, ring.handler(label: label, level: level)])
        }
        var logger = Logger(label: "mirrord")
        logger.logLevel = level
        do {
            try await Daemon(config: loaded, logger: logger, configPath: config, logRing: ring).run()
        } catch let error as ConfigError {
            fail("\(error)", code: 78)
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
