import Crypto
import Foundation
import MirrorRecorder
import Testing

private func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
}

@Suite struct DeviceKeyTests {
    @Test func keyFileIsCreatedPrivateAndReused() throws {
        let state = try scratch()
        let path = "\(state)/keys/device.key"
        let first = try FileDeviceKey(path: path)
        #expect(mode("\(state)/keys") == 0o700)
        #expect(mode(path) == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 32)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(state)/keys") == ["device.key"])
        let clipKey = EncryptedClip.newKey()
        let wrapped = try first.wrap(clipKey)
        #expect(wrapped.count == 60)
        let again = try FileDeviceKey(path: path)
        let unwrapped = try again.unwrap(wrapped)
        #expect(unwrapped == clipKey, "the same key file unwraps what it wrapped")
        #expect(try first.wrap(clipKey) != wrapped, "a fresh nonce each time")
    }

    @Test func anotherDeviceKeyCannotUnwrap() throws {
        let state = try scratch()
        let mine = try FileDeviceKey(path: "\(state)/a/device.key")
        let other = try FileDeviceKey(path: "\(state)/b/device.key")
        let wrapped = try mine.wrap(EncryptedClip.newKey())
        #expect {
            _ = try other.unwrap(wrapped)
        } throws: { error in
            (error as? RecorderError)?.code == .crypto && "\(error)".contains("another device key")
        }
        var damaged = wrapped
        damaged[20] ^= 1
        #expect(throws: RecorderError.self) { _ = try mine.unwrap(damaged) }
        #expect(throws: RecorderError.self) { _ = try mine.unwrap([1, 2, 3]) }
    }

    @Test func openKeyFileOrFolderIsRefused() throws {
        let state = try scratch()
        let path = "\(state)/keys/device.key"
        _ = try FileDeviceKey(path: path)
        chmod(path, 0o644)
        #expect {
            _ = try FileDeviceKey(path: path)
        } throws: { error in
            let error = error as? RecorderError
            return error?.code == .keyFile && error?.message.contains(path) == true
                && error?.message.contains("chmod 600") == true
        }
        chmod(path, 0o600)
        chmod("\(state)/keys", 0o755)
        #expect {
            _ = try FileDeviceKey(path: path)
        } throws: { error in
            "\(error)".contains("chmod 700")
        }
        chmod("\(state)/keys", 0o700)
        _ = try FileDeviceKey(path: path)
    }

    @Test func keyFileOfWrongSizeIsRefused() throws {
        let state = try scratch()
        try FileManager.default.createDirectory(atPath: "\(state)/keys", withIntermediateDirectories: true)
        chmod("\(state)/keys", 0o700)
        let path = "\(state)/keys/device.key"
        try Data(repeating: 7, count: 31).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect {
            _ = try FileDeviceKey(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("31 bytes, not 32")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 31, "a damaged key is never replaced")
    }
}
