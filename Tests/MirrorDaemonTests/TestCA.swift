import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing

/// A certificate authority made for one test with openssl, as a chain's own PKI (or a store's) would be: a P-256
/// CA, and server certificates it signs for the loopback.
final class TestCA {
    let folder: String
    let name: String

    init(_ name: String) async throws {
        self.name = name
        folder = NSTemporaryDirectory() + "test-ca-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try await openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3",
            "-subj", "/CN=\(name) test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "\(folder)/ca-key.pem", "-out", certificate)
    }

    /// The CA's certificate, for a client's trust roots.
    var certificate: String { "\(folder)/ca.pem" }

    /// Signs a server certificate for `subjectAltName`, valid from now for two days or (`expired`) for one day in
    /// 2020; answers the certificate's and the key's paths (key 0600).
    func issue(_ leaf: String, subjectAltName: String = "IP:127.0.0.1,DNS:localhost", expired: Bool = false)
        async throws -> (certificate: String, key: String)
    {
        let (certificate, key) = ("\(folder)/\(leaf).pem", "\(folder)/\(leaf)-key.pem")
        let configuration = "\(folder)/\(leaf).cnf"
        // `openssl ca` rather than `openssl x509 -req`: only it takes a start and an end date.
        try """
        [ca]
        default_ca = this
        [this]
        database = \(folder)/index.txt
        new_certs_dir = \(folder)
        serial = \(folder)/serial
        default_md = sha256
        policy = any
        unique_subject = no
        [any]
        commonName = supplied
        [leaf]
        subjectAltName = \(subjectAltName)
        extendedKeyUsage = serverAuth
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        if !FileManager.default.fileExists(atPath: "\(folder)/serial") {
            try "".write(toFile: "\(folder)/index.txt", atomically: true, encoding: .utf8)
            try "01\n".write(toFile: "\(folder)/serial", atomically: true, encoding: .utf8)
        }
        try await openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(leaf)",
            "-keyout", key, "-out", "\(folder)/\(leaf).csr")
        let validity = expired ? ["-startdate", "20200101000000Z", "-enddate", "20200102000000Z"] : ["-days", "2"]
        try await openssl(
            [
                "ca", "-batch", "-notext", "-config", configuration, "-cert", self.certificate, "-keyfile",
                "\(folder)/ca-key.pem", "-extensions", "leaf", "-in", "\(folder)/\(leaf).csr", "-out", certificate,
            ]
                + validity)
        chmod(key, 0o600)
        return (certificate, key)
    }

    /// A self-signed server certificate (no CA: a store without a PKI) and the SHA-256 fingerprint openssl prints
    /// for it (`AB:CD:…`).
    func selfSigned(_ leaf: String) async throws -> (certificate: String, key: String, sha256: String) {
        let (certificate, key) = ("\(folder)/\(leaf).pem", "\(folder)/\(leaf)-key.pem")
        try await openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=\(leaf)", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate)
        chmod(key, 0o600)
        let printed = try await run(
            "/usr/bin/openssl", ["x509", "-in", certificate, "-noout", "-fingerprint", "-sha256"])
        guard let fingerprint = printed.stdout.split(separator: "=").last else { throw TestFailure("\(printed)") }
        return (certificate, key, fingerprint.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// An HTTP client that trusts this CA only, or (`systemStore`) only the system's store; shut down with the CA.
    func client(systemStore: Bool = false) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !systemStore { tls.trustRoots = .file(certificate) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        clients.append(client)
        return client
    }

    private var clients: [HTTPClient] = []

    private func openssl(_ arguments: String...) async throws { try await openssl(arguments) }

    private func openssl(_ arguments: [String]) async throws {
        let outcome = try await run("/usr/bin/openssl", arguments)
        guard outcome.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(outcome)") }
    }

    deinit {
        // A client must be shut down before it is freed; a test that failed half-way did not get to it.
        for client in clients { try? client.syncShutdown() }
        try? FileManager.default.removeItem(atPath: folder)
    }
}

extension HTTPClient {
    /// GET `url`: the status and headers, or the error that stopped the request (a refused certificate, say).
    func fetch(_ url: String) async -> Result<HTTPClientResponse, any Error> {
        do {
            let response = try await execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            return .success(response)
        } catch {
            return .failure(error)
        }
    }

    /// GET `url` with a bearer `token`; the body of a 200.
    func get(_ url: String, token: String) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok else { throw TestFailure("GET \(url): \(response.status)") }
        return Data(body.readableBytesView)
    }
}
