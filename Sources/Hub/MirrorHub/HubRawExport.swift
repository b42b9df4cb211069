import Foundation
public import MirrorProtocol

extension HubStore {
    /// The rows the figures are made of, as JSON objects each with a `table` field (`docs/insights.md`, "The raw
    /// export"): a store's or every store's session events and staff requests from six hours before `fromMillis`
    /// to six hours after `toMillis`, sale lines to a week and six hours after it, the catalog's sizes and the
    /// subject hashes of those visits (no other's). Head office's own data: subject hashes are pseudonyms of shoppers.
    public func rawExport(store: String?, fromMillis: Int64, toMillis: Int64) async throws -> [JSONValue] {
        let margin: Int64 = 6 * 3600 * 1000
        let filter = store == nil ? "1 = 1" : "store_id = ?"
        let storeArgument = store.map { [SQLValue.text($0)] } ?? []
        @Sendable func value(_ sql: SQLValue) -> JSONValue {
            switch sql {
            case .null: .null
            case .int(let int): .number(Double(int))
            case .double(let double): .number(double)
            case .text(let text): .string(text)
            }
        }
        let tables: [(String, [String], String, [SQLValue])] = [
            (
                "session_events",
                [
                    "device_id", "session_id", "store_id", "id", "at_ms", "kind", "sku", "size", "via", "score",
                    "suggestion_kind", "tried_size", "rating", "detail",
                ], "FROM session_events WHERE \(filter) AND at_ms >= ? AND at_ms < ?",
                storeArgument + [.int(fromMillis - margin), .int(toMillis + margin)]
            ),
            (
                "staff_requests", ["device_id", "session_id", "store_id", "id", "at_ms", "sku", "state", "done_ms"],
                "FROM staff_requests WHERE \(filter) AND at_ms >= ? AND at_ms < ?",
                storeArgument + [.int(fromMillis - margin), .int(toMillis + margin)]
            ),
            (
                "sales", ["line_id", "store_id", "at_ms", "sku", "size", "quantity", "subject_hash", "basket"],
                "FROM sales WHERE \(filter) AND at_ms >= ? AND at_ms < ?",
                storeArgument + [.int(fromMillis), .int(toMillis + margin + 7 * Day.millis)]
            ),
            // Only the links of the visits exported above: a store's export carries no other store's shoppers.
            (
                "visit_shoppers", ["device_id", "session_id", "subject_hash"],
                """
                FROM visit_shoppers v WHERE EXISTS (SELECT 1 FROM session_events e WHERE e.device_id = v.device_id
                    AND e.session_id = v.session_id AND \(filter) AND e.at_ms >= ? AND e.at_ms < ?)
                """,
                storeArgument + [.int(fromMillis - margin), .int(toMillis + margin)]
            ),
        ]
        return try await database.transaction { tx in
            var out: [JSONValue] = []
            for (table, columns, from, arguments) in tables {
                let rows = try await tx.query(
                    "SELECT \(columns.joined(separator: ", ")) \(from) ORDER BY \(columns[0]), \(columns[1])", arguments
                )
                for row in rows {
                    var object: [String: JSONValue] = ["table": .string(table)]
                    for (index, column) in columns.enumerated() { object[column] = value(row[index]) }
                    out.append(.object(object))
                }
            }
            for row in try await tx.query("SELECT sku, body FROM catalog ORDER BY sku") {
                let item = try? JSONDecoder().decode(CatalogItem.self, from: Data(row.text(1).utf8))
                out.append(
                    .object([
                        "table": "catalog", "sku": .string(row.text(0)),
                        "sizes": .array((item?.sizes ?? []).map { .string($0) }),
                    ]))
            }
            return out
        }
    }
}
