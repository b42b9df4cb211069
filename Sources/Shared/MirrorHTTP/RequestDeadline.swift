import HTTPTypes
public import NIOCore
public import NIOHTTPTypes

/// Ends a request that does not arrive whole in time: `allowance` for the head and a small body, plus one second
/// for every `bytesPerSecond` of body received so far, so an upload at any reasonable rate finishes while one that
/// trickles (a byte every few seconds, which resets the idle timeout every time) is answered 408 and closed. The
/// clock starts when the connection opens and again after each response, so a slow head counts too.
///
/// Hummingbird has an idle timeout only (reset by every byte); this is the per-request deadline it lacks.
public final class RequestDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    let allowance: TimeAmount
    let bytesPerSecond: Int
    private var started = NIODeadline.now()
    private var received = 0
    private var timer: Scheduled<Void>?
    /// Between a request's end and its response's end nothing is timed: the handler is working.
    private var waitingForRequest = true

    public init(allowance: TimeAmount, bytesPerSecond: Int) {
        self.allowance = allowance
        self.bytesPerSecond = bytesPerSecond
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { restart(context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        restart(context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: break
        case .body(let buffer):
            received += buffer.readableBytes
            arm(context)
        case .end:
            waitingForRequest = false
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { restart(context) }
        context.write(data, promise: promise)
    }

    private func restart(_ context: ChannelHandlerContext) {
        started = .now()
        received = 0
        waitingForRequest = true
        arm(context)
    }

    private func arm(_ context: ChannelHandlerContext) {
        guard waitingForRequest else { return }
        timer?.cancel()
        let deadline = started + allowance + .nanoseconds(Int64(received) * 1_000_000_000 / Int64(bytesPerSecond))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.expire(context)
        }
    }

    private func expire(_ context: ChannelHandlerContext) {
        timer = nil
        guard waitingForRequest, context.channel.isActive else { return }
        let response = HTTPResponse(status: .requestTimeout, headerFields: [.connection: "close", .contentLength: "0"])
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(promise: nil)
    }
}
