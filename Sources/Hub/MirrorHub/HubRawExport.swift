import Foundation
public import MirrorProtocol
import Synchronization

extension HubStore {
    /// The rows the figures are made of, as JSON objects each with a `table` field (`docs/insights.md`, "The raw
    /// export"): a store's or every store's session events and staff requests from six hours before `fromMillis`
    /// to six hours after `toMillis`, sale lines to a week and six hours after it, the catalog's sizes and the
    /// subject hashes of those visits (no other's). Head office's own data: subject hashes are pseudonyms of shoppers.
    public func rawExport(store: String?, fromMillis: Int64, toMillis: Int64) async throws -> [JSONValue] {
        let rows = Mutex<[JSONValue]>([])
        try await rawExport(store: store, fromMillis: fromMillis, toMillis: toMillis) { row in
            rows.withLock { $0.append(row) }
        }
        return rows.withLock { $0 }
    }

    /// The same rows handed to `emit` one by one as they are read, a page of `pageSize` rows at a time (keyed on
    /// each table's own key, so a long history is never held whole), all from one transaction.
    public func rawExport(
        store: String?, fromMillis: Int64, toMillis: Int64, pageSize: Int = 5_000,
        emit: @escaping @Sendable (JSONValue) throws -> Void
    ) async throws {
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
        // Each table with its columns, its unique key first (the order and the pages follow it).
        let tables: [(String, [String], String, [SQLValue])] = [
            (
                "session_events",
                [
                    "device_id", "id", "session_id", "store_id", "at_ms", "kind", "sku", "size", "via", "score",
                    "suggestion_kind", "tried_size", "rating", "detail",
                ], "FROM session_events WHERE \(filter) AND at_ms >= ? AND at_ms < ?",
                storeArgument + [.int(fromMillis - margin), .int(toMillis + margin)]
            ),
            (
                "staff_requests", ["device_id", "id", "session_id", "store_id", "at_ms", "sku", "state", "done_ms"],
                "FROM staff_requests WHERE \(filter) AND at_ms >= ? AND at_ms < ?",
                storeArgument + [.int(fromMillis - margin), .int(toMillis + margin)]
            ),
            (
                "sales", ["store_id", "line_id", "at_ms", "sku", "size", "quantity", "subject_hash", "basket"],
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
        try await database.transaction { tx in
            for (table, columns, from, arguments) in tables {
                // Keyset pages: the rows after the last one emitted, by the table's two-column key.
                var after: (SQLValue, SQLValue)?
                while true {
                    let page = after.map { _ in " AND (\(columns[0]), \(columns[1])) > (?, ?)" } ?? ""
                    let rows = try await tx.query(
                        "SELECT \(columns.joined(separator: ", ")) \(from)\(page) ORDER BY \(columns[0]), "
                            + "\(columns[1]) LIMIT \(pageSize)", arguments + (after.map { [$0.0, $0.1] } ?? []))
                    for row in rows {
                        var object: [String: JSONValue] = ["table": .string(table)]
                        for (index, column) in columns.enumerated() { object[column] = value(row[index]) }
                        try emit(.object(object))
                    }
                    guard rows.count == pageSize, let last = rows.last else { break }
                    after = (last[0], last[1])
                }
            }
            for row in try await tx.query("SELECT sku, body FROM catalog ORDER BY sku") {
                let item = try? JSONDecoder().decode(CatalogItem.self, from: Data(row.text(1).utf8))
                try emit(
                    .object([
                        "table": "catalog", "sku": .string(row.text(0)),
                        "sizes": .array((item?.sizes ?? []).map { .string($0) }),
                    ]))
            }
        }
    }
}
