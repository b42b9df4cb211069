import Foundation
import MirrorCore

/// Who is calling the hub.
public enum HubRole: String, Codable, Sendable, CaseIterable {
    /// A mirror: its own store's data and its own outbox only.
    case device
    /// Store staff: their store's devices, requests and events.
    case staff
    /// Head office: the fleet, profiles, catalog; never raw video (the hub holds none).
    case headOffice = "head_office"
}

/// An authenticated caller.
public struct Principal: Sendable, Hashable {
    public var credentialId: String
    public var role: HubRole
    public var storeId: String?
    public var deviceId: String?

    /// Whether this caller may see or change `store`'s data.
    public func canAccess(store: String) -> Bool {
        role == .headOffice || storeId == store
    }
}

/// Bearer secrets: `<id>.<secret>`, of which the hub stores only the id and the secret's SHA-256.
enum Secrets {
    /// 32 random bytes from the system's CSPRNG as URL-safe base64 (43 characters).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func hash(_ secret: String) -> String {
        sha256Hex(Data(secret.utf8))
    }

    /// Compares two hashes in time independent of where they differ.
    static func equal(_ a: String, _ b: String) -> Bool { constantTimeEqual(Array(a.utf8), Array(b.utf8)) }

    /// Splits `<id>.<secret>`.
    static func split(_ token: String) -> (id: String, secret: String)? {
        guard let dot = token.firstIndex(of: "."), token.utf8.count <= 200 else { return nil }
        let id = String(token[..<dot])
        let secret = String(token[token.index(after: dot)...])
        guard !id.isEmpty, !secret.isEmpty else { return nil }
        return (id, secret)
    }
}
