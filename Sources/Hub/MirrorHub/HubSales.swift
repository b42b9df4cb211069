import CSV
import Foundation
import MirrorCore
public import MirrorProtocol

/// The tills' sale lines, from a file (`mirrorhub import-sales`) or a live feed (`POST /v1/sales`).
///
/// A file is CSV with a header row or JSON lines, both with the fields `line_id`, `store`, `time` (ISO 8601 with
/// its zone, or milliseconds since 1970), `sku`, `size`, `quantity`, `loyalty_id`, `basket` (the last four may be
/// empty or absent; quantity defaults to 1). A file with any bad row is refused whole, every bad row named.
public enum SalesFile {
    public static let fields = ["line_id", "store", "time", "sku", "size", "quantity", "loyalty_id", "basket"]
    static let required: Set<String> = ["line_id", "store", "time", "sku"]
    /// The most problems one refusal lists; the rest are counted.
    static let maxListed = 50

    public enum Format: String, Sendable {
        case csv
        case jsonLines = "jsonl"
    }

    /// One bad row: its line in the file (1 is the first), the field and why.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var field: String
        public var why: String
        public var description: String { "line \(line): \(field): \(why)" }

        public init(line: Int, field: String, why: String) {
            self.line = line
            self.field = field
            self.why = why
        }
    }

    /// The format of a file from its name, or else its first character (`{` for JSON lines).
    public static func format(name: String, text: String) -> Format {
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonLines }
        return text.first(where: { !$0.isWhitespace }) == "{" ? .jsonLines : .csv
    }

    struct SalesKey: Hashable {
        var store: String
        var lineId: String
    }

    /// The lines of `text`, or a `badRequest` naming every bad row.
    public static func parse(_ text: String, format: Format) throws -> [SaleLine] {
        var rows: [(line: Int, fields: [String: String])] = []
        var problems = Problems()
        switch format {
        case .csv: try csvRows(text, into: &rows, problems: &problems)
        case .jsonLines: jsonRows(text, into: &rows, problems: &problems)
        }
        var lines: [SaleLine] = []
        // A line id is its store's: the same id in two stores is two lines.
        var seen: [SalesKey: Int] = [:]
        for (number, fields) in rows {
            guard let line = sale(fields, line: number, problems: &problems) else { continue }
            if let first = seen[SalesKey(store: line.store, lineId: line.lineId)] {
                problems.append(
                    Problem(
                        line: number, field: "line_id", why: "\(line.lineId) of \(line.store) is also on line \(first)")
                )
                continue
            }
            seen[SalesKey(store: line.store, lineId: line.lineId)] = number
            lines.append(line)
        }
        try refuse(problems)
        return lines
    }

    /// Throws a `badRequest` listing `problems`, when there are any.
    static func refuse(_ problems: Problems) throws {
        guard !problems.isEmpty else { return }
        let listed = problems.listed
        var message = "nothing imported: \(problems.count) bad row\(problems.count == 1 ? "" : "s")\n"
        message += listed.map(\.description).joined(separator: "\n")
        if problems.count > maxListed { message += "\n… and \(problems.count - maxListed) more" }
        throw HubError(.badRequest, message)
    }

    private static func csvRows(
        _ text: String, into rows: inout [(line: Int, fields: [String: String])], problems: inout Problems
    ) throws {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true)
        } catch {
            throw HubError(
                .badRequest, "nothing imported: the file has no header row (\(fields.joined(separator: ",")))")
        }
        let header = reader.headerRow ?? []
        let unknown = header.filter { !fields.contains($0) }
        let missing = required.subtracting(header).sorted()
        guard unknown.isEmpty, missing.isEmpty else {
            var why: [String] = []
            if !missing.isEmpty { why.append("it has no \(missing.joined(separator: ", "))") }
            if !unknown.isEmpty { why.append("\(unknown.joined(separator: ", ")) is not a field") }
            throw HubError(
                .badRequest,
                "nothing imported: line 1 (the header): \(why.joined(separator: "; ")); the fields are "
                    + fields.joined(separator: ","))
        }
        // Rows are numbered as records, the header being 1: the line number, unless a quoted field above holds a
        // line break (CSV.swift does not say where a record began).
        var number = 1
        while let row = reader.next() {
            number += 1
            if row.count == 1, row[0].isEmpty { continue }  // a blank line
            guard row.count == header.count else {
                problems.append(
                    Problem(
                        line: number, field: "(row)", why: "\(row.count) fields, the header has \(header.count)"))
                continue
            }
            rows.append((number, Dictionary(uniqueKeysWithValues: zip(header, row))))
        }
        if let error = reader.error {
            throw HubError(.badRequest, "nothing imported: the file is not CSV in UTF-8 (\(error))")
        }
    }

    private static func jsonRows(
        _ text: String, into rows: inout [(line: Int, fields: [String: String])], problems: inout Problems
    ) {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                case .object(let object) = value
            else {
                problems.append(Problem(line: number, field: "(row)", why: "not a JSON object"))
                continue
            }
            var fields: [String: String] = [:]
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard Self.fields.contains(key) else {
                    problems.append(Problem(line: number, field: key, why: "not a field"))
                    continue
                }
                switch value {
                case .null: break
                case .string(let text): fields[key] = text
                case .number(let number) where number.rounded() == number && abs(number) < 9e15:
                    fields[key] = String(Int64(number))
                default: problems.append(Problem(line: number, field: key, why: "must be a string or a whole number"))
                }
            }
            rows.append((number, fields))
        }
    }

    private static func sale(_ fields: [String: String], line: Int, problems: inout Problems) -> SaleLine? {
        var bad = false
        func problem(_ field: String, _ why: String) {
            problems.append(Problem(line: line, field: field, why: why))
            bad = true
        }
        func value(_ field: String) -> String? {
            guard let text = fields[field]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func identifier(_ field: String, max: Int = 128) -> String? {
            guard let text = value(field) else { return nil }
            do {
                try Validate.identifier(text, field)
                guard text.utf8.count <= max else { throw HubError(.badRequest, "at most \(max) characters") }
            } catch let error as HubError {
                problem(field, error.message.replacingOccurrences(of: "\(field) must be", with: "must be"))
            } catch {}
            return text
        }
        for field in required.sorted() where value(field) == nil { problem(field, "missing") }
        let lineId = identifier("line_id")
        let store = identifier("store")
        let sku = identifier("sku")
        let size = value("size")
        if let size, size.count > 16 || size.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            problem("size", "must be at most 16 characters")
        }
        let loyalty = identifier("loyalty_id")
        let basket = identifier("basket")
        var at: Int64?
        if let time = value("time") {
            at = Self.time(time)
            if at == nil { problem("time", "\"\(time)\" is not an ISO 8601 time with its zone or milliseconds") }
        }
        var quantity = 1
        if let text = value("quantity") {
            if let number = Int(text), (1...1000).contains(number) {
                quantity = number
            } else {
                problem("quantity", "\"\(text)\" is not a whole number from 1 to 1000 (returns are not imported)")
            }
        }
        guard !bad, let lineId, let store, let sku, let at else { return nil }
        return SaleLine(
            lineId: lineId, store: store, at: at, sku: sku, size: size, quantity: quantity, loyaltyId: loyalty,
            basket: basket)
    }

    /// Milliseconds since 1970 from ISO 8601 with a zone (fractions allowed) or from a number of milliseconds
    /// after 2000 and before 2100.
    static func time(_ text: String) -> Int64? {
        if let millis = Int64(text) {
            return (946_684_800_000..<4_102_444_800_000).contains(millis) ? millis : nil
        }
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

extension HubStore {
    /// Stores sale lines once each by line id, in one transaction: every line's store must exist and be the
    /// caller's (`caller` nil: the hub's own command line); a line id held with other values refuses the whole set.
    public func importSales(_ lines: [SaleLine], caller: Principal? = nil) async throws -> SalesImportResult {
        var problems = SalesFile.Problems()
        for (index, line) in lines.enumerated() {
            if let caller, !caller.canAccess(store: line.store) {
                problems.append(.init(line: index + 1, field: "store", why: "this credential is not for \(line.store)"))
            }
        }
        try SalesFile.refuse(problems)
        let at = now()
        return try await database.transaction { tx in
            var problems = SalesFile.Problems()
            let stores = Set(try await tx.query("SELECT id FROM stores").map { $0.text(0) })
            var imported = 0
            var held = 0
            var touched: [StoreSKU: [Int64]] = [:]
            for (index, line) in lines.enumerated() {
                guard stores.contains(line.store) else {
                    problems.append(.init(line: index + 1, field: "store", why: "no store \(line.store) at the hub"))
                    continue
                }
                // A shopper erased before their sale arrived: the line is kept, without the link to them.
                var loyalty = line.loyaltyId
                if let code = loyalty, try await self.isErased(code, tx: tx) { loyalty = nil }
                let inserted = try await tx.query(
                    """
                    INSERT INTO sales (line_id, store_id, at_ms, sku, size, quantity, loyalty_id, subject_hash, basket,
                        imported_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1
                    """, .text(line.lineId), .text(line.store), .int(line.at), .text(line.sku), SQLValue(line.size),
                    .int(Int64(line.quantity)), SQLValue(loyalty),
                    SQLValue(loyalty.map { SubjectHash.of(loyaltyId: $0) }), SQLValue(line.basket), .int(at))
                if !inserted.isEmpty {
                    imported += 1
                    touched[StoreSKU(store: line.store, sku: line.sku), default: []].append(line.at)
                    continue
                }
                let same = try await tx.query(
                    """
                    SELECT 1 FROM sales WHERE line_id = ? AND store_id = ? AND at_ms = ? AND sku = ?
                        AND COALESCE(size, '') = ? AND quantity = ?
                    """, .text(line.lineId), .text(line.store), .int(line.at), .text(line.sku),
                    .text(line.size ?? ""), .int(Int64(line.quantity)))
                if same.isEmpty {
                    problems.append(
                        .init(
                            line: index + 1, field: "line_id",
                            why: "\(line.lineId) was imported before with other values"))
                }
                held += 1
            }
            // Thrown inside the transaction: nothing of the set stays.
            try SalesFile.refuse(problems)
            // Tried → bought around the new lines, in the same transaction.
            for (key, times) in touched.sorted(by: { $0.key < $1.key }) {
                try await self.rematch(key, around: times, tx: tx)
            }
            return SalesImportResult(imported: imported, alreadyHeld: held)
        }
    }
}
