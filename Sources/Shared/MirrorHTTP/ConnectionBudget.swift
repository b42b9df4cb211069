import Foundation
import HTTPTypes
public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTPTypes
import Synchronization

/// The connections one process holds, over all its listeners, and per client: a flood from one address (or one
/// local process on a Unix socket) fills its own share and no more, and all listeners together stay well under the
/// process's descriptor limit, so the rest of the process (database, clips, camera, catalog) always has room.
///
/// Hummingbird caps one listener's connections (``MaximumAvailableConnections``); the process-wide count and the
/// per-client share are what it lacks.
public final class ConnectionBudget: Sendable {
    /// The most connections open at once over every listener sharing this budget.
    public let total: Int
    /// The most one client holds at once (an address, or a process on a Unix socket).
    public let perClient: Int
    /// Whether a connection over its client's share is answered (503, Retry-After) rather than closed at once:
    /// for a local socket, where a burst from one staff tool is ordinary; never for a network listener, where
    /// every refused connection kept waiting for its request would be a slot a flood holds.
    public let answersRefused: Bool
    let logger: Logger
    private let state = Mutex<State>(State())

    struct State {
        var open = 0
        var byClient: [String: Int] = [:]
        var lastWarning: ContinuousClock.Instant?
    }

    public init(total: Int, perClient: Int, answersRefused: Bool = false, logger: Logger) {
        self.total = total
        self.perClient = perClient
        self.answersRefused = answersRefused
        self.logger = logger
    }

    /// Open connections, in all.
    public var open: Int { state.withLock { $0.open } }

    /// The delegate that stops a listener accepting at `listenerCap` of its own or when the process's budget is
    /// spent (newcomers wait in the kernel's backlog until one closes).
    public func listener(cap listenerCap: Int) -> some AvailableConnectionsDelegate {
        Listener(budget: self, cap: listenerCap)
    }

    /// A handler for every connection (after the HTTP codec) that refuses it when its client already holds its
    /// share: closed at once, or (``answersRefused``) its request answered 503 with Retry-After as soon as its head
    /// arrives, and closed unanswered when the head has not come within `refusedGrace`.
    public func admission() -> any RemovableChannelHandler { Admission(budget: self) }

    func opened() { state.withLock { $0.open += 1 } }
    func closed() { state.withLock { $0.open -= 1 } }
    var hasRoom: Bool { state.withLock { $0.open < total } }

    /// Counts a connection of `client`; false (and nothing counted) when it holds its share already.
    func admit(_ client: String) -> Bool {
        let (admitted, warn) = state.withLock { state -> (Bool, Bool) in
            let held = state.byClient[client, default: 0]
            guard held < perClient else {
                let now = ContinuousClock.now
                let warn = state.lastWarning.map { now - $0 > .seconds(60) } ?? true
                if warn { state.lastWarning = now }
                return (false, warn)
            }
            state.byClient[client] = held + 1
            return (true, false)
        }
        if warn {
            logger.warning(
                "a client holds its share of connections; closing its newer ones (said once a minute)",
                metadata: ["client": "\(client)", "share": "\(perClient)"])
        }
        return admitted
    }

    func release(_ client: String) {
        state.withLock { state in
            let held = state.byClient[client, default: 1] - 1
            state.byClient[client] = held > 0 ? held : nil
        }
    }

    struct Listener: AvailableConnectionsDelegate {
        let budget: ConnectionBudget
        let cap: Int
        var count = 0

        mutating func connectionOpened() {
            count += 1
            budget.opened()
        }

        mutating func connectionClosed() {
            count -= 1
            budget.closed()
        }

        func isAcceptingNewConnections() -> Bool { count < cap && budget.hasRoom }
    }

    /// `struct ucred` of Linux (which Swift's Glibc module leaves out): what SO_PEERCRED answers.
    struct PeerCredentials: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// How long a refused connection may take to send its request head before it is closed unanswered (a local
    /// client writes it as it connects).
    static let refusedGrace = TimeAmount.milliseconds(250)

    /// Admits a connection to its client's share when it becomes active, and gives the share back when it ends.
    final class Admission: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        typealias OutboundOut = HTTPResponsePart
        let budget: ConnectionBudget
        private var client: String?
        private var asked = false
        /// Refused: nothing is passed on, the request is answered 503.
        private var refused = false
        private var answered = false

        init(budget: ConnectionBudget) { self.budget = budget }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard refused else { return context.fireChannelRead(data) }
            guard !answered, case .head = unwrapInboundIn(data) else { return }
            answered = true
            let text = "too many connections from one client (\(budget.perClient)); try again in a second\n"
            var response = HTTPResponse(status: .serviceUnavailable)
            response.headerFields[.retryAfter] = "1"
            response.headerFields[.connection] = "close"
            response.headerFields[.contentType] = "text/plain; charset=utf-8"
            response.headerFields[.contentLength] = "\(text.utf8.count)"
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            context.write(wrapOutboundOut(.body(ByteBuffer(string: text))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }

        func handlerRemoved(context: ChannelHandlerContext) { release() }

        private func release() {
            if let client { budget.release(client) }
            client = nil
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard !asked else { return }
            asked = true
            let decide = { (key: String) in
                if self.budget.admit(key) {
                    self.client = key
                } else if !self.budget.answersRefused {
                    context.close(promise: nil)
                } else {
                    self.refused = true
                    let channel = context.channel
                    context.eventLoop.scheduleTask(in: ConnectionBudget.refusedGrace) { channel.close(promise: nil) }
                }
            }
            if let address = context.channel.remoteAddress?.ipAddress {
                decide(address)
                return
            }
            // A Unix socket: the client is the process at the other end (SO_PEERCRED).
            guard let provider = context.channel as? any SocketOptionProvider else { return decide("local") }
            let peer: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
            let bound = NIOLoopBound((decide: decide, context: context), eventLoop: context.eventLoop)
            peer.whenComplete { result in
                let pid = (try? result.get()).map { "pid \($0.pid)" } ?? "local"
                guard bound.value.context.channel.isActive else { return }
                bound.value.decide(pid)
            }
        }
    }
}
