/// A failed system or C-library call: which call, on what, and the `errno` it set.
public struct SystemCallError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The C function that failed, e.g. `open` or `ioctl(VIDIOC_QBUF)`.
    public var call: String
    /// The file or object it was called on, when there is one.
    public var subject: String?
    public var errno: Int32

    public init(call: String, subject: String? = nil, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    /// The C library's text for `errno`.
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        if let subject { return "\(call) \(subject): \(reason)" }
        return "\(call): \(reason)"
    }
}

/// Calls `body` until it does not fail with `EINTR`; a result of -1 becomes a ``SystemCallError``.
///
/// Every C call of the project that reports failure as -1 and `errno` goes through here.
@discardableResult
public func systemCall<T: FixedWidthInteger & SignedInteger>(
    _ call: String, _ subject: String? = nil, _ body: () -> T
) throws(SystemCallError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemCallError(call: call, subject: subject, errno: code)
    }
}
