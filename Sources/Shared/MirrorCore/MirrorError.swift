/// The error shape every module uses: a code to branch on, a message for people, and the cause.
///
/// Each module names its own codes and aliases this type (`CaptureError`, `DisplayError`), so callers
/// see one error type per module without each module writing the same struct again.
public struct MirrorError<Code: RawRepresentable & Sendable & Equatable>: Error, CustomStringConvertible, Sendable
where Code.RawValue == String {
    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let underlying { return "\(message): \(underlying)" }
        return message
    }
}

extension String {
    /// The text of a fixed-size, NUL-padded C char array (kernel structs import these as tuples).
    public init<T>(cTuple tuple: T) {
        self = withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
