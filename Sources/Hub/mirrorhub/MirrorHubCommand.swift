import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MirrorHTTP
import MirrorHub
import MirrorProtocol
import MirrorSuggest
import ServiceLifecycle

/// `mirrorhub`: the head-office profile store and fleet registry.
@main
struct MirrorHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirrorhub", abstract: "The head-office hub for a fleet of mirrors.",
        subcommands: [
            Serve.self, AddStore.self, SetTimeZone.self, SetBoughtWindow.self, CreateToken.self, EnrolmentToken.self,
            ImportShoppers.self,
            ImportSales.self,
            Insights.self, ExportInsights.self, ExportRaw.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Where the hub keeps its data.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The database: a SQLite file path (the default), or postgres://USER@HOST/DB, over TLS with the "
                + "certificate and host checked unless HOST is the loopback (?sslrootcert=CA.pem names the CA; "
                + "?sslmode=disable|require|verify-full), or postgres://USER@/DB?host=/var/run/postgresql over a "
                + "Unix socket.",
            valueName: "path-or-url"))
    var database = "mirrorhub.sqlite"

    /// The database, after one connection to PostgreSQL has shown that it can be reached (or why not).
    func open(logger: Logger) async throws -> any HubDatabase {
        if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
            let postgres = try PostgresHubDatabase(url: database, logger: logger)
            try await postgres.probe()
            return postgres
        }
        return try SQLiteHubDatabase(path: database)
    }

    /// Opens the store, runs `body` with it, and stops the backend's background work.
    func withStore<T: Sendable>(_ body: @Sendable @escaping (HubStore) async throws -> T) async throws -> T {
        let logger = Logger(label: "mirrorhub")
        let database = try await open(logger: logger)
        return try await database.whileRunning { try await body(try await HubStore(database: database)) }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the hub's HTTP API.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, named in the 'mirrorhub listening' log line).") var port = 8700
    @Option(help: "Seconds between pulls of every mirror's telemetry (0: never pull).") var pollInterval = 60
    @Option(help: "Seconds one mirror has to answer a pull.") var pollTimeout = 5
    @Option(help: "Mirrors pulled at the same time.") var pollConcurrency = 64
    @Option(help: "Hours of telemetry history kept.") var historyHours = 24
    @OptionGroup var tls: TLSOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port is 0-65535") }
        guard pollInterval >= 0, (1...60).contains(pollTimeout), (1...1024).contains(pollConcurrency),
            (1...24 * 90).contains(historyHours)
        else {
            throw ValidationError(
                "--poll-interval ≥ 0, --poll-timeout 1-60, --poll-concurrency 1-1024, --history-hours 1-2160")
        }
    }

    func run() async throws {
        var logger = Logger(label: "mirrorhub")
        logger.logLevel = .info
        let certificates = try tls.certificates(host: host, logger: logger)
        let backend = try await database.open(logger: logger)
        // One group, one SIGTERM: a group stops its services last to first, each after the one before has ended,
        // so the front (HTTP, then the poller) drains while the database still answers, and the database stops last.
        let front = HubFront(
            database: backend, host: host, port: port, tls: certificates, pollInterval: pollInterval,
            pollTimeout: pollTimeout, pollConcurrency: pollConcurrency, historyHours: historyHours, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: DatabaseService(database: backend, logger: logger)), .init(service: front)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// What faces the network: the HTTP API and the fleet poller, started once the store has opened (its migrations
/// need the database service running) and stopped, poller first, when the group shuts down.
struct HubFront: Service {
    let database: any HubDatabase
    let host: String
    let port: Int
    let tls: ServerCertificates?
    let pollInterval: Int
    let pollTimeout: Int
    let pollConcurrency: Int
    let historyHours: Int
    let logger: Logger

    func run() async throws {
        let store = try await HubStore(database: database)
        let (scheme, logger, database) = (tls == nil ? "http" : "https", logger, database)
        // Said once bound: with --port 0 the port is known only then.
        let listening: @Sendable (Int) async -> Void = { bound in
            logger.info(
                "mirrorhub listening",
                metadata: ["address": "\(scheme)://\(host):\(bound)", "database": "\(database.description)"])
        }
        // Offline after three missed pulls (a round lasts at most the timeout beyond its interval).
        let stale = Int64(max(pollInterval, 1) * 3 + pollTimeout) * 1000
        let app = HubServer.application(
            store: store, host: host, port: port, tls: tls, fleetStaleMillis: stale, logger: logger,
            onRunning: listening)
        var services: [any Service] = [app]
        if let tls { services.append(CertificateReloader(certificates: tls, logger: logger)) }
        if pollInterval > 0 {
            services.append(
                FleetPoller(
                    store: store, interval: .seconds(pollInterval), timeout: .seconds(pollTimeout),
                    concurrency: pollConcurrency, keepHours: historyHours, logger: logger))
        }
        // A group inside a group's service follows the outer group's graceful shutdown.
        try await ServiceGroup(services: services, logger: logger).run()
    }
}

/// Runs the database backend's background work as a service.
struct DatabaseService: Service {
    let database: any HubDatabase
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown { await database.run() }
    }
}

struct AddStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add-store", abstract: "Add a store.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The store's id (letters, digits, '-', '_').") var id: String
    @Argument(help: "The store's name.") var name: String
    @Option(help: "The store's IANA time zone (e.g. Europe/Paris): its insight days and hours are its own.")
    var timeZone: String?

    func run() async throws {
        let (id, name, timeZone) = (id, name, timeZone)
        try await database.withStore { try await $0.addStore(id: id, name: name, timeZone: timeZone) }
        print("added store \(id)" + (timeZone.map { " (\($0))" } ?? " (time zone not set: its days are UTC)"))
    }
}

struct SetTimeZone: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-time-zone", abstract: "Set a store's time zone (its insight days and hours).")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The store's id.") var store: String
    @Argument(help: "An IANA time zone, e.g. America/Los_Angeles.") var timeZone: String

    func run() async throws {
        let (store, timeZone) = (store, timeZone)
        try await database.withStore { try await $0.setTimeZone(store: store, timeZone: timeZone) }
        print("store \(store) counts its days in \(timeZone)")
    }
}

struct SetBoughtWindow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-bought-window",
        abstract: "Set how long after a try-on a sale of the SKU counts as bought (120 minutes until set).",
        discussion: "Every try-on is matched to the sales again with the new window, in one transaction.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "Minutes, 1 to 10080.") var minutes: Int

    func run() async throws {
        let minutes = minutes
        try await database.withStore { try await $0.setBoughtWindow(minutes: minutes) }
        print("a sale counts as bought within \(minutes) minutes of a try-on; every try-on matched again")
    }
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-credential",
        abstract: "Create a bearer credential for head office or a store's staff; it is printed once.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "head_office or staff.") var role: String
    @Option(help: "The store, for staff.") var store: String?
    @Option(help: "Whom it is for (shown in audit trails).") var name: String

    func run() async throws {
        guard let role = HubRole(rawValue: role), role != .device else {
            throw ValidationError("--role is head_office or staff (devices enrol with a token)")
        }
        let (store, name) = (store, name)
        let token = try await database.withStore { try await $0.createCredential(role: role, store: store, name: name) }
        print(token)
    }
}

struct EnrolmentToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrolment-token", abstract: "Create a one-time token that enrols one mirror into a store.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The store the mirror is in.") var store: String

    func run() async throws {
        let store = store
        let (token, _) = try await database.withStore { try await $0.createEnrolmentToken(store: store) }
        print(token)
    }
}

struct ImportShoppers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-shoppers",
        abstract: "Import shopper profiles from customer records (a profiles.json file); safe to run again.")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "A JSON file {\"profiles\": [profile]}, as in the demo catalog's profiles.json.") var file: String
    @Option(
        help: ArgumentHelp(
            "Record that these shoppers consented to personalised suggestions, naming where they did (e.g. "
                + "'loyalty app'); shoppers with a consent record already keep it.", valueName: "source"))
    var consentSource: String?

    func run() async throws {
        let profiles: [ShopperProfile]
        do {
            profiles = try JSONDecoder().decode(
                CatalogFolder.ProfilesFile.self, from: Data(contentsOf: URL(fileURLWithPath: file))
            ).profiles
        } catch {
            throw ValidationError("\(file): not a profiles file (\(error))")
        }
        let source = consentSource
        let imported = try await database.withStore { store in
            var count = 0
            for profile in profiles where try await store.importShopper(profile, consentSource: source) { count += 1 }
            return count
        }
        print(
            "imported \(imported) of \(profiles.count) shoppers"
                + (imported < profiles.count ? " (the rest were erased)" : ""))
    }
}

struct ImportSales: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-sales",
        abstract: "Import the tills' sale lines (CSV with a header row, or JSON lines); safe to run again.",
        discussion: "Fields: " + SalesFile.fields.joined(separator: ", ")
            + ". time is ISO 8601 with its zone (2026-11-30T14:05:00Z) or milliseconds since 1970; size, "
            + "quantity (default 1), loyalty_id and basket may be empty. A line id imported before is left as it "
            + "was. A file with any bad row imports nothing, and every bad row is named (line, field, why).")
    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The file (.csv, .jsonl; '-' reads standard input).") var file: String

    func run() async throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(file) is not UTF-8") }
        let lines: [SaleLine]
        do {
            lines = try SalesFile.parse(text, format: SalesFile.format(name: file, text: text))
            guard !lines.isEmpty else { throw ValidationError("\(file) holds no sale line") }
            let result = try await database.withStore { try await $0.importSales(lines) }
            print("imported \(result.imported) sale lines; \(result.alreadyHeld) were held already")
        } catch let error as HubError {
            FileHandle.standardError.write(Data("\(file): \(error.message)\n".utf8))
            throw ExitCode(65)
        }
    }
}

/// Which figures: a store or all, a range of days, k and the series' step (the sale window is the hub's).
struct InsightsOptions: ParsableArguments {
    @Option(help: "The store (default: every store).") var store: String?
    @Option(help: "First day, YYYY-MM-DD (default: 6 days before --to).") var from: String?
    @Option(help: "Last day, YYYY-MM-DD (default: today, UTC).") var to: String?
    @Option(help: "The least number of visits a published cell covers (5 or more).") var k = InsightsQuery.defaultK
    @Flag(help: "The series per week, not per day.") var weekly = false

    func query() throws -> InsightsQuery {
        let today = HubStore.systemMillis() / 86_400_000 * 86_400_000
        let to = self.to ?? InsightsQuery.dayText(today)
        let from: String
        if let given = self.from {
            from = given
        } else {
            let last = try InsightsQuery.days(store: nil, from: to, to: to).fromMillis
            from = InsightsQuery.dayText(last - 6 * 86_400_000)
        }
        do {
            return try InsightsQuery.days(
                store: store, from: from, to: to, k: k, weekly: weekly)
        } catch let error as HubError {
            throw ValidationError(error.message)
        }
    }
}

struct Insights: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what happened in the fitting rooms: visits, try-ons, size swaps, suggestions, staff, rating.",
        discussion: "No figure names a shopper; a cell covering fewer than k visits reads \"fewer than k\".")
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var options: InsightsOptions
    @Flag(help: "Print JSON.") var json = false
    @Option(help: ArgumentHelp("Print one table as CSV: " + Insights.tableNames + ".", valueName: "table"))
    var csv: String?

    static let tableNames = "visits, try_ons, size_swaps, suggestions, staff, rating, series"

    func validate() throws {
        if json && csv != nil { throw ValidationError("choose --json or --csv") }
        if let csv, !Self.tableNames.components(separatedBy: ", ").contains(csv) {
            throw ValidationError("--csv takes one of \(Self.tableNames)")
        }
    }

    func run() async throws {
        let query = try options.query()
        let report = try await database.withStore { try await $0.insights(query) }
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

struct ExportInsights: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-insights",
        abstract: "Write the figures as one CSV file per table and day (per store and for all stores) for the data "
            + "warehouse; run nightly.",
        discussion: "Files: DIR/DAY/STORE/TABLE.csv and DIR/DAY/all/TABLE.csv, replaced whole. Without --day, "
            + "yesterday and the days before it that late reports can still reach (--days, default "
            + "\(InsightsExport.window)) are written again, so a day's files hold what the hub knows of it now.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "One day only, YYYY-MM-DD.") var day: String?
    @Option(help: "How many days up to yesterday (UTC) to write, 1 to 90.") var days = InsightsExport.window
    @Option(help: "The folder to write into.") var dir: String
    @Option(help: "The least number of visits a published cell covers (5 or more).") var k = InsightsQuery.defaultK

    func validate() throws {
        guard (1...90).contains(days) else { throw ValidationError("--days is 1 to 90") }
    }

    func run() async throws {
        let chosen = day.map { [$0] } ?? InsightsExport.days(now: HubStore.systemMillis(), count: days)
        let (dir, k) = (dir, k)
        let written = try await database.withStore { store in
            try await InsightsExport.write(store, days: chosen, into: dir, k: k)
        }
        let span = chosen.count == 1 ? chosen[0] : "\(chosen[0]) to \(chosen[chosen.count - 1])"
        print("wrote \(written) files for \(span) under \(dir)")
    }
}

struct ExportRaw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-raw",
        abstract: "Write the rows the figures are made of as JSON lines (docs/insights.md, \"The raw export\").",
        discussion: "Shoppers appear by subject hash (a pseudonym): head office's own data, for its warehouse.")
    @OptionGroup var database: DatabaseOptions
    @Option(help: "The store (default: every store).") var store: String?
    @Option(help: "First day, YYYY-MM-DD (default: 2000-01-01).") var from = "2000-01-01"
    @Option(help: "Last day, YYYY-MM-DD (default: 2099-12-31).") var to = "2099-12-31"

    func run() async throws {
        let (store, from, to) = (store, from, to)
        guard let first = try? InsightsQuery.days(store: nil, from: from, to: from).fromMillis,
            let last = try? InsightsQuery.days(store: nil, from: to, to: to).toMillis
        else { throw ValidationError("--from and --to are days, YYYY-MM-DD") }
        // Each row is written as it is read: a long history is never held whole.
        try await database.withStore { hub in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try await hub.rawExport(store: store, fromMillis: first, toMillis: last) { row in
                print(String(decoding: try encoder.encode(row), as: UTF8.self))
            }
        }
    }
}
