public import Crypto
import Foundation
public import MirrorCore

/// MJPEG AVI clips encrypted at rest: an ``AVIWriter`` over an ``EncryptedClipWriter`` and an
/// ``AVIReader`` over an ``EncryptedClipReader``.
///
/// Each clip has its own random 256-bit clip key (``newKey()``), stored wrapped by the device key
/// (``ClipKeyWrapper``) next to the clip's record, so deleting the record makes the clip unreadable.
public enum EncryptedClip {
    /// A fresh random 256-bit clip key.
    public static func newKey() -> SymmetricKey { SymmetricKey(size: .bits256) }

    /// Starts an encrypted clip written as `path + ".partial"` until the writer's ``AVIWriter/finish()``.
    public static func create(
        path: String, width: Int, height: Int, fps: Double, key: SymmetricKey
    ) throws(RecorderError) -> AVIWriter {
        try AVIWriter(sink: EncryptedClipWriter(path: path, key: key), width: width, height: height, fps: fps)
    }

    /// Opens a finished encrypted clip for reading; frames are decrypted when read.
    public static func open(path: String, key: SymmetricKey) throws(RecorderError) -> AVIReader {
        try AVIReader(source: EncryptedClipReader(path: path, key: key))
    }

    /// Rebuilds an encrypted partial clip (left by a crash) into a finished clip at `path`.
    ///
    /// Reads the chunks of `partial` that authenticate, keeps every whole, valid JPEG frame in them, writes
    /// them to `path` under the same clip key (with a new file id, so no nonce is reused) and removes the
    /// partial file. Returns the number of frames kept; with none, nothing is written at `path` and the
    /// partial file is removed all the same. A wrong key or a file that is not an encrypted clip throws and
    /// leaves the partial file alone.
    @discardableResult
    public static func recover(_ partial: String, to path: String, key: SymmetricKey) throws(RecorderError) -> Int {
        let source: EncryptedClipReader
        do {
            source = try EncryptedClipReader(path: partial, key: key, partial: true)
        } catch  where error.code == .truncated {
            try remove(partial)
            return 0  // not even the file header was written
        }
        guard source.length > 0, let reader = try? AVIReader(source: source, scan: true), !reader.frames.isEmpty
        else {
            try remove(partial)
            return 0
        }
        let sink = try EncryptedClipWriter(
            path: path, key: key, temporaryPath: recoveryPath(for: path), avoiding: source.fileID)
        let writer = try AVIWriter(
            sink: sink, width: reader.width, height: reader.height, fps: reader.fps > 0 ? reader.fps : 30)
        let kept = try reader.copy(into: writer, validOnly: true)
        guard kept > 0 else {
            try? FileManager.default.removeItem(atPath: sink.temporaryPath)
            try remove(partial)
            return 0
        }
        try writer.finish()
        try remove(partial)
        return kept
    }

    /// Decrypts the finished clip at `path` into a plain MJPEG AVI at `plainPath`; returns the frame count.
    @discardableResult
    public static func export(_ path: String, key: SymmetricKey, to plainPath: String) throws(RecorderError) -> Int {
        try open(path: path, key: key).export(to: plainPath)
    }

    private static func remove(_ path: String) throws(RecorderError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw RecorderError(.io, "cannot remove \(path)", underlying: SystemCallError(call: "unlink", errno: errno))
        }
    }
}
