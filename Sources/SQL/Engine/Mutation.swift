import Encoding
import Storage

/// One write a statement makes, as a plain value: what a replicated engine ships through its
/// log so that every replica can make the same write with `Transaction.apply(_:)`.
///
/// Mutations are SQL-level (insert these rows), not key-level (set these bytes): each replica
/// runs the same constraint checks on the same state, so a constraint violation or a write
/// conflict is the same answer everywhere, and the log says in words what each entry does.
public enum Mutation: Sendable, Hashable {
    case createTable(Table)
    case dropTable(String)
    case createIndex(name: String, table: String, column: String, unique: Bool)
    case dropIndex(String)
    case insert(table: String, rows: [Row])
    /// Rows replaced by primary key, as (old key, new row) pairs in key order.
    case update(table: String, rows: [UpdatedRow])
    case delete(table: String, ids: [Value])

    /// One row an UPDATE replaces: its old primary key and its new values.
    public struct UpdatedRow: Sendable, Hashable {
        public var id: Value
        public var row: Row
        public init(id: Value, row: Row) {
            self.id = id
            self.row = row
        }
    }

    /// The table the mutation writes to (the table an index belongs to, or the index name).
    public var target: String {
        switch self {
        case .createTable(let table): table.name
        case .dropTable(let name), .dropIndex(let name): name
        case .createIndex(_, let table, _, _), .insert(let table, _), .update(let table, _), .delete(let table, _): table
        }
    }

    /// `INSERT INTO t, 2 rows` — for log drawings.
    public var summary: String {
        func rows(_ n: Int) -> String { "\(n) row\(n == 1 ? "" : "s")" }
        switch self {
        case .createTable(let table): return "CREATE TABLE \(table.name)"
        case .dropTable(let name): return "DROP TABLE \(name)"
        case .createIndex(let name, let table, let column, let unique):
            return "CREATE \(unique ? "UNIQUE " : "")INDEX \(name) ON \(table)(\(column))"
        case .dropIndex(let name): return "DROP INDEX \(name)"
        case .insert(let table, let values): return "INSERT INTO \(table), \(rows(values.count))"
        case .update(let table, let values): return "UPDATE \(table), \(rows(values.count))"
        case .delete(let table, let ids): return "DELETE FROM \(table), \(rows(ids.count))"
        }
    }
}

extension Transaction {
    /// Makes the write `mutation` describes, with every check the direct call makes.
    public func apply(_ mutation: Mutation) throws(SQLError) {
        switch mutation {
        case .createTable(let table): try createTable(table)
        case .dropTable(let name): _ = try dropTable(name)
        case .createIndex(let name, let table, let column, let unique):
            try createIndex(name: name, table: table, column: column, unique: unique)
        case .dropIndex(let name): _ = try dropIndex(name: name)
        case .insert(let table, let rows): try insert(table: table, rows: rows)
        case .update(let table, let rows):
            var byID: [Value: Row] = [:]
            byID.reserveCapacity(rows.count)
            for updated in rows { byID[updated.id] = updated.row }
            try update(table: table, rows: byID)
        case .delete(let table, let ids): try delete(table: table, ids: ids)
        }
    }
}

// MARK: - Wire form

/// The binary form of SQL values that cross a process or a log: values, rows, schemas,
/// mutations, errors (keeping kind and position) and MVCC states. A log entry written by one
/// node is read by every other, so each decoder checks everything and fails with an error,
/// never a crash, on bytes it does not understand.
public enum SQLWire {
    /// Writes a value (the row codec's form).
    public static func write(_ value: Value, to writer: inout BinaryWriter) {
        RowCodec.write(value, to: &writer)
    }

    public static func readValue(_ reader: inout BinaryReader) throws(SQLError) -> Value {
        try decodeStored("malformed value") { try RowCodec.read(&reader) }
    }

    public static func write(_ row: Row, to writer: inout BinaryWriter) {
        writer.writeUVarint(UInt64(row.count))
        for value in row { RowCodec.write(value, to: &writer) }
    }

    public static func readRow(_ reader: inout BinaryReader) throws(SQLError) -> Row {
        let count = try readCount(&reader, "row")
        var row: Row = []
        row.reserveCapacity(count)
        for _ in 0..<count { row.append(try readValue(&reader)) }
        return row
    }

    public static func write(_ rows: [Row], to writer: inout BinaryWriter) {
        writer.writeUVarint(UInt64(rows.count))
        for row in rows { write(row, to: &writer) }
    }

    public static func readRows(_ reader: inout BinaryReader) throws(SQLError) -> [Row] {
        let count = try readCount(&reader, "rows")
        var rows: [Row] = []
        rows.reserveCapacity(count)
        for _ in 0..<count { rows.append(try readRow(&reader)) }
        return rows
    }

    public static func write(_ table: Table, to writer: inout BinaryWriter) {
        writer.writeBytes(SchemaCodec.encode(table))
    }

    public static func readTable(_ reader: inout BinaryReader) throws(SQLError) -> Table {
        let bytes = try decodeStored("malformed schema") { try reader.readBytes("schema") }
        return try SchemaCodec.decode(bytes)
    }

    public static func write(_ state: TransactionState, to writer: inout BinaryWriter) {
        writer.writeBytes(state.encoded())
    }

    public static func readState(_ reader: inout BinaryReader) throws(SQLError) -> TransactionState {
        try decodeStored("malformed transaction state") {
            try TransactionState(decoding: try reader.readBytes("transaction state"))
        }
    }

    /// Writes an error with its kind, message and position.
    public static func write(_ error: SQLError, to writer: inout BinaryWriter) {
        writer.writeString(error.kind.rawValue)
        writer.writeString(error.message)
        if let position = error.position {
            writer.writeBool(true)
            writer.writeUVarint(UInt64(position.line))
            writer.writeUVarint(UInt64(position.column))
            writer.writeUVarint(UInt64(position.offset))
        } else {
            writer.writeBool(false)
        }
    }

    public static func readError(_ reader: inout BinaryReader) throws(SQLError) -> SQLError {
        try decodeStored("malformed error") {
            let kindName = try reader.readString("error kind")
            guard let kind = SQLError.Kind(rawValue: kindName) else {
                throw SQLError(.storage, "unknown error kind '\(kindName)'")
            }
            let message = try reader.readString("error message")
            var position: SourcePosition?
            if try reader.readBool() {
                position = SourcePosition(line: try reader.readCount("line"), column: try reader.readCount("column"),
                                          offset: try reader.readCount("offset"))
            }
            return SQLError(kind, message, at: position)
        }
    }

    public static func write(_ mutation: Mutation, to writer: inout BinaryWriter) {
        switch mutation {
        case .createTable(let table):
            writer.writeByte(0)
            write(table, to: &writer)
        case .dropTable(let name):
            writer.writeByte(1)
            writer.writeString(name)
        case .createIndex(let name, let table, let column, let unique):
            writer.writeByte(2)
            writer.writeString(name)
            writer.writeString(table)
            writer.writeString(column)
            writer.writeBool(unique)
        case .dropIndex(let name):
            writer.writeByte(3)
            writer.writeString(name)
        case .insert(let table, let rows):
            writer.writeByte(4)
            writer.writeString(table)
            write(rows, to: &writer)
        case .update(let table, let rows):
            writer.writeByte(5)
            writer.writeString(table)
            writer.writeUVarint(UInt64(rows.count))
            for updated in rows {
                write(updated.id, to: &writer)
                write(updated.row, to: &writer)
            }
        case .delete(let table, let ids):
            writer.writeByte(6)
            writer.writeString(table)
            write(ids, to: &writer)
        }
    }

    public static func readMutation(_ reader: inout BinaryReader) throws(SQLError) -> Mutation {
        let tag = try decodeStored("malformed mutation") { try reader.readByte("mutation") }
        func string(_ what: String) throws(SQLError) -> String {
            try decodeStored("malformed mutation") { try reader.readString(what) }
        }
        switch tag {
        case 0: return .createTable(try readTable(&reader))
        case 1: return .dropTable(try string("table name"))
        case 2:
            let name = try string("index name"), table = try string("table name"), column = try string("column name")
            let unique = try decodeStored("malformed mutation") { try reader.readBool() }
            return .createIndex(name: name, table: table, column: column, unique: unique)
        case 3: return .dropIndex(try string("index name"))
        case 4:
            let table = try string("table name")
            return .insert(table: table, rows: try readRows(&reader))
        case 5:
            let table = try string("table name")
            let count = try readCount(&reader, "updated rows")
            var rows: [Mutation.UpdatedRow] = []
            rows.reserveCapacity(count)
            for _ in 0..<count {
                let id = try readValue(&reader)
                rows.append(Mutation.UpdatedRow(id: id, row: try readRow(&reader)))
            }
            return .update(table: table, rows: rows)
        case 6:
            let table = try string("table name")
            return .delete(table: table, ids: try readRow(&reader))
        default:
            throw SQLError(.storage, "malformed mutation: unknown kind \(tag)")
        }
    }

    /// A count that cannot exceed the bytes left (each item takes at least one), so a corrupt
    /// count never reserves absurd memory.
    private static func readCount(_ reader: inout BinaryReader, _ what: String) throws(SQLError) -> Int {
        let count = try decodeStored("malformed \(what)") { try reader.readCount(what) }
        guard count <= reader.remainingCount else {
            throw SQLError(.storage, "malformed \(what): claims \(count) items but only \(reader.remainingCount) bytes follow")
        }
        return count
    }
}
