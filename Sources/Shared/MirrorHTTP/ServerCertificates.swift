public import Foundation
public import MirrorCore
public import NIOSSL
import Synchronization

/// A TLS server's certificate chain and private key, read from PEM files and held as one immutable
/// `NIOSSLContext`. `reload` builds a new context from the files, checks it, and only then swaps it in: each new
/// connection takes the context current when it is accepted (`ReloadingTLSChannel`), connections in flight keep
/// the one they started with, and a bad pair of files (half copied, mismatched, expired) leaves the old one
/// serving.
/// Why a certificate and key cannot be used.
public enum CertificateProblemCode: String, Sendable {
    /// A file cannot be read (missing, not a regular file, a short read).
    case unreadable
    /// A file is not what it should hold (not PEM, no certificate, too large).
    case invalid
    case expired
    /// The private key is readable by other users.
    case unsafeKey
    /// The key is not the certificate's.
    case mismatched
}

public final class ServerCertificates: Sendable {
    /// Why a certificate and key cannot be used: one line that names the file and the fix.
    public typealias Problem = MirrorError<CertificateProblemCode>

    /// What a reload did.
    public enum Reload: Sendable {
        /// Neither file changed since the last attempt (only when not forced).
        case unchanged
        /// A new certificate serves new connections; it expires at `notAfter`.
        case reloaded(notAfter: Date)
        /// The files could not be used; the previous certificate still serves.
        case failed(Problem)
    }

    public let certificatePath: String
    public let keyPath: String
    private let state: Mutex<State>

    private struct State {
        var context: NIOSSLContext
        var notAfter: Date
        /// The files as they were at the last load attempt, good or bad, so a bad pair is reported once.
        var stamps: [FileStamp?]
    }

    /// Loads the chain (leaf first) and the key; throws a `Problem` when either cannot be read, the key is not the
    /// certificate's, the key file is readable by every user, or the certificate has expired.
    public init(certificate: String, key: String) throws(Problem) {
        certificatePath = certificate
        keyPath = key
        let stamps = [FileStamp(certificate), FileStamp(key)]
        let (context, notAfter) = try Self.load(certificate: certificate, key: key)
        state = Mutex(State(context: context, notAfter: notAfter, stamps: stamps))
    }

    /// The context for a connection accepted now.
    public var context: NIOSSLContext { state.withLock { $0.context } }

    /// When the certificate now served expires.
    public var notAfter: Date { state.withLock { $0.notAfter } }

    /// Reads the files again when `force` (SIGHUP) or when either changed since the last attempt (a poll).
    public func reload(force: Bool) -> Reload {
        let stamps = [FileStamp(certificatePath), FileStamp(keyPath)]
        let changed = state.withLock { state in
            guard force || state.stamps != stamps else { return false }
            state.stamps = stamps
            return true
        }
        guard changed else { return .unchanged }
        // Built outside the lock: the TLS context parses and checks the files, which takes a while.
        do {
            let (context, notAfter) = try Self.load(certificate: certificatePath, key: keyPath)
            state.withLock {
                $0.context = context
                $0.notAfter = notAfter
            }
            return .reloaded(notAfter: notAfter)
        } catch {
            return .failed(error)
        }
    }

    private static func load(certificate: String, key: String) throws(Problem) -> (NIOSSLContext, Date) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(try fileBytes(certificate, what: "certificate"))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.invalid, "\(certificate): not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else { throw Problem(.invalid, "\(certificate): holds no certificate") }
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        guard notAfter > Date() else {
            throw Problem(
                .expired, "\(certificate): the certificate expired on \(notAfter.formatted(.iso8601)) (renew it)")
        }
        var info = stat()
        if stat(key, &info) == 0, info.st_mode & 0o004 != 0 {
            throw Problem(.unsafeKey, "\(key): the private key is readable by every user (chmod 600 it)")
        }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: try fileBytes(key, what: "private key"), format: .pem)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.invalid, "\(key): not a PEM private key, or one with a passphrase (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // BoringSSL refuses a key that does not belong to the leaf certificate here.
            return (try NIOSSLContext(configuration: configuration), notAfter)
        } catch {
            throw Problem(.mismatched, "\(key) is not the private key of \(certificate) (\(error))")
        }
    }

    private static func fileBytes(_ path: String, what: String) throws(Problem) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Problem(.unreadable, "\(path): cannot read the \(what): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Problem(.unreadable, "\(path): the \(what) is not a regular file")
        }
        guard info.st_size <= 1 << 20 else {
            throw Problem(.invalid, "\(path): too large for a PEM \(what) (over 1 MiB)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Problem(.unreadable, "\(path): cannot read the \(what): short read") }
            done += count
        }
        return bytes
    }
}

/// A file's identity and last change, to tell whether it was replaced or rewritten since it was read.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
    }
}
