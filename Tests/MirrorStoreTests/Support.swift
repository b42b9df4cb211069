import Foundation
import MirrorCore
import MirrorStore
import Testing

/// A fresh state directory that is removed when the test releases it.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("store-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// A distinctive 32-byte wrapped key, unlikely to occur in a database file by chance.
func distinctiveKey(_ seed: UInt8 = 0) -> Data {
    Data((0..<32).map { (index: UInt8) in (index &* 37) ^ 0xA5 ^ seed })
}

/// The code of the `StoreError` the body throws, or `nil` if it throws something else or nothing.
func storeErrorCode(_ body: () throws -> Void) -> StoreErrorCode? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error.code
    } catch {
        return nil
    }
}

/// Starts a session with the `record` consent granted.
@discardableResult
func consentedSession(_ store: DeviceStore, id: String = UUID().uuidString, at: Date) throws -> String {
    try store.startSession(id: id, at: at)
    try store.recordConsent(session: id, kind: .record, granted: true, source: "touch", at: at)
    return id
}

/// Adds a clip to an open, consented session and marks it ready with `bytes` bytes.
@discardableResult
func readyClip(
    _ store: DeviceStore, session: String, id: String = UUID().uuidString, bytes: Int = 1000, at: Date,
    key: Data = distinctiveKey()
) throws -> ClipRecord {
    try store.insertClip(
        id: id, session: session, file: "\(id).avi", wrappedKey: key, width: 1080, height: 1920, fps: 30,
        createdAt: at)
    return try store.markReady(id, frames: 300, bytes: bytes)
}
