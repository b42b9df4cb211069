import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import MirrorCore
import MirrorHTTP
import NIOCore

/// What a share link may open: one look, read frame by frame.
public protocol SharedLook: Sendable {
    var fps: Double { get }
    var frameCount: Int { get }
    /// The JPEG of frame `index`.
    func frame(_ index: Int) throws -> [UInt8]
    /// The whole look as a plain MJPEG AVI.
    func avi() throws -> [UInt8]
}

/// How unlocking a link with a PIN went.
public enum ShareUnlock: Sendable, Equatable {
    /// The PIN was right: the cookie that opens the look, valid for `seconds`.
    case unlocked(cookie: String, seconds: Int)
    /// Wrong; the link is revoked when no tries are left.
    case wrong(triesLeft: Int)
    /// No such link, or it expired, was revoked or its look deleted.
    case gone
}

/// The mirror's side of share links: which exist, their PINs and the looks they open.
public protocol ShareSource: Sendable {
    /// Minutes the link still works; nil when it does not (any more).
    func minutesLeft(_ token: String) -> Int?
    func unlock(_ token: String, pin: String) -> ShareUnlock
    /// The look, for a phone holding the cookie from ``unlock(_:pin:)``; `what` says what is fetched, for the
    /// audit log.
    func look(_ token: String, cookie: String, what: String) -> (any SharedLook)?
}

/// The pages a shopper's phone opens from the QR code on the mirror: a PIN form, then the look playing in the
/// browser (an MJPEG stream every phone browser shows in an `img`) and a download. Served on the store's network
/// only for links that exist, each for one look, with no caching, no referrer and a strict content policy.
public enum SharePages {
    public static func server(
        host: String, port: Int, links: some ShareSource, bound: BoundListeners = .init(), logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router(links: links), server: .http1(configuration: Limits.http1()),
            configuration: Limits.configuration(.hostname(host, port: port), logger: logger),
            onServerRunning: bound.recorder("share", logger: logger), logger: logger)
    }

    static func router(links: some ShareSource) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: SecurityHeaders())
        router.get("/s/:token") { _, context -> Response in
            let token = try validToken(context)
            guard let minutes = links.minutesLeft(token) else { return gone() }
            return page(form(token: token, note: "This look is yours for \(minutes) more minutes."))
        }
        router.post("/s/:token") { request, context -> Response in
            let token = try validToken(context)
            let body = try await request.body.collect(upTo: 1024)
            let pin = formValue("pin", in: String(buffer: body)) ?? ""
            switch links.unlock(token, pin: pin) {
            case .unlocked(let cookie, let seconds):
                return Response(
                    status: .seeOther,
                    headers: [
                        .location: "/s/\(token)/look",
                        .setCookie:
                            "share=\(cookie); Path=/s/\(token); Max-Age=\(seconds); HttpOnly; SameSite=Strict",
                    ])
            case .wrong(let left) where left > 0:
                return page(
                    form(token: token, note: "That PIN is not right; \(left) \(left == 1 ? "try" : "tries") left."),
                    status: .forbidden)
            case .wrong, .gone:
                return gone()
            }
        }
        router.get("/s/:token/look") { request, context -> Response in
            let token = try validToken(context)
            guard links.minutesLeft(token) != nil, cookie(request) != nil else {
                return Response(status: .seeOther, headers: [.location: "/s/\(token)"])
            }
            return page(
                """
                <h1>Your look</h1>
                <img src="/s/\(token)/stream" alt="Your look, playing">
                <p><a href="/s/\(token)/look.avi" download="look.avi">Download the video (MJPEG AVI)</a></p>
                <p class="small">This link stops working soon. Nothing of it stays on the mirror once the look is
                deleted.</p>
                """)
        }
        router.get("/s/:token/stream") { request, context -> Response in
            let token = try validToken(context)
            guard let cookie = cookie(request), let look = links.look(token, cookie: cookie, what: "played")
            else { return gone() }
            let boundary = "mirrorframe"
            let interval = Duration.seconds(1 / max(1, look.fps))
            return Response(
                status: .ok, headers: [.contentType: "multipart/x-mixed-replace; boundary=\(boundary)"],
                body: ResponseBody { writer in
                    for index in 0..<look.frameCount {
                        let jpeg = try look.frame(index)
                        var part = ByteBuffer(
                            string: "--\(boundary)\r\nContent-Type: image/jpeg\r\nContent-Length: \(jpeg.count)\r\n\r\n"
                        )
                        part.writeBytes(jpeg)
                        part.writeString("\r\n")
                        try await writer.write(part)
                        try await Task.sleep(for: interval)
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/s/:token/look.avi") { request, context -> Response in
            let token = try validToken(context)
            guard let cookie = cookie(request), let look = links.look(token, cookie: cookie, what: "downloaded")
            else { return gone() }
            let bytes = try look.avi()
            return Response(
                status: .ok,
                headers: [.contentType: "video/x-msvideo", .contentDisposition: "attachment; filename=\"look.avi\""],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return router
    }

    /// Tokens are 22 characters of URL-safe base64 (128 random bits); anything else is not looked up.
    static func validToken(_ context: BasicRequestContext) throws -> String {
        let token = try PathParameter.decoded(context, "token")
        guard token.utf8.count == 22,
            token.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw HTTPError(.notFound) }
        return token
    }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("share=") { return String(pair.dropFirst(6)) }
            }
        }
        return nil
    }

    /// The value of `name` in an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    static func form(token: String, note: String) -> String {
        """
        <h1>Your look from the mirror</h1>
        <p>\(note)</p>
        <form method="post" action="/s/\(token)">
        <label for="pin">PIN shown on the mirror</label>
        <input id="pin" name="pin" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required autofocus>
        <button type="submit">Open</button>
        </form>
        """
    }

    static func gone() -> Response {
        page(
            "<h1>This link has expired</h1><p>Share links work for a few minutes and a few tries only. Ask the "
                + "mirror for a new one.</p>", status: .notFound)
    }

    static func page(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1"><title>Your look</title>
            <style>body{font-family:sans-serif;background:#141316;color:#fff;margin:24px;max-width:640px}
            img{width:100%;border-radius:12px}a,button{color:#141316;background:#c9a86a;border:0;border-radius:24px;
            padding:12px 20px;font-size:18px;text-decoration:none;display:inline-block}input{font-size:28px;
            width:8ch;letter-spacing:4px;padding:8px;margin:12px 0;display:block}.small{color:#aaa;font-size:14px}
            </style></head><body>\(body)</body></html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// No caching, no referrer (the link is the secret), no sniffing, nothing loaded from elsewhere.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        return response
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
