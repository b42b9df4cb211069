/// A certificate's SHA-256 fingerprint as people copy it: 64 hex digits, in pairs with colons as
/// `openssl x509 -noout -fingerprint -sha256` prints them (`AB:CD:…`), or without.
public enum CertificateFingerprint {
    /// The 32 bytes of `text`, or nil when it is not a SHA-256 fingerprint.
    public static func parse(_ text: String) -> [UInt8]? {
        let digits = Array(text.replacingOccurrences(of: ":", with: "").lowercased())
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// `digest` as lower-case hex without separators (as stored and sent in URLs).
    public static func hex(_ digest: [UInt8]) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// `digest` as openssl prints it: upper-case pairs joined by colons.
    public static func format(_ digest: [UInt8]) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: ":")
    }
}
