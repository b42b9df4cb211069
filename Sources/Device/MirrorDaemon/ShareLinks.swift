import Foundation
public import MirrorAPI
import MirrorCore
import MirrorDisplay
import MirrorRecorder
import MirrorStore
import Synchronization

/// One look opened for a phone: frames decrypted on demand.
/// Sendable: its one mutable part, the AVI reader, is only used under its `Mutex`; the rest is constant.
final class SharedClip: SharedLook, @unchecked Sendable {
    // The reader is not thread-safe; every use holds the lock.
    private let reader: Mutex<AVIReader>
    let fps: Double
    let frameCount: Int

    init(reader: sending AVIReader) {
        fps = reader.fps > 0 ? reader.fps : 30
        frameCount = reader.frames.count
        self.reader = Mutex(reader)
    }

    func frame(_ index: Int) throws -> [UInt8] { try reader.withLock { try $0.frame(index) } }

    func avi() throws -> [UInt8] {
        // Made in memory from the decrypting reader: plain video never touches the disk.
        try reader.withLock { try AVIStream(reader: $0).all() }
    }
}

/// Share links: for a look the shopper agreed to share, a random 128-bit token in a URL (shown as a QR code)
/// and a 6-digit PIN (shown beside it). Five wrong PINs revoke a link; a link ends after `minutes`, when its look
/// is deleted (withdrawal, retention) or share consent is gone, and at a restart (links live in memory only).
public final class ShareLinks: ShareSource {
    struct Link {
        var clipID: String
        var pin: String
        var expires: MonotonicInstant
        var triesLeft = 5
        var cookies: [String] = []
    }

    static let maxLinks = 64
    let baseURL: String
    let minutes: Int
    let recorder: ClipRecorder
    private let links = Mutex<[String: Link]>([:])

    init(baseURL: String, minutes: Int, recorder: ClipRecorder) {
        self.baseURL = baseURL
        self.minutes = minutes
        self.recorder = recorder
    }

    /// A new link to clip `number` of `session` (the look on the review screen): its card for the panel.
    func create(session: String, number: Int, now: MonotonicInstant = .now()) -> Screen.ShareCard? {
        guard let clipID = recorder.clipID(session: session, number: number) else { return nil }
        let token = Self.randomToken()
        var generator = SystemRandomNumberGenerator()
        let pin = String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
        let expires = now.advanced(by: .seconds(minutes * 60))
        links.withLock { table in
            table = table.filter { $0.value.expires > now }
            if table.count >= Self.maxLinks, let oldest = table.min(by: { $0.value.expires < $1.value.expires }) {
                table.removeValue(forKey: oldest.key)
            }
            table[token] = Link(clipID: clipID, pin: pin, expires: expires)
        }
        _ = try? recorder.store.audit(
            actor: .shopper, action: AuditAction(rawValue: "share_link"), clipID: clipID,
            detail: "link for \(minutes) min")
        return Screen.ShareCard(url: "\(baseURL)/s/\(token)", pin: pin, minutes: minutes)
    }

    public func minutesLeft(_ token: String) -> Int? {
        minutesLeft(token, now: .now())
    }

    func minutesLeft(_ token: String, now: MonotonicInstant) -> Int? {
        links.withLock { table in
            guard let link = table[token], link.expires > now else { return nil }
            return max(1, Int((link.expires.since(now).seconds / 60).rounded(.up)))
        }
    }

    public func unlock(_ token: String, pin: String) -> ShareUnlock { unlock(token, pin: pin, now: .now()) }

    func unlock(_ token: String, pin: String, now: MonotonicInstant) -> ShareUnlock {
        links.withLock { table in
            guard var link = table[token], link.expires > now else { return .gone }
            guard constantTimeEqual(Array(pin.utf8), Array(link.pin.utf8)) else {
                link.triesLeft -= 1
                table[token] = link.triesLeft > 0 ? link : nil
                return .wrong(triesLeft: link.triesLeft)
            }
            let cookie = Self.randomToken()
            link.cookies.append(cookie)
            table[token] = link
            return .unlocked(cookie: cookie, seconds: max(1, Int(link.expires.since(now).seconds)))
        }
    }

    public func look(_ token: String, cookie: String, what: String) -> (any SharedLook)? {
        let now = MonotonicInstant.now()
        let clipID = links.withLock { table -> String? in
            guard let link = table[token], link.expires > now,
                link.cookies.contains(where: { constantTimeEqual(Array($0.utf8), Array(cookie.utf8)) })
            else { return nil }
            return link.clipID
        }
        return clipID.flatMap { recorder.sharedLook($0, what: what) }
    }

    /// 16 bytes from the system's CSPRNG as URL-safe base64 without padding (22 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
