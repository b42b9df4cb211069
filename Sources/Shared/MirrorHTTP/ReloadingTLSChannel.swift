public import HummingbirdCore
public import Logging
public import NIOCore
import NIOSSL

/// HTTP/1.1 over TLS whose certificate can be replaced while the server runs. HummingbirdTLS's `TLSChannel` builds
/// its `NIOSSLContext` once, at start; this channel asks `certificates` for the current context at every accepted
/// connection instead, so a renewed certificate serves the next connection and the ones in flight are not dropped.
public struct ReloadingTLSChannel<Base: HTTPChannelHandler>: HTTPChannelHandler {
    public typealias Value = Base.Value

    let base: Base
    let certificates: ServerCertificates

    public init(_ base: Base, certificates: ServerCertificates) {
        self.base = base
        self.certificates = certificates
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = certificates.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

    public var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 over TLS with the certificate `certificates` holds at each connection's accept.
    public static func http1(configuration: HTTP1Channel.Configuration, tls certificates: ServerCertificates)
        -> HTTPServerBuilder
    {
        .init { responder in
            ReloadingTLSChannel(
                HTTP1Channel(responder: responder, configuration: configuration), certificates: certificates)
        }
    }
}
