import AsyncHTTPClient
import Crypto
import Foundation
import MirrorCore
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// How a mirror (or mirrorctl) knows it reached the real hub over HTTPS.
public enum HubTrust: Sendable, Hashable {
    /// A certificate for the URL's host that a CA in the system's store signed.
    case systemStore
    /// A certificate for the URL's host that a CA in this PEM file signed (the chain's own CA).
    case caFile(String)
    /// Exactly the certificate with this SHA-256 (of its DER bytes), for a hub with a self-signed certificate.
    case certificateSHA256([UInt8])
}

/// One HTTP client per hub and way of trusting it, kept for the life of the process (a client holds a pool of
/// kept-alive TLS connections; making one per request would pay a handshake each time).
enum HubConnections {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    /// The client for `baseURL` trusted as `trust`; plain `http://` uses the shared client. For a pinned
    /// certificate, the hub's certificate is fetched and checked first, then trusted alone.
    static func client(baseURL: String, trust: HubTrust) async throws(SyncError) -> HTTPClient {
        guard baseURL.lowercased().hasPrefix("https://"), trust != .systemStore else { return .shared }
        let key = "\(trust)|\(baseURL)"
        if let client = clients.withLock({ $0[key] }) { return client }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch trust {
        case .systemStore: break
        case .caFile(let path): tls.trustRoots = .file(path)
        case .certificateSHA256(let pin):
            // The pin names the certificate, so its names are not checked against the URL's host.
            tls.trustRoots = .certificates([try await pinnedCertificate(baseURL: baseURL, pin: pin)])
            tls.certificateVerification = .noHostnameVerification
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5))
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let (client, spare) = clients.withLock { clients -> (HTTPClient, HTTPClient?) in
            if let held = clients[key] { return (held, made) }
            clients[key] = made
            return (made, nil)
        }
        if let spare { try? await spare.shutdown() }
        return client
    }

    /// Forgets a pinned hub's client after a failure, so the next call fetches and checks the certificate again
    /// (and says so plainly when the hub now presents another one).
    static func forget(baseURL: String, trust: HubTrust) async {
        guard case .certificateSHA256 = trust else { return }
        let key = "\(trust)|\(baseURL)"
        if let client = clients.withLock({ $0.removeValue(forKey: key) }) { try? await client.shutdown() }
    }

    /// Connects to the hub, and answers its certificate when the SHA-256 of its DER bytes is `pin`.
    static func pinnedCertificate(baseURL: String, pin: [UInt8]) async throws(SyncError) -> NIOSSLCertificate {
        let leaf = try await presentedCertificate(baseURL: baseURL)
        let digest = sha256(leaf)
        guard digest == pin else {
            throw SyncError(
                .untrusted,
                "the hub at \(baseURL) presented a certificate with SHA-256 \(CertificateFingerprint.format(digest)), not the pinned "
                    + "\(CertificateFingerprint.format(pin)) (hub.certificate_sha256)")
        }
        return leaf
    }

    /// The certificate the server at `baseURL` presents, whoever signed it: checked against a pin by the caller,
    /// or read to say why a connection was refused (expired, not yet valid, unknown). Nothing is sent.
    static func presentedCertificate(baseURL: String) async throws(SyncError) -> NIOSSLCertificate {
        guard let components = URLComponents(string: baseURL), let host = components.host else {
            throw SyncError(.refused, "\(baseURL) is not a URL")
        }
        let seen = Seen()
        let done = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            let context = try NIOSSLContext(configuration: tls)
            let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: isAddress ? nil : host,
                            customVerificationCallback: { certificates, promise in
                                seen.certificate.withLock { $0 = certificates.first }
                                promise.succeed(.certificateVerified)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher(done: done))
                    }
                }
                .connect(host: host, port: components.port ?? 443).get()
            defer { channel.close(promise: nil) }
            try await done.futureResult.get()
        } catch {
            done.fail(error)  // when the connection was never made; a completed promise ignores it
            throw SyncError(.unreachable, "the hub at \(baseURL) did not answer", underlying: error)
        }
        guard let leaf = seen.certificate.withLock({ $0 }) else {
            throw SyncError(.untrusted, "the hub at \(baseURL) sent no certificate")
        }
        return leaf
    }

    /// What a refused certificate was, in words, for an error that BoringSSL reports only as "verify failed".
    static func whyRefused(baseURL: String, trust: HubTrust) async -> String {
        let trusted =
            switch trust {
            case .systemStore: "a CA in the system's store"
            case .caFile(let path): "a CA in \(path) (hub.ca_file)"
            case .certificateSHA256: "the pinned certificate"
            }
        guard let leaf = try? await presentedCertificate(baseURL: baseURL) else {
            return "presented a certificate that is not signed by \(trusted)"
        }
        let now = Date()
        let (notBefore, notAfter) = (
            Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore)),
            Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        )
        if notAfter < now { return "presented a certificate that expired on \(notAfter.formatted(.iso8601))" }
        if notBefore > now {
            return "presented a certificate valid only from \(notBefore.formatted(.iso8601)) (is this clock right?)"
        }
        return
            "presented a certificate (SHA-256 \(CertificateFingerprint.format(sha256(leaf)))) that is not signed by \(trusted)"
    }

    static func sha256(_ certificate: NIOSSLCertificate) -> [UInt8] {
        Array(SHA256.hash(data: (try? certificate.toDERBytes()) ?? []))
    }

    /// The certificate the hub presented during a pinned probe.
    private final class Seen: Sendable {
        let certificate = Mutex<NIOSSLCertificate?>(nil)
    }
}

/// Completes `done` when the TLS handshake has finished, or fails it with what ended the connection first (a
/// promise that is already complete ignores what comes later).
private final class HandshakeWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.eof)
        context.fireChannelInactive()
    }
}
