import Foundation
import MirrorCore
import NIOSSL
import PostgresNIO

/// How the hub's connection to PostgreSQL over TCP is protected, from the URL's libpq parameters `sslmode`
/// (`disable`, `require`, `verify-full`) and `sslrootcert` (the CA file). Off the loopback the default is
/// verify-full: TLS with the server's certificate checked against the CA and the URL's host name. Plain text there
/// only when the URL says `sslmode=disable`. (A Unix socket never leaves the machine and uses no TLS.)
struct PostgresLink {
    enum Mode: String {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    let mode: Mode
    let tls: PostgresClient.Configuration.TLS
    private let configuration: TLSConfiguration?

    init(host: String, query: [URLQueryItem]) throws(HubError) {
        let value = { (name: String) in query.first { $0.name == name }?.value }
        if let text = value("sslmode") {
            guard let mode = Mode(rawValue: text) else {
                throw HubError(
                    .badConfig, "sslmode=\(text) is not one the hub takes: disable, require or verify-full")
            }
            self.mode = mode
        } else {
            mode = Loopback.contains(host) ? .disable : .verifyFull
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch mode {
        case .disable:
            tls = .disable
            self.configuration = nil
            return
        case .require:
            configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        }
        if let root = value("sslrootcert") {
            guard FileManager.default.isReadableFile(atPath: root) else {
                throw HubError(.badConfig, "sslrootcert=\(root): cannot read the CA file")
            }
            configuration.trustRoots = .file(root)
        }
        tls = .require(configuration)
        self.configuration = configuration
    }

    /// The same protection for a single connection (which takes a built context).
    func connectionTLS() throws(HubError) -> PostgresConnection.Configuration.TLS {
        guard let configuration else { return .disable }
        do {
            return .require(try NIOSSLContext(configuration: configuration))
        } catch {
            throw HubError(.badConfig, "sslrootcert: not a PEM CA file (\(error))")
        }
    }

    /// Why a connection failed, in words (PSQLError's own description hides everything on purpose).
    static func why(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return "the server said: \(message)" }
        if error.code == .sslUnsupported {
            return "the server offers no TLS (turn ssl on there, or sslmode=disable in the URL to go without)"
        }
        switch error.underlying {
        case let extra as NIOSSLExtraError where extra == .failedToValidateHostname:
            return "the server's certificate is for another host name (\(extra))"
        case .handshakeFailed(let reason) as NIOSSLError:
            return "the TLS handshake failed: the server's certificate is not signed by a CA in sslrootcert "
                + "(or the system's store) or has expired (\(reason))"
        case let underlying?:
            return "\(underlying)"
        case nil:
            return "\(error.code)"
        }
    }

    /// For the log: how the link is protected.
    var summary: String {
        switch mode {
        case .disable: "no TLS"
        case .require: "TLS, the server's certificate NOT checked (sslmode=require)"
        case .verifyFull: "TLS, certificate and host name checked"
        }
    }
}
