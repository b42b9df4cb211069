/// A configuration or profile file that cannot be used, said so a person can fix it.
///
/// Rendered as `FILE:LINE: KEY: PROBLEM (FIX)`, one line.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int?
    /// The dotted key, e.g. `api.socket`; nil when the whole file is at fault.
    public var key: String?
    public var problem: String
    public var fix: String?

    public init(file: String, line: Int? = nil, key: String? = nil, problem: String, fix: String? = nil) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
        self.fix = fix
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        text += problem
        if let fix { text += " (\(fix))" }
        return text
    }
}
