import ArgumentParser
import Foundation
import Logging
import MirrorCore
import MirrorHTTP
import MirrorHub

/// How the hub is reached: HTTPS with a certificate and key, or plain HTTP on the loopback (or, with a flag that
/// names the risk, elsewhere).
struct TLSOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The hub's certificate chain (PEM, the hub's own certificate first); with --tls-key the hub serves "
                + "HTTPS (TLS 1.2 or newer) only. Read again on SIGHUP and when the files change.",
            valueName: "file"))
    var tlsCertificate: String?
    @Option(help: ArgumentHelp("The certificate's private key (PEM, not readable by every user).", valueName: "file"))
    var tlsKey: String?
    @Flag(
        help: ArgumentHelp(
            "Serve plain HTTP on an address that is not the loopback: bearer credentials, enrolment tokens and "
                + "shopper data then cross the network in clear. Only for a hub behind a TLS proxy on this host."))
    var insecurePlainHttp = false

    func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
        guard tlsCertificate == nil || !insecurePlainHttp else {
            throw ValidationError("--insecure-plain-http and --tls-certificate exclude each other")
        }
    }

    /// The certificates to serve with, or nil for plain HTTP where that is allowed; exits 78 (EX_CONFIG) with one
    /// line on standard error when the files cannot be used or plain HTTP would face the network unasked.
    func certificates(host: String, logger: Logger) throws -> ServerCertificates? {
        if let tlsCertificate, let tlsKey {
            do {
                let certificates = try ServerCertificates(certificate: tlsCertificate, key: tlsKey)
                logger.info(
                    "serving HTTPS",
                    metadata: [
                        "certificate": "\(tlsCertificate)", "expires": "\(certificates.notAfter.formatted(.iso8601))",
                    ])
                return certificates
            } catch {
                throw fail("\(error)")
            }
        }
        if Loopback.contains(host) {
            logger.warning(
                "serving plain HTTP on the loopback only; mirrors and browsers on the network need HTTPS",
                metadata: ["host": "\(host)", "fix": "--tls-certificate and --tls-key"])
            return nil
        }
        guard insecurePlainHttp else {
            throw fail(
                "--host \(host) would serve plain HTTP to the network, where credentials and shopper data would "
                    + "cross in clear: give --tls-certificate and --tls-key (or --insecure-plain-http for a hub "
                    + "behind a TLS proxy on this host)")
        }
        logger.warning(
            "serving PLAIN HTTP to the network (--insecure-plain-http): credentials and shopper data cross it in clear",
            metadata: ["host": "\(host)", "unless": "a TLS proxy on this host fronts the hub"])
        return nil
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("mirrorhub: \(message)\n".utf8))
        return ExitCode(78)
    }
}
