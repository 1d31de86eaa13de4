/// What one executed SQL statement produced; the Shell renders it (table, line, csv, json).
public enum StatementResult: Sendable, Equatable {
    case query(columns: [String], rows: [[Value]])
    case begin(version: UInt64, readOnly: Bool)
    case commit(version: UInt64)
    case rollback(version: UInt64)
    case createTable(name: String)
    case dropTable(name: String, existed: Bool)
    case createIndex(name: String)
    case dropIndex(name: String, existed: Bool)
    case insert(count: Int)
    case update(count: Int)
    case delete(count: Int)
    /// EXPLAIN and EXPLAIN ANALYZE: the drawn plan.
    case explain(String)

    /// The command word of the json contract's `{"command": "INSERT", "count": 3}`.
    public var commandTag: String {
        switch self {
        case .query: "SELECT"
        case .begin: "BEGIN"
        case .commit: "COMMIT"
        case .rollback: "ROLLBACK"
        case .createTable: "CREATE TABLE"
        case .dropTable: "DROP TABLE"
        case .createIndex: "CREATE INDEX"
        case .dropIndex: "DROP INDEX"
        case .insert: "INSERT"
        case .update: "UPDATE"
        case .delete: "DELETE"
        case .explain: "EXPLAIN"
        }
    }

    /// Rows affected, for INSERT, UPDATE and DELETE.
    public var affectedRows: Int? {
        switch self {
        case .insert(let n), .update(let n), .delete(let n): n
        default: nil
        }
    }
}
