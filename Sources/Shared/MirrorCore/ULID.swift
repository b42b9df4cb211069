public import Foundation

/// A ULID (https://github.com/ulid/spec): 48 bits of milliseconds and 80 random bits in 26 Crockford base-32
/// characters; sorts by creation time as text. Written here because no ULID package is among this project's
/// dependencies and the format is twenty lines.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new ULID for wall time `millis`, with random bits from `generator`.
    public static func make(millis: Int64, using generator: inout some RandomNumberGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let time = UInt64(max(0, millis)) & 0xFFFF_FFFF_FFFF
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: time >> (40 - 8 * UInt64(index))) }
        for index in 6..<16 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        // 128 bits as 26 groups of 5 bits, the first group holding only the top 3 bits.
        var value =
            (UInt64(bytes[0]) << 56 | UInt64(bytes[1]) << 48 | UInt64(bytes[2]) << 40 | UInt64(bytes[3]) << 32
                | UInt64(bytes[4]) << 24 | UInt64(bytes[5]) << 16 | UInt64(bytes[6]) << 8 | UInt64(bytes[7]))
        var low = UInt64(0)
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        var characters = [UInt8](repeating: 0, count: 26)
        for index in stride(from: 25, through: 0, by: -1) {
            characters[index] = alphabet[Int(low & 31)]
            low = low >> 5 | (value & 31) << 59
            value >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// A new ULID for the current time.
    public static func make(date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(millis: Int64(date.timeIntervalSince1970 * 1000), using: &generator)
    }

    /// Whether `text` has the shape of a ULID (26 characters of the alphabet, first at most "7").
    public static func isValid(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return utf8.count == 26 && utf8.allSatisfy { alphabet.contains($0) } && utf8[0] <= UInt8(ascii: "7")
    }
}
