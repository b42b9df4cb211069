import Crypto
import MirrorCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One small GET over HTTPS to a server trusted by exactly one certificate: the one whose DER bytes hash to `pin`
/// (a mirror's, as it said in its authenticated hello). Its names and signer are not checked: the pin names it.
///
/// Written on NIO's own TLS and HTTP/1 handlers because AsyncHTTPClient takes trust roots but no verification
/// callback, and a mirror's certificate may be signed by the store's CA (a leaf is no trust anchor to BoringSSL).
enum PinnedHTTPS {
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    static func get(
        host: String, port: Int, path: String, pin: [UInt8], timeout: TimeAmount, maxBody: Int
    ) async throws -> Answer {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: tls)
        let presented = Presented()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let answer = loop.makePromise(of: Answer.self)
        let deadline = loop.scheduleTask(in: timeout) { answer.fail(HubError(.unreachable, "no answer in time")) }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(
                            context: context, serverHostname: nil,
                            customVerificationCallback: { certificates, verdict in
                                let digest = certificates.first.map {
                                    Array(SHA256.hash(data: (try? $0.toDERBytes()) ?? []))
                                }
                                presented.digest.withLock { $0 = digest }
                                verdict.succeed(digest == pin ? .certificateVerified : .failed)
                            })
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            Collector(host: "\(host):\(port)", path: path, maxBody: maxBody, answer: answer))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            answer.fail(error)
            throw error
        }
        defer { channel.close(promise: nil) }
        do {
            return try await answer.futureResult.get()
        } catch {
            if let digest = presented.digest.withLock({ $0 }), digest != pin {
                throw HubError(
                    .unreachable,
                    "presented a certificate with SHA-256 \(CertificateFingerprint.format(digest)), not the one "
                        + "the mirror gave at its hello (\(CertificateFingerprint.format(pin)))")
            }
            throw error
        }
    }

    /// The SHA-256 of the certificate the server presented, for the error that says whose it was.
    private final class Presented: Sendable {
        let digest = Mutex<[UInt8]?>(nil)
    }

    /// Sends the request once the channel is up (the TLS handler holds it until the handshake), and gathers the
    /// answer: its status and at most `maxBody` bytes of body.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        let host: String
        let path: String
        let maxBody: Int
        let answer: EventLoopPromise<Answer>
        var status: HTTPResponseStatus = .ok
        var body = ByteBuffer()

        init(host: String, path: String, maxBody: Int, answer: EventLoopPromise<Answer>) {
            self.host = host
            self.path = path
            self.maxBody = maxBody
            self.answer = answer
        }

        func channelActive(context: ChannelHandlerContext) {
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
            head.headers.add(name: "Host", value: host)
            head.headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): status = head.status
            case .body(var part):
                guard body.readableBytes + part.readableBytes <= maxBody else {
                    answer.fail(HubError(.unreachable, "the answer is larger than \(maxBody) bytes"))
                    context.close(promise: nil)
                    return
                }
                body.writeBuffer(&part)
            case .end: answer.succeed(Answer(status: status, body: body))
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            answer.fail(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            answer.fail(HubError(.unreachable, "the connection was closed"))
            context.fireChannelInactive()
        }
    }
}
