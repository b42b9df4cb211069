import Crypto
import Foundation

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
