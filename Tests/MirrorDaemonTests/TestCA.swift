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

    /// Signs a server certificate for `subjectAltName`; answers the certificate's and the key's paths (key 0600).
    func issue(_ leaf: String, subjectAltName: String = "IP:127.0.0.1,DNS:localhost") async throws -> (
        certificate: String, key: String
    ) {
        let (certificate, key) = ("\(folder)/\(leaf).pem", "\(folder)/\(leaf)-key.pem")
        let extensions = "\(folder)/\(leaf).ext"
        try "subjectAltName=\(subjectAltName)\nextendedKeyUsage=serverAuth\n".write(
            toFile: extensions, atomically: true, encoding: .utf8)
        try await openssl(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(leaf)",
            "-keyout", key, "-out", "\(folder)/\(leaf).csr")
        try await openssl(
            "x509", "-req", "-in", "\(folder)/\(leaf).csr", "-CA", self.certificate, "-CAkey", "\(folder)/ca-key.pem",
            "-CAcreateserial", "-days", "2", "-extfile", extensions, "-out", certificate)
        chmod(key, 0o600)
        return (certificate, key)
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

    private func openssl(_ arguments: String...) async throws {
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
}
