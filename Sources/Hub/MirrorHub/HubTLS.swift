import Foundation
import Hummingbird
public import Logging
public import MirrorHTTP
public import ServiceLifecycle
import UnixSignals

/// Tells browsers to reach the hub over HTTPS only, for a year (sent only when the hub serves HTTPS), on every
/// answer: errors too, since a browser's first request to the pages is usually answered 401.
struct StrictTransportSecurity: RouterMiddleware {
    typealias Context = HubContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.strictTransportSecurity] = "max-age=31536000"
        return response
    }
}

/// Reads the hub's certificate and key again on SIGHUP, and when either file changes (checked every
/// `pollInterval`), so a renewal (certbot, the store's own CA) takes effect without a restart and without dropping
/// a connection. A pair that cannot be used is said once at error level and the previous certificate keeps serving.
public struct CertificateReloader: Service {
    let certificates: ServerCertificates
    let pollInterval: Duration
    let logger: Logger

    public init(certificates: ServerCertificates, pollInterval: Duration = .seconds(5), logger: Logger) {
        self.certificates = certificates
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in hangups { reload(force: true, why: "SIGHUP") }
                }
                group.addTask {
                    while (try? await Task.sleep(for: pollInterval)) != nil {
                        reload(force: false, why: "the files changed")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    func reload(force: Bool, why: String) {
        let files: Logger.Metadata = [
            "certificate": "\(certificates.certificatePath)", "key": "\(certificates.keyPath)", "why": "\(why)",
        ]
        switch certificates.reload(force: force) {
        case .unchanged: break
        case .reloaded(let notAfter):
            logger.notice(
                "TLS certificate reloaded; new connections use it",
                metadata: files.merging(["expires": "\(notAfter.formatted(.iso8601))"]) { $1 })
        case .failed(let problem):
            logger.error(
                "TLS certificate not reloaded; the previous one still serves",
                metadata: files.merging(["problem": "\(problem)"]) { $1 })
        }
    }
}
