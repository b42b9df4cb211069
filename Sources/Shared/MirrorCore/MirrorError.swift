/// The error shape every module uses: a code to branch on, a message for people, the cause, and what to do.
///
/// Each module names its own codes and aliases this type (`CaptureError`, `VisionError`, `DaemonError`), so
/// callers see one error type per module without each module writing the same struct again. Rendered as
/// `MESSAGE: CAUSE (FIX)`, one line. Two kinds stay apart, each for its reason: `ConfigError` (a place in a
/// file: path, line and dotted key, which `mirrord --check-config` prints as editors expect) and
/// `SystemCallError` (a failed C call and its `errno`: the cause inside these, never shown alone).
public struct MirrorError<Code: RawRepresentable & Sendable & Equatable>: Error, CustomStringConvertible, Sendable
where Code.RawValue == String {
    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?
    /// What the person reading the message can do about it, when there is something.
    public var fix: String?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil, fix: String? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.fix = fix
    }

    public var description: String {
        var text = message
        if let underlying { text += ": \(underlying)" }
        if let fix { text += " (\(fix))" }
        return text
    }
}

extension String {
    /// The text of a fixed-size, NUL-padded C char array (kernel structs import these as tuples).
    public init<T>(cTuple tuple: T) {
        self = withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
