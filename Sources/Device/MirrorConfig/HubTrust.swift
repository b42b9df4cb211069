import Foundation
import MirrorCore

extension DaemonConfig.HubSettings {
    /// Reads how the mirror trusts the hub: `ca_file`, `certificate_sha256` or the system's store, and
    /// `allow_plain_http`. A plain `http://` hub that is not on this machine is refused unless allowed by name: the
    /// mirror's credential, loyalty-code hashes and shoppers' events would cross the network in clear.
    mutating func readTrust(_ section: inout YAMLFields, scheme: String?, host: String, base: String)
        throws(ConfigError)
    {
        caFile = try section.string("ca_file").map { resolve($0, against: base) }
        if let text = try section.string("certificate_sha256") {
            guard let digest = CertificateFingerprint.parse(text) else {
                throw section.error(
                    "certificate_sha256", "'\(text)' is not a SHA-256 fingerprint",
                    fix: "64 hex digits, colons allowed: openssl x509 -in hub.pem -noout -fingerprint -sha256")
            }
            certificateSHA256 = digest
        }
        allowPlainHTTP = try section.bool("allow_plain_http", default: false)
        if caFile != nil, certificateSHA256 != nil {
            throw section.error(
                "certificate_sha256", "ca_file and certificate_sha256 exclude each other",
                fix: "a CA file for a hub whose certificate a CA signed, a fingerprint for a self-signed one")
        }
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw section.error("ca_file", "cannot read \(caFile)", fix: "the CA certificates in PEM")
            }
        }
        guard scheme == "http" else { return }
        if caFile != nil || certificateSHA256 != nil {
            throw section.error(
                "url", "\(url) is plain http://, so ca_file or certificate_sha256 has nothing to check",
                fix: "use https://")
        }
        if !Loopback.contains(host) && !allowPlainHTTP {
            throw section.error(
                "url",
                "\(url) is plain http:// to another machine: the mirror's credential and shoppers' data would "
                    + "cross the network in clear",
                fix: "use https:// (with ca_file or certificate_sha256 for the chain's own certificate), or set "
                    + "hub.allow_plain_http: true inside a VPN or TLS tunnel")
        }
    }
}
