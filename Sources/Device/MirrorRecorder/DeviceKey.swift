public import Crypto
import Foundation
public import MirrorCore

/// Seals clip keys under a key that never leaves the device (a key file today, a TPM later).
public protocol ClipKeyWrapper: Sendable {
    /// The clip key sealed for storage next to the clip's record.
    func wrap(_ clipKey: SymmetricKey) throws(RecorderError) -> [UInt8]
    /// The clip key back from what ``wrap(_:)`` returned.
    func unwrap(_ wrapped: [UInt8]) throws(RecorderError) -> SymmetricKey
}

/// A random 256-bit device key kept in a file only its owner can read.
///
/// The file is created on first use (directory 0700, file 0600, written under a temporary name, fsynced
/// and linked into place, so two processes starting together end up with the same key). A key file that
/// group or others may access, that is not a regular file of 32 bytes, or that another user owns is refused.
/// Wrapping is AES-GCM over the 32 clip key bytes with a fixed additional data, in the combined
/// representation (12-byte nonce, 32-byte ciphertext, 16-byte tag).
public struct FileDeviceKey: ClipKeyWrapper {
    /// The key file.
    public let path: String
    private let key: SymmetricKey
    static let additionalData = Array("mirror clip key v1".utf8)

    /// Loads the key at `path`, creating it (and its folder) when there is none.
    public init(path: String) throws(RecorderError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        try Self.prepare(folder: folder.isEmpty ? "." : folder)
        if let key = try Self.load(path) {
            self.key = key
            return
        }
        try Self.create(path)
        guard let key = try Self.load(path) else {
            throw RecorderError(.keyFile, "device key file \(path) vanished right after it was created")
        }
        self.key = key
    }

    public func wrap(_ clipKey: SymmetricKey) throws(RecorderError) -> [UInt8] {
        guard clipKey.bitCount == 256 else {
            throw RecorderError(.crypto, "a clip key must be 256 bits, not \(clipKey.bitCount)")
        }
        do {
            let bytes = clipKey.withUnsafeBytes { Array($0) }
            let box = try AES.GCM.seal(bytes, using: key, authenticating: Self.additionalData)
            guard let combined = box.combined else { throw RecorderError(.crypto, "no combined form") }
            return Array(combined)
        } catch {
            throw RecorderError(.crypto, "cannot wrap a clip key with the device key \(path)", underlying: error)
        }
    }

    public func unwrap(_ wrapped: [UInt8]) throws(RecorderError) -> SymmetricKey {
        let bytes: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            bytes = Array(try AES.GCM.open(box, using: key, authenticating: Self.additionalData))
        } catch {
            throw RecorderError(
                .crypto,
                "cannot unwrap the clip key with the device key \(path): it was wrapped by another device key "
                    + "or is damaged, so the clip cannot be read on this device")
        }
        guard bytes.count == 32 else {
            throw RecorderError(.crypto, "the unwrapped clip key is \(bytes.count) bytes, not 32: it is damaged")
        }
        return SymmetricKey(data: bytes)
    }

    /// Makes sure `folder` exists with mode 0700 (creating it so) and is not open to group or others.
    static func prepare(folder: String) throws(RecorderError) {
        let parent = (folder as NSString).deletingLastPathComponent
        if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw RecorderError(.keyFile, "cannot create \(parent) for the device key", underlying: error)
            }
        }
        if mkdir(folder, 0o700) != 0, errno != EEXIST {
            throw RecorderError(
                .keyFile, "cannot create the key folder \(folder)",
                underlying: SystemCallError(call: "mkdir", errno: errno))
        }
        var info = stat()
        guard lstat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw RecorderError(.keyFile, "the key folder \(folder) is not a directory: move it away")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw RecorderError(
                .keyFile,
                "the key folder \(folder) is open to other users (mode \(String(info.st_mode & 0o777, radix: 8))): "
                    + "run chmod 700 \(folder)")
        }
    }

    /// The key in `path`, or nil when there is no such file; refuses unsafe or damaged key files.
    static func load(_ path: String) throws(RecorderError) -> SymmetricKey? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP {
                throw RecorderError(.keyFile, "device key file \(path) is a symbolic link: replace it with the file")
            }
            throw RecorderError(
                .keyFile, "cannot open device key file \(path)", underlying: SystemCallError(call: "open", errno: errno)
            )
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw RecorderError(.keyFile, "device key file \(path) is not a regular file: move it away")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw RecorderError(
                .keyFile,
                "device key file \(path) is readable by other users (mode \(String(info.st_mode & 0o777, radix: 8))): "
                    + "run chmod 600 \(path), and treat the key as exposed if others could log in")
        }
        guard info.st_uid == geteuid() else {
            throw RecorderError(
                .keyFile, "device key file \(path) belongs to user \(info.st_uid): run chown to the mirror's user")
        }
        guard info.st_size == 32 else {
            throw RecorderError(
                .keyFile,
                "device key file \(path) is \(info.st_size) bytes, not 32: it is damaged; restore it from a backup "
                    + "(clips sealed under another key cannot be read)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 32) }
        guard got == 32 else {
            throw RecorderError(.keyFile, "cannot read the 32 bytes of device key file \(path)")
        }
        return SymmetricKey(data: bytes)
    }

    /// Writes a new random key to `path` (0600, with ``DurableFile``), linked rather than renamed so that it
    /// never replaces a key another process created meanwhile.
    static func create(_ path: String) throws(RecorderError) {
        let key = SymmetricKey(size: .bits256)
        do {
            try DurableFile.write(key.withUnsafeBytes { Array($0) }, to: path, replace: false)
        } catch {
            throw RecorderError(.keyFile, "cannot put the device key at \(path)", underlying: error)
        }
    }
}
