import Storage

/// One SQL transaction on a `LocalEngine`: the catalog and row operations, each turned into
/// reads and writes of the keys described in LocalEngine.swift within one MVCC transaction.
///
/// Not thread-safe: one owner (a session) drives it.
public final class LocalTransaction: Transaction {
    /// The MVCC transaction every read and write goes through.
    public let mvccTransaction: MVCCTransaction

    /// Schemas read so far (nil: known not to exist). The snapshot only changes through this
    /// transaction's own DDL, which clears it, so a cached schema can never be stale.
    private var schemaCache: [String: TableInfo?] = [:]
    /// Every table, once listed (for reference checks); cleared with `schemaCache`.
    private var allTablesCache: [TableInfo]?

    /// The store under the transaction, for the unversioned row-id counters of keyless tables.
    let mvcc: MVCC

    init(_ transaction: MVCCTransaction, mvcc: MVCC) {
        mvccTransaction = transaction
        self.mvcc = mvcc
    }

    public var version: UInt64 { mvccTransaction.version }
    public var isReadOnly: Bool { mvccTransaction.isReadOnly }
    public var state: TransactionState { mvccTransaction.state }

    public func commit() throws(SQLError) {
        try sqlStorage { try mvccTransaction.commit() }
    }

    public func rollback() throws(SQLError) {
        try sqlStorage { try mvccTransaction.rollback() }
        forgetSchemas()
    }

    public func savepoint() throws(SQLError) -> Savepoint {
        Savepoint(id: mvccTransaction.savepoint())
    }

    public func rollback(to savepoint: Savepoint) throws(SQLError) {
        try sqlStorage { try mvccTransaction.rollback(toSavepoint: savepoint.id) }
        // The undone writes may have included DDL.
        forgetSchemas()
    }

    // MARK: - Catalog

    /// - Complexity: O(t) in the number of tables (references and index names are checked
    ///   against the catalog).
    public func createTable(_ table: Table) throws(SQLError) {
        if try self.table(table.name) != nil {
            throw SQLError(.semantic, "table \(table.name) already exists")
        }
        var table = try validateNewTable(table)
        // A keyless table numbers its rows from 1 even if an earlier table of this name used
        // the counter: it counts from where the counter stands now.
        table.rowIDBase = table.hasRowID ? try lastRowID(table.name) : 0
        try write(.table(table.name), SchemaCodec.encode(table))
        forgetSchemas()
    }

    /// - Complexity: O(n) in the table's rows and index entries, each deleted (a tombstone).
    public func dropTable(_ name: String) throws(SQLError) -> Bool {
        guard let table = try table(name) else { return false }
        for other in try allTables() where other.table.name != name {
            for column in other.table.columns where column.references == name {
                throw SQLError(.constraint,
                               "cannot drop table \(name): column \(column.name) of table \(other.table.name) references it")
            }
        }
        try deleteAll(prefix: SQLKey.rowPrefix(table: table.name))
        try deleteAll(prefix: SQLKey.indexPrefix(table: table.name))
        try sqlStorage { try mvccTransaction.delete(SQLKey.table(table.name).encoded) }
        forgetSchemas()
        return true
    }

    /// - Complexity: O(log n) the first time in a transaction, then O(1) from its cache.
    public func table(_ name: String) throws(SQLError) -> Table? {
        try tableInfo(name)?.table
    }

    public func tables() throws(SQLError) -> [Table] {
        try allTables().map(\.table)
    }

    /// - Complexity: O(n) in the table's rows when the column had no index entries yet.
    public func createIndex(name: String, table tableName: String, column columnName: String,
                            unique: Bool) throws(SQLError) {
        var table = try mustTable(tableName).table
        guard let position = table.columnIndex(columnName) else {
            throw SQLError(.semantic, "unknown column \(columnName) in table \(table.name)")
        }
        if let owner = try indexOwner(name) {
            throw SQLError(.semantic, "index \(name) already exists on \(owner.table.name).\(owner.column)")
        }
        if position == table.primaryKey {
            throw SQLError(.semantic,
                           "column \(table.columns[position].name) is the primary key of \(table.name), which is always indexed")
        }
        let before = table.columns[position]
        var after = before
        after.indexes.append(name)
        if unique { after.uniqueIndexes.append(name) }
        table.columns[position] = after

        if !before.isIndexed {
            try buildIndex(table: table, position: position)
        }
        if after.isUnique && !before.isUnique {
            try checkNoDuplicates(table: table, column: after)
        }
        try write(.table(table.name), SchemaCodec.encode(table))
        forgetSchemas()
    }

    /// - Complexity: O(e) in the column's index entries when the last index on it goes.
    public func dropIndex(name: String) throws(SQLError) -> Bool {
        guard let owner = try indexOwner(name) else { return false }
        var table = owner.table
        guard let position = table.columnIndex(owner.column) else { return false }
        var column = table.columns[position]
        column.indexes.removeAll { $0 == name }
        column.uniqueIndexes.removeAll { $0 == name }
        if column.references != nil && !column.isIndexed {
            throw SQLError(.semantic,
                           "cannot drop index \(name): column \(column.name) references \(column.references ?? "") and needs an index")
        }
        table.columns[position] = column
        if !column.isIndexed {
            try deleteAll(prefix: SQLKey.indexPrefix(table: table.name, column: column.name))
        }
        try write(.table(table.name), SchemaCodec.encode(table))
        forgetSchemas()
        return true
    }

    // MARK: - Catalog internals

    /// A schema with what the row operations need precomputed.
    struct TableInfo {
        var table: Table
        /// Columns with index entries (never the primary key, whose rows are the index).
        var indexed: [Int]
        /// Columns whose non-NULL values must be distinct.
        var unique: [Int]
        /// Columns with REFERENCES, and the table they reference.
        var references: [(position: Int, table: String)]

        init(_ table: Table) {
            self.table = table
            let positions = table.columns.indices.filter { $0 != table.primaryKey }
            indexed = positions.filter { table.columns[$0].isIndexed }
            unique = positions.filter { table.columns[$0].isUnique }
            references = table.columns.indices.compactMap { i in
                table.columns[i].references.map { (i, $0) }
            }
        }

        var name: String { table.name }
    }

    func tableInfo(_ name: String) throws(SQLError) -> TableInfo? {
        if let cached = schemaCache[name] { return cached }
        let bytes = try sqlStorage { try mvccTransaction.get(SQLKey.table(name).encoded) }
        let info = try bytes.map { (bytes) throws(SQLError) in TableInfo(try SchemaCodec.decode(bytes)) }
        schemaCache[name] = .some(info)
        return info
    }

    func mustTable(_ name: String) throws(SQLError) -> TableInfo {
        guard let info = try tableInfo(name) else {
            throw SQLError(.semantic, "table \(name) does not exist")
        }
        return info
    }

    /// Every table in name order.
    func allTables() throws(SQLError) -> [TableInfo] {
        if let cached = allTablesCache { return cached }
        var infos: [TableInfo] = []
        let cursor = try sqlStorage { try mvccTransaction.scanPrefix(SQLKey.tablePrefix) }
        while let pair = try sqlStorage({ try cursor.next() }) {
            infos.append(TableInfo(try SchemaCodec.decode(pair.value)))
        }
        allTablesCache = infos
        return infos
    }

    private func forgetSchemas() {
        schemaCache.removeAll()
        allTablesCache = nil
    }

    /// The table and column that own the index named `name`, if any.
    private func indexOwner(_ name: String) throws(SQLError) -> (table: Table, column: String)? {
        for info in try allTables() {
            for column in info.table.columns where column.indexes.contains(name) {
                return (info.table, column.name)
            }
        }
        return nil
    }

    func write(_ key: SQLKey, _ value: [UInt8]) throws(SQLError) {
        try sqlStorage { try mvccTransaction.set(key.encoded, value) }
    }

    /// Deletes every key under `prefix` (in batches: the keys are collected before deleting so
    /// the scan never walks over its own deletions).
    ///
    /// - Complexity: O(n) in the number of keys under the prefix.
    private func deleteAll(prefix: [UInt8]) throws(SQLError) {
        var start = KeyRange(prefix: prefix)
        while true {
            let cursor = try sqlStorage { try mvccTransaction.scan(start) }
            var keys: [[UInt8]] = []
            while keys.count < 1024, let pair = try sqlStorage({ try cursor.next() }) {
                keys.append(pair.key)
            }
            guard let last = keys.last else { return }
            for key in keys {
                try sqlStorage { try mvccTransaction.delete(key) }
            }
            start.start = .excluded(last)
        }
    }

    /// Writes the index entries of an existing column that had none.
    ///
    /// - Complexity: O(n) in the rows of the table, holding the entries in memory.
    private func buildIndex(table: Table, position: Int) throws(SQLError) {
        let column = table.columns[position]
        var entries: [[UInt8]: (value: Value, ids: [Value])] = [:]
        let cursor = try scan(table: table.name, filter: nil)
        while let row = try cursor.next() {
            guard row.indices.contains(position), row.indices.contains(table.primaryKey) else {
                throw SQLError(.storage, "corrupt row in table \(table.name): \(row.count) values for \(table.columns.count) columns")
            }
            let value = row[position]
            // The scan runs in primary key order, so each id list stays sorted.
            entries[SQLKey.encodedValue(value), default: (value, [])].ids.append(row[table.primaryKey])
        }
        for (_, entry) in entries {
            try write(.index(table: table.name, column: column.name, value: entry.value),
                      RowCodec.encodeIDs(entry.ids))
        }
    }

    /// Fails if two rows share a non-NULL, non-NaN value in `column`'s index.
    private func checkNoDuplicates(table: Table, column: Column) throws(SQLError) {
        let prefix = SQLKey.indexPrefix(table: table.name, column: column.name)
        let cursor = try sqlStorage { try mvccTransaction.scanPrefix(prefix) }
        while let pair = try sqlStorage({ try cursor.next() }) {
            let ids = try RowCodec.decodeIDs(pair.value)
            guard ids.count > 1 else { continue }
            guard case .index(_, _, let value) = try sqlStorage({ try SQLKey.decode(pair.key) }) else { continue }
            if value.isDistinctWhenUnique { continue }
            throw SQLError(.constraint,
                           "cannot make column \(column.name) unique: rows \(ids[0]) and \(ids[1]) of table \(table.name) both hold \(value)")
        }
    }
}

extension Value {
    /// NULL and NaN never collide in a UNIQUE column (no two of them are equal), although the
    /// index keeps them under one entry each so `IS NULL` / `IS NAN` lookups work.
    var isDistinctWhenUnique: Bool {
        switch self {
        case .null: true
        case .float(let f): f.isNaN
        default: false
        }
    }
}
