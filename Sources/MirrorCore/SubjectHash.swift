import Crypto
import Foundation

/// How an erased shopper is named in tombstones: a hash of the loyalty id, so the record that makes every device
/// forget a shopper does not itself keep the shopper's id.
public enum SubjectHash {
    public static func of(loyaltyId: String) -> String {
        let digest = SHA256.hash(data: Data("mirror-subject:\(loyaltyId)".utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
