import SQL
import Synchronization

/// A small in-memory `Engine` for testing the planner and executor on their own: each
/// transaction works on a private copy of the database and commits its writes back, failing
/// with a serialization error if a transaction that committed meanwhile wrote the same row.
/// Not efficient, not durable — just enough semantics to exercise sessions.
final class TestEngine: Engine {
    struct Database {
        var tables: [String: Table] = [:]
        var rows: [String: [ValueKey: Row]] = [:]
        var indexes: [String: (table: String, column: String)] = [:]
    }

    struct State {
        var committed = Database()
        var version: UInt64 = 0
        var commits: [(version: UInt64, keys: Set<String>)] = []
        var history: [UInt64: Database] = [:]
    }

    let state = Mutex(State())

    func begin() throws(SQLError) -> any Transaction {
        state.withLock { s in
            s.version += 1
            return TestTransaction(engine: self, version: s.version, readOnly: false, database: s.committed)
        }
    }

    func beginReadOnly(asOf version: UInt64?) throws(SQLError) -> any Transaction {
        try state.withLock { s throws(SQLError) in
            if let version {
                guard let db = s.history[version] else { throw SQLError(.transaction, "no version \(version)") }
                return TestTransaction(engine: self, version: version, readOnly: true, database: db)
            }
            return TestTransaction(engine: self, version: s.version + 1, readOnly: true, database: s.committed)
        }
    }
}

final class TestTransaction: Transaction {
    let engine: TestEngine
    let version: UInt64
    let isReadOnly: Bool
    var database: TestEngine.Database
    var written: [String: (table: String, id: ValueKey)] = [:]
    var ddl = false
    var savepoints: [(TestEngine.Database, [String: (table: String, id: ValueKey)])] = []

    init(engine: TestEngine, version: UInt64, readOnly: Bool, database: TestEngine.Database) {
        self.engine = engine
        self.version = version
        self.isReadOnly = readOnly
        self.database = database
    }

    private func writable() throws(SQLError) {
        if isReadOnly { throw SQLError(.transaction, "cannot write in a read-only transaction") }
    }

    func commit() throws(SQLError) {
        guard !isReadOnly else { return }
        try engine.state.withLock { s throws(SQLError) in
            let keys = Set(written.keys)
            for c in s.commits where c.version > version && !c.keys.isDisjoint(with: keys) {
                throw SQLError(.serialization, "serialization failure, retry transaction")
            }
            if ddl {
                s.committed.tables = database.tables
                s.committed.indexes = database.indexes
                for name in s.committed.rows.keys where database.tables[name] == nil { s.committed.rows[name] = nil }
                for name in database.tables.keys where s.committed.rows[name] == nil { s.committed.rows[name] = [:] }
            }
            for (_, w) in written {
                s.committed.rows[w.table, default: [:]][w.id] = database.rows[w.table]?[w.id]
            }
            s.version += 1
            s.commits.append((s.version, keys))
            s.history[version] = s.committed
        }
    }

    func rollback() throws(SQLError) {}

    func savepoint() throws(SQLError) -> Savepoint {
        savepoints.append((database, written))
        return Savepoint(id: savepoints.count - 1)
    }

    func rollback(to savepoint: Savepoint) throws(SQLError) {
        guard savepoints.indices.contains(savepoint.id) else { throw SQLError(.transaction, "no savepoint") }
        (database, written) = savepoints[savepoint.id]
        savepoints.removeSubrange(savepoint.id...)
    }

    func createTable(_ table: Table) throws(SQLError) {
        try writable()
        if database.tables[table.name] != nil { throw SQLError(.semantic, "table \(table.name) already exists") }
        database.tables[table.name] = table
        database.rows[table.name] = [:]
        ddl = true
    }

    func dropTable(_ name: String) throws(SQLError) -> Bool {
        try writable()
        guard database.tables[name] != nil else { return false }
        database.tables[name] = nil
        database.rows[name] = nil
        ddl = true
        return true
    }

    func table(_ name: String) throws(SQLError) -> Table? { database.tables[name] }

    func tables() throws(SQLError) -> [Table] { database.tables.values.sorted { $0.name < $1.name } }

    func createIndex(name: String, table: String, column: String, unique: Bool) throws(SQLError) {
        try writable()
        guard var schema = database.tables[table], let c = schema.columnIndex(column) else {
            throw SQLError(.semantic, "no column \(table).\(column)")
        }
        schema.columns[c].indexes.append(name)
        database.tables[table] = schema
        database.indexes[name] = (table, column)
        ddl = true
    }

    func dropIndex(name: String) throws(SQLError) -> Bool {
        try writable()
        guard let (table, column) = database.indexes[name], var schema = database.tables[table],
              let c = schema.columnIndex(column) else { return false }
        schema.columns[c].indexes.removeAll { $0 == name }
        database.tables[table] = schema
        database.indexes[name] = nil
        ddl = true
        return true
    }

    private func schema(_ table: String) throws(SQLError) -> Table {
        guard let schema = database.tables[table] else { throw SQLError(.semantic, "table \(table) does not exist") }
        return schema
    }

    private func check(_ row: Row, _ schema: Table) throws(SQLError) {
        guard row.count == schema.columns.count else { throw SQLError(.semantic, "wrong row width") }
        for (value, column) in zip(row, schema.columns) {
            if value == .null {
                if !column.nullable { throw SQLError(.constraint, "NULL value not allowed for column \(column.name)") }
            } else if value.dataType != column.dataType {
                throw SQLError(.type, "invalid datatype \(value.dataType?.rawValue ?? "NULL") for \(column.dataType.rawValue) column \(column.name)")
            }
        }
    }

    private func write(_ table: String, _ id: ValueKey, _ row: Row?) {
        database.rows[table, default: [:]][id] = row
        written["\(table)/\(id.value)"] = (table, id)
    }

    func insert(table: String, rows: [Row]) throws(SQLError) {
        try writable()
        let schema = try schema(table)
        for row in rows {
            try check(row, schema)
            let id = ValueKey(row[schema.primaryKey])
            if database.rows[table]?[id] != nil {
                throw SQLError(.constraint, "primary key \(id.value) already exists")
            }
            write(table, id, row)
        }
    }

    func update(table: String, rows: [Value: Row]) throws(SQLError) {
        try writable()
        let schema = try schema(table)
        for (old, row) in rows {
            try check(row, schema)
            write(table, ValueKey(old), nil)
            write(table, ValueKey(row[schema.primaryKey]), row)
        }
    }

    func delete(table: String, ids: [Value]) throws(SQLError) {
        try writable()
        _ = try schema(table)
        for id in ids { write(table, ValueKey(id), nil) }
    }

    func get(table: String, ids: [Value]) throws(SQLError) -> [Row] {
        _ = try schema(table)
        return ids.compactMap { database.rows[table]?[ValueKey($0)] }
    }

    func scan(table: String, filter: Expression?) throws(SQLError) -> any RowCursor {
        _ = try schema(table)
        let rows = (database.rows[table] ?? [:]).sorted { Value.sortOrder($0.key.value, $1.key.value) < 0 }.map(\.value)
        return TestCursor(rows: rows, filter: filter)
    }

    func lookupIndex(table: String, column: String, values: [Value]) throws(SQLError) -> [Value] {
        let schema = try schema(table)
        guard let c = schema.columnIndex(column) else { throw SQLError(.semantic, "no column \(column)") }
        let wanted = Set(values.map(ValueKey.init))
        return (database.rows[table] ?? [:]).values.filter { wanted.contains(ValueKey($0[c])) }
            .map { $0[schema.primaryKey] }
    }
}

/// Streams rows, counting how many it handed out (to prove LIMIT stops early).
final class TestCursor: RowCursor {
    let rows: [Row]
    let filter: Expression?
    var index = 0

    init(rows: [Row], filter: Expression?) {
        self.rows = rows
        self.filter = filter
    }

    func next() throws(SQLError) -> Row? {
        while index < rows.count {
            let row = rows[index]
            index += 1
            if try filter?.test(row) ?? true { return row }
        }
        return nil
    }
}
