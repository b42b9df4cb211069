import Foundation
import Yams

/// Reads one YAML mapping field by field, naming the dotted key and line in every error.
///
/// Written over Yams' node tree rather than `Codable` because decoding errors from `Codable` name
/// neither the line nor the fix, and it silently ignores misspelt keys, which is the commonest
/// mistake in a hand-edited config.
struct YAMLFields {
    let file: String
    let path: String
    let line: Int?
    private var entries: [(key: String, value: Node)] = []
    private var used: Set<String> = []

    /// Parses `text` and returns its top-level mapping.
    static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLFields {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.refusal(error, text: text, file: file)
        } catch {
            throw ConfigError(file: file, problem: "not valid YAML: \(error)")
        }
        guard let root else {
            throw ConfigError(file: file, problem: "the file is empty", fix: "see the example in the repository")
        }
        return try YAMLFields(root, file: file, path: "")
    }

    init(_ node: Node, file: String, path: String) throws(ConfigError) {
        self.file = file
        self.path = path
        self.line = node.mark.map { $0.line }
        guard case .mapping(let mapping) = node else {
            throw ConfigError(
                file: file, line: line, key: path.isEmpty ? nil : path,
                problem: "expected a mapping of keys to values")
        }
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw ConfigError(
                    file: file, line: key.mark?.line, key: path.isEmpty ? nil : path,
                    problem: "a key is a list or a mapping, not text", fix: "write each key as a plain word")
            }
            let name = scalar.string
            if entries.contains(where: { $0.key == name }) {
                throw ConfigError(
                    file: file, line: key.mark?.line, key: dotted(name), problem: "appears twice",
                    fix: "keep one")
            }
            entries.append((name, value))
        }
    }

    func dotted(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ problem: String, fix: String? = nil) -> ConfigError {
        let node = entries.first { $0.key == key }?.value
        return ConfigError(file: file, line: node?.mark?.line ?? line, key: dotted(key), problem: problem, fix: fix)
    }

    private mutating func value(_ key: String) -> Node? {
        used.insert(key)
        guard let node = entries.first(where: { $0.key == key })?.value else { return nil }
        if node.null != nil { return nil }
        return node
    }

    mutating func has(_ key: String) -> Bool { value(key) != nil }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node else { throw error(key, "expected text") }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw error(key, "is empty") }
        return text
    }

    mutating func string(_ key: String, default fallback: String) throws(ConfigError) -> String {
        try string(key) ?? fallback
    }

    mutating func require(_ key: String, fix: String) throws(ConfigError) -> String {
        guard let text = try string(key) else {
            throw ConfigError(file: file, line: line, key: dotted(key), problem: "is missing", fix: fix)
        }
        return text
    }

    mutating func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let node = value(key) else { return fallback }
        guard let number = node.int else {
            throw error(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range", fix: "use \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    mutating func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>)
        throws(ConfigError) -> Double
    {
        guard let node = value(key) else { return fallback }
        guard let number = node.float, number.isFinite else {
            throw error(key, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range", fix: "use \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    mutating func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let node = value(key) else { return fallback }
        guard let flag = node.bool else { throw error(key, "expected true or false") }
        return flag
    }

    /// One of `choices`, compared case-insensitively.
    mutating func choice(_ key: String, _ choices: [String], default fallback: String) throws(ConfigError) -> String {
        guard let text = try string(key) else { return fallback }
        guard let match = choices.first(where: { $0.caseInsensitiveCompare(text) == .orderedSame }) else {
            throw error(key, "'\(text)' is not one of \(choices.joined(separator: ", "))")
        }
        return match
    }

    /// A list of text items (a YAML sequence).
    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let node = value(key) else { return nil }
        guard case .sequence(let items) = node else { throw error(key, "expected a list") }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .scalar(let scalar) = item else {
                throw ConfigError(
                    file: file, line: item.mark?.line, key: "\(dotted(key))[\(index)]", problem: "expected text")
            }
            result.append(scalar.string)
        }
        return result
    }

    /// Every key of a section with a whole-number value, in file order.
    mutating func integers(_ key: String) throws(ConfigError) -> [(name: String, value: Int)] {
        guard var section = try section(key) else { return [] }
        var result: [(String, Int)] = []
        for name in section.entries.map(\.key) {
            section.used.insert(name)
            guard let number = section.entries.first(where: { $0.key == name })?.value.int else {
                throw section.error(name, "expected a whole number")
            }
            result.append((name, number))
        }
        return result
    }

    /// A list of mappings (a YAML sequence of sections), each read field by field like a section.
    mutating func sections(_ key: String) throws(ConfigError) -> [YAMLFields] {
        guard let node = value(key) else { return [] }
        guard case .sequence(let items) = node else { throw error(key, "expected a list") }
        var result: [YAMLFields] = []
        for (index, item) in items.enumerated() {
            result.append(try YAMLFields(item, file: file, path: "\(dotted(key))[\(index)]"))
        }
        return result
    }

    mutating func section(_ key: String) throws(ConfigError) -> YAMLFields? {
        guard let node = value(key) else { return nil }
        return try YAMLFields(node, file: file, path: dotted(key))
    }

    /// Refuses keys that no call asked for, suggesting the nearest known one.
    func finish() throws(ConfigError) {
        for (key, _) in entries where !used.contains(key) {
            let suggestion = used.min { Self.distance($0, key) < Self.distance($1, key) }
            let fix: String
            if let suggestion, Self.distance(suggestion, key) <= max(2, key.count / 3) {
                fix = "did you mean '\(dotted(suggestion))'?"
            } else {
                fix = "known keys here: \(used.sorted().joined(separator: ", "))"
            }
            throw error(key, "unknown key", fix: fix)
        }
    }

    /// Levenshtein distance, for "did you mean" suggestions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Yams' error as one line: its line number, what libyaml found and, for the commonest slips (a tab, a key
    /// written twice), how to fix it. Yams' own description spans several lines and puts the problem after the
    /// first, and a duplicate key's names only the mapping's line.
    static func refusal(_ error: YamlError, text: String, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            // libyaml puts an error at the end of a file without a last newline on the line after it.
            let last = text.hasSuffix("\n") ? lines.count - 1 : lines.count
            let line = max(1, min(mark.line, last))
            let source = lines[line - 1]
            if source.prefix(mark.column).contains("\t") || problem.contains("tab") {
                return ConfigError(
                    file: file, line: line, problem: "not valid YAML: a tab in the indentation",
                    fix: "indent with spaces; YAML does not allow tabs there")
            }
            var words = problem
            if let context { words = "\(context.text) (line \(min(context.mark.line, line))): \(problem)" }
            return ConfigError(file: file, line: line, problem: "not valid YAML: \(words)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.sorted().first ?? ""
            return ConfigError(
                file: file, line: secondLine(of: key, in: text, from: context.mark.line) ?? context.mark.line,
                key: key.isEmpty ? nil : key, problem: "appears twice in one section", fix: "keep one")
        default:
            // Reader errors (bytes that are not text) and the rest: the first line of Yams' description.
            let summary = String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigError(file: file, problem: "not valid YAML: \(summary)")
        }
    }

    /// The line (from 1) where `key` is written a second time at one indentation, from line `start` on.
    private static func secondLine(of key: String, in text: String, from start: Int) -> Int? {
        var seen: Set<Int> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where index + 1 >= start {
            let body = line.drop { $0 == " " || $0 == "-" }
            let indent = line.count - body.count
            let unquoted = body.hasPrefix("\"") || body.hasPrefix("'") ? body.dropFirst() : body
            guard unquoted.hasPrefix(key) else { continue }
            let rest = unquoted.dropFirst(key.count).drop { $0 == "\"" || $0 == "'" || $0 == " " }
            guard rest.hasPrefix(":") else { continue }
            if !seen.insert(indent).inserted { return index + 1 }
        }
        return nil
    }
}
