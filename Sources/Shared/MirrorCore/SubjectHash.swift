import Crypto
public import Foundation

/// How an erased shopper is named in tombstones: a hash of the loyalty id, so the record that makes every device
/// forget a shopper does not itself keep the shopper's id.
public enum SubjectHash {
    public static func of(loyaltyId: String) -> String {
        sha256Hex(Data("mirror-subject:\(loyaltyId)".utf8))
    }
}

/// SHA-256 of `data` as 64 lowercase hex digits (subject hashes, stored credential hashes).
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// Whether `a` and `b` are equal, in time independent of where they differ (for secrets: tokens, PINs).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    // Hand-written: a byte-wise XOR fold over equal lengths is the whole of a constant-time comparison.
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for index in a.indices { difference |= a[index] ^ (index < b.count ? b[index] : 0) }
    return difference == 0
}
