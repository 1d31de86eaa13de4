import Storage

/// Row operations: each write checks the constraints (types, NOT NULL, primary key, UNIQUE,
/// REFERENCES) and keeps the table's index entries in step with its rows.
extension LocalTransaction {
    /// - Complexity: per row O(log n) storage operations per index, plus the size of each
    ///   index entry it touches.
    public func insert(table name: String, rows: [Row]) throws(SQLError) {
        let info = try mustTable(name)
        // Without UNIQUE, REFERENCES or indexes a row needs no check but its primary key's, so
        // the rows go to the MVCC store in one batch (one lock, one transaction check).
        guard info.unique.isEmpty && info.references.isEmpty && info.indexed.isEmpty else {
            for var row in rows {
                if info.table.hasRowID, row.indices.contains(info.table.primaryKey) {
                    row[info.table.primaryKey] = try nextRowID(info.table)
                }
                try insertRow(try validateRow(row, for: info.table), into: info)
            }
            return
        }
        var valid: [Row] = []
        valid.reserveCapacity(rows.count)
        // An invalid row is reported after the rows before it are written, so that a statement
        // with several faults names the same first one as a row-by-row insert would.
        var invalid: SQLError?
        for var row in rows {
            do throws(SQLError) {
                if info.table.hasRowID, row.indices.contains(info.table.primaryKey) {
                    row[info.table.primaryKey] = try nextRowID(info.table)
                }
                valid.append(try validateRow(row, for: info.table))
            } catch {
                invalid = error
                break
            }
        }
        let primaryKey = info.table.primaryKey
        let prefix = SQLKey.rowPrefix(table: info.name)
        let pairs = valid.map { row in (key: SQLKey.rowKey(prefix: prefix, id: row[primaryKey]), value: RowCodec.encode(row)) }
        if let existing = try sqlStorage({ try mvccTransaction.setAllIfAbsent(pairs) }), valid.indices.contains(existing) {
            throw SQLError(.constraint, "primary key \(valid[existing][primaryKey]) already exists in table \(info.name)")
        }
        if let invalid { throw invalid }
    }

    /// The next hidden row id of a table without a primary key, from a per-table-name counter
    /// kept as unversioned metadata (`Unversioned(table t)` in `.keys`): it is not part of any
    /// transaction, so two transactions inserting into the same table never conflict on it,
    /// and an id taken by a transaction that rolls back is simply skipped (gaps are harmless;
    /// ids only ever increase). On a cluster every node applies the same log entries in the
    /// same order to its own store, so every node assigns the same ids. The id is the counter
    /// less the table's `rowIDBase`, so a table created again after a DROP starts at 1.
    private func nextRowID(_ table: Table) throws(SQLError) -> Value {
        let next = try lastRowID(table.name) &+ 1
        try sqlStorage { try mvcc.setUnversioned(SQLKey.table(table.name).encoded, RowCodec.encode([.integer(next)])) }
        return .integer(next &- table.rowIDBase)
    }

    /// The row-id counter of the table name: the last id handed out under it, 0 for none yet.
    func lastRowID(_ table: String) throws(SQLError) -> Int64 {
        let stored = try sqlStorage { try mvcc.getUnversioned(SQLKey.table(table).encoded) }
        if let stored, case .integer(let last)? = try? RowCodec.decode(stored).first { return last }
        return 0
    }

    /// Applies the updates in primary-key order (like toyDB and Postgres, every intermediate
    /// state must satisfy the constraints: `SET id = id + 1` over ids 0 and 1 fails on 0 → 1).
    ///
    /// - Complexity: O(r log r) to order r rows, then per row O(log n) storage operations for
    ///   the row and each changed indexed column (plus the size of the entries touched).
    public func update(table name: String, rows: [Value: Row]) throws(SQLError) {
        let info = try mustTable(name)
        let ordered = rows.map { (key: SQLKey.encodedValue($0.key), id: $0.key, row: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        for update in ordered {
            try updateRow(id: update.id, idKey: update.key, to: try validateRow(update.row, for: info.table), in: info)
        }
    }

    /// Refuses the whole batch if any row is still referenced by a row that is not itself being
    /// deleted (a row referencing only itself, or other rows of the batch, may go).
    ///
    /// - Complexity: per id O(log n) storage operations for the row, each index entry it leaves
    ///   and each referencing column's index lookup.
    public func delete(table name: String, ids: [Value]) throws(SQLError) {
        let info = try mustTable(name)
        let deleting = Set(ids.map { SQLKey.encodedValue($0) })
        try checkNotReferenced(info, ids: ids, except: deleting)
        for id in ids {
            guard let row = try getRow(info, id) else { continue }
            try sqlStorage { try mvccTransaction.delete(SQLKey.row(table: info.name, id: id.canonicalized).encoded) }
            try removeIndexEntries(row, in: info)
        }
    }

    /// One batched MVCC get for all the ids (one lock, one batched search of the storage's
    /// B-tree), so ids in key order — as the executor passes them — cost little more than a
    /// scan over the rows they name.
    /// - Complexity: O(log n) per id, less for sorted, nearby ids.
    public func get(table name: String, ids: [Value], reading: Set<Int>?) throws(SQLError) -> [Row] {
        let info = try mustTable(name)
        let keeping = RowCodec.keeping(reading, columns: info.table.columns.count)
        return try getStored(table: name, ids: ids).map { _, stored throws(SQLError) in
            try checked(RowCodec.decode(stored.bytes, keeping: keeping), in: info)
        }
    }

    /// Each row's bytes are the engine's own (no copy); the rows come back in the order of the ids.
    /// - Complexity: as ``get(table:ids:reading:)``, without the decoding.
    public func getStored(table name: String, ids: [Value]) throws(SQLError) -> [(index: Int, row: StoredRow)] {
        let info = try mustTable(name)
        var rows: [(index: Int, row: StoredRow)] = []
        rows.reserveCapacity(ids.count)
        let keys = SQLKey.rowKeys(table: info.name, ids: ids)
        try sqlStorage {
            try mvccTransaction.readValues(batch: keys) { index, bytes in rows.append((index, StoredRow(bytes))) }
        }
        return rows
    }

    /// Streams through the MVCC cursor: rows are decoded (and filtered) one `next()` at a
    /// time, so reading the first few rows of a huge table touches only those.
    ///
    /// - Complexity: O(log n) to start, then O(1) amortized per stored version passed over.
    public func scan(table name: String, filter: Expression?, reading: Set<Int>?) throws(SQLError) -> any RowCursor {
        let info = try mustTable(name)
        let keeping = RowCodec.keeping(reading, filter: filter, columns: info.table.columns.count)
        var range = KeyRange(prefix: SQLKey.rowPrefix(table: info.name))
        // Only the stretch of keys the filter allows is read (`id >= 100 AND id < 200`).
        if let interval = KeyInterval(filter: filter, table: info.table) {
            if interval.isEmpty {
                return StoredRowCursor(filter: filter, columns: info.table.columns.count, table: info.name) { _ in [] }
            }
            if interval.lowest != .min {
                range.start = .included(SQLKey.row(table: info.name, id: .integer(interval.lowest)).encoded)
            }
            if interval.highest != .max {
                range.end = .included(SQLKey.row(table: info.name, id: .integer(interval.highest)).encoded)
            }
        }
        let cursor = try sqlStorage { try mvccTransaction.scan(range) }
        let slot = SieveSlot()
        let columns = info.table.columns.count
        let rows = StoredRowCursor(filter: filter, columns: columns, table: info.name, sieveSlot: slot) { limit throws(SQLError) in
            var rows: [Row] = []
            rows.reserveCapacity(limit)
            // With a sieve, a batch may reject every row it reads: read on (a lock at a time)
            // until one is kept, since an empty batch means the end.
            let sieve = slot.sieve
            while true {
                let read = try sqlStorage { try cursor.readValues(limit: limit) { bytes in
                    if let row = try RowCodec.decode(bytes, keeping: keeping, sieve: sieve, columns: columns) {
                        rows.append(row)
                    }
                } }
                if read == 0 || !rows.isEmpty { break }
            }
            return rows
        }
        rows.versionCounts = (cursor as? VersionCounting).map { counting in { counting.versionCounts } }
        return rows
    }

    /// Up to `limit` of the table's rows after the primary key `after` (from the first when
    /// nil), in key order, as their stored bytes (`RowCodec`): how a replicated engine pages
    /// a scan out of the leader without decoding each row twice. With them, the versions the
    /// page's scan read and skipped (EXPLAIN ANALYZE on a cluster shows their sum).
    ///
    /// - Complexity: O(log n + limit).
    public func scanStoredRows(table name: String, after: Value?, limit: Int) throws(SQLError)
        -> (rows: [[UInt8]], versions: VersionCounts) {
        let info = try mustTable(name)
        var range = KeyRange(prefix: SQLKey.rowPrefix(table: info.name))
        if let after { range.start = .excluded(SQLKey.row(table: info.name, id: after.canonicalized).encoded) }
        let cursor = try sqlStorage { try mvccTransaction.scan(range) }
        var rows: [[UInt8]] = []
        rows.reserveCapacity(min(limit, 4_096))
        // Each row copied once, straight out of the engine (no batch of pairs in between).
        while rows.count < limit {
            let read = try sqlStorage { try cursor.readValues(limit: limit - rows.count) { bytes in rows.append(Array(bytes)) } }
            if read == 0 { break }
        }
        return (rows, (cursor as? VersionCounting)?.versionCounts ?? VersionCounts())
    }

    /// The ids in key order, each once. On the primary key column it returns the given values
    /// whose rows exist.
    ///
    /// - Complexity: O(log n) per value plus the size of the index entries read.
    public func lookupIndex(table name: String, column columnName: String,
                            values: [Value]) throws(SQLError) -> [Value] {
        let info = try mustTable(name)
        guard let position = info.table.columnIndex(columnName) else {
            throw SQLError(.semantic, "unknown column \(columnName) in table \(info.name)")
        }
        let column = info.table.columns[position]
        var found: [[UInt8]: Value] = [:]
        if position == info.table.primaryKey {
            for (value, bytes) in zip(values, try storedRows(info, values)) where bytes != nil {
                found[SQLKey.encodedValue(value)] = value.canonicalized
            }
        } else {
            guard column.isIndexed else {
                throw SQLError(.semantic, "column \(column.name) of table \(info.name) has no index")
            }
            let keys = KeyBatch(values.map { SQLKey.index(table: info.name, column: column.name, value: $0.canonicalized).encoded })
            for bytes in try sqlStorage({ try mvccTransaction.get(batch: keys) }) {
                guard let bytes else { continue }
                for id in try RowCodec.decodeIDs(bytes) { found[SQLKey.encodedValue(id)] = id }
            }
        }
        return found.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    // MARK: - Internals

    /// The stored bytes of the rows with these ids, in the order given (nil: no such row).
    private func storedRows(_ info: TableInfo, _ ids: [Value]) throws(SQLError) -> [[UInt8]?] {
        let keys = SQLKey.rowKeys(table: info.name, ids: ids)
        return try sqlStorage { try mvccTransaction.get(batch: keys) }
    }

    func getRow(_ info: TableInfo, _ id: Value) throws(SQLError) -> Row? {
        let key = SQLKey.row(table: info.name, id: id.canonicalized).encoded
        guard let bytes = try sqlStorage({ try mvccTransaction.get(key) }) else { return nil }
        return try checked(RowCodec.decode(bytes), in: info)
    }

    /// A stored row with the table's number of columns (so positions from the schema are safe).
    func checked(_ row: Row, in info: TableInfo) throws(SQLError) -> Row {
        guard row.count == info.table.columns.count else {
            throw SQLError(.storage,
                           "corrupt row in table \(info.name): \(row.count) values for \(info.table.columns.count) columns")
        }
        return row
    }

    /// Writes one validated row: primary key, UNIQUE and REFERENCES checks, then the row and
    /// its index entries.
    private func insertRow(_ row: Row, into info: TableInfo) throws(SQLError) {
        let id = row[info.table.primaryKey]
        let key = SQLKey.row(table: info.name, id: id).encoded
        // No checks between the existence check and the write: fuse them (one lookup).
        if info.unique.isEmpty && info.references.isEmpty {
            guard try sqlStorage({ try mvccTransaction.setIfAbsent(key, RowCodec.encode(row)) }) else {
                throw SQLError(.constraint, "primary key \(id) already exists in table \(info.name)")
            }
            for position in info.indexed {
                try addIndexEntry(info, column: info.table.columns[position].name, value: row[position], id: id)
            }
            return
        }
        if try sqlStorage({ try mvccTransaction.get(key) }) != nil {
            throw SQLError(.constraint, "primary key \(id) already exists in table \(info.name)")
        }
        for position in info.unique {
            try checkUnique(row[position], column: info.table.columns[position], in: info, except: nil)
        }
        for reference in info.references {
            try checkReference(row[reference.position], to: reference.table, from: row, in: info)
        }
        try sqlStorage { try mvccTransaction.set(key, RowCodec.encode(row)) }
        for position in info.indexed {
            try addIndexEntry(info, column: info.table.columns[position].name, value: row[position], id: id)
        }
    }

    private func updateRow(id: Value, idKey: [UInt8], to row: Row, in info: TableInfo) throws(SQLError) {
        guard let old = try getRow(info, id) else {
            throw SQLError(.semantic, "row \(id) of table \(info.name) does not exist")
        }
        let newID = row[info.table.primaryKey]
        // A new primary key means a new key: delete and insert, with every check both imply.
        if SQLKey.encodedValue(newID) != idKey {
            try delete(table: info.name, ids: [id])
            try insertRow(row, into: info)
            return
        }
        let changed = row.indices.filter {
            old.indices.contains($0) && SQLKey.encodedValue(old[$0]) != SQLKey.encodedValue(row[$0])
        }
        for position in changed where info.unique.contains(position) {
            try checkUnique(row[position], column: info.table.columns[position], in: info, except: idKey)
        }
        for reference in info.references where changed.contains(reference.position) {
            try checkReference(row[reference.position], to: reference.table, from: row, in: info)
        }
        // The row first: a concurrent writer of the same row then conflicts on the row itself,
        // which is what the serialization error names.
        try write(.row(table: info.name, id: newID), RowCodec.encode(row))
        for position in changed where info.indexed.contains(position) {
            let column = info.table.columns[position].name
            try removeIndexEntry(info, column: column, value: old[position], id: newID)
            try addIndexEntry(info, column: column, value: row[position], id: newID)
        }
    }

    /// Fails if a row other than `except` (an encoded id) already holds `value` in `column`.
    private func checkUnique(_ value: Value, column: Column, in info: TableInfo,
                             except: [UInt8]?) throws(SQLError) {
        if value.isDistinctWhenUnique { return }
        let holders = try indexEntry(info, column: column.name, value: value)
        if let other = holders.first(where: { SQLKey.encodedValue($0) != except }) {
            throw SQLError(.constraint,
                           "value \(value) already in unique column \(column.name) (row \(other) of table \(info.name))")
        }
    }

    /// Fails unless `value` is NULL or the primary key of an existing row of `target` (or of
    /// `row` itself, for a row that references itself).
    private func checkReference(_ value: Value, to target: String, from row: Row,
                                in info: TableInfo) throws(SQLError) {
        if case .null = value { return }
        if target == info.name,
           SQLKey.encodedValue(value) == SQLKey.encodedValue(row[info.table.primaryKey]) { return }
        let targetInfo = try mustTable(target)
        if try getRow(targetInfo, value) == nil {
            throw SQLError(.constraint, "reference \(value) not in table \(target)")
        }
    }

    /// Fails if a row outside `except` (encoded ids) references one of `ids`.
    private func checkNotReferenced(_ info: TableInfo, ids: [Value], except: Set<[UInt8]>) throws(SQLError) {
        for source in try allTables() {
            for reference in source.references where reference.table == info.name {
                let column = source.table.columns[reference.position]
                for id in ids {
                    let referrers: [Value]
                    if reference.position == source.table.primaryKey {
                        referrers = try getRow(source, id) == nil ? [] : [id]
                    } else {
                        referrers = try indexEntry(source, column: column.name, value: id)
                    }
                    let selfReference = source.name == info.name
                    guard let referrer = referrers.first(where: {
                        !(selfReference && except.contains(SQLKey.encodedValue($0)))
                    }) else { continue }
                    let keyName = source.table.columns[source.table.primaryKey].name
                    throw SQLError(.constraint,
                                   "row \(id) of table \(info.name) is referenced by \(source.name).\(keyName)=\(referrer) (column \(column.name))")
                }
            }
        }
    }

    /// The ids (in key order) of the rows whose `column` holds `value`.
    func indexEntry(_ info: TableInfo, column: String, value: Value) throws(SQLError) -> [Value] {
        let key = SQLKey.index(table: info.name, column: column, value: value.canonicalized).encoded
        guard let bytes = try sqlStorage({ try mvccTransaction.get(key) }) else { return [] }
        return try RowCodec.decodeIDs(bytes)
    }

    /// - Complexity: O(k) in the ids already under the value (see `IndexEntry`).
    private func addIndexEntry(_ info: TableInfo, column: String, value: Value, id: Value) throws(SQLError) {
        let key = SQLKey.index(table: info.name, column: column, value: value.canonicalized).encoded
        let old = try sqlStorage { try mvccTransaction.get(key) }
        guard let new = try IndexEntry.adding(id, to: old) else { return }
        try sqlStorage { try mvccTransaction.set(key, new) }
    }

    /// - Complexity: O(k) in the ids under the value (see `IndexEntry`).
    private func removeIndexEntry(_ info: TableInfo, column: String, value: Value, id: Value) throws(SQLError) {
        let key = SQLKey.index(table: info.name, column: column, value: value.canonicalized).encoded
        guard let old = try sqlStorage({ try mvccTransaction.get(key) }) else { return }
        if let new = try IndexEntry.removing(id, from: old) {
            if new != old { try sqlStorage { try mvccTransaction.set(key, new) } }
        } else {
            try sqlStorage { try mvccTransaction.delete(key) }
        }
    }

    private func removeIndexEntries(_ row: Row, in info: TableInfo) throws(SQLError) {
        let id = row[info.table.primaryKey]
        for position in info.indexed where row.indices.contains(position) {
            try removeIndexEntry(info, column: info.table.columns[position].name, value: row[position], id: id)
        }
    }
}

/// Streams a table's rows, decoded a batch at a time from their stored bytes (under MVCC's
/// lock, or from pages fetched from a leader), keeping those the pushed-down filter accepts.
/// Batches start small, so `LIMIT 10` decodes little, and grow for long scans.
public final class StoredRowCursor: RowCursor {
    /// Up to `limit` further rows, decoded; empty at the end.
    private let nextRows: (_ limit: Int) throws(SQLError) -> [Row]
    private let filter: Expression?
    /// The table's column count, which every stored row must match.
    private let columns: Int
    private let table: String
    private var rows: [Row] = []
    private var index = 0
    private var batchSize = 16
    private var finished = false
    private var examined = 0
    /// The MVCC scan's counts underneath, when it keeps them (set by whoever feeds the rows).
    public var versionCounts: (() -> VersionCounts)?

    public var scanCounts: ScanCounts? {
        var counts = ScanCounts()
        counts.examined = examined
        counts.versions = versionCounts?()
        return counts
    }

    /// Where `nextRows` looks for a sieve a consumer offered; nil when it decodes every row.
    private let sieveSlot: SieveSlot?

    /// - Parameter nextRows: up to `limit` further rows, decoded; empty at the end.
    public convenience init(filter: Expression?, columns: Int, table: String,
                            nextRows: @escaping (_ limit: Int) throws(SQLError) -> [Row]) {
        self.init(filter: filter, columns: columns, table: table, sieveSlot: nil, nextRows: nextRows)
    }

    /// - Parameter sieveSlot: read by `nextRows` to skip rows before decoding them whole.
    public init(filter: Expression?, columns: Int, table: String, sieveSlot: SieveSlot?,
         nextRows: @escaping (_ limit: Int) throws(SQLError) -> [Row]) {
        self.nextRows = nextRows
        self.filter = filter
        self.columns = columns
        self.table = table
        self.sieveSlot = sieveSlot
    }

    /// Taken only without a filter: a sieve runs before the filter would, and a row it drops
    /// must not hide an error the filter would have raised on it.
    public func offer(_ sieve: RowSieve) -> Bool {
        guard let sieveSlot, filter == nil, (0..<columns).contains(sieve.column) else { return false }
        sieveSlot.sieve = sieve
        return true
    }

    public func next() throws(SQLError) -> Row? {
        while true {
            while index < rows.count {
                let row = rows[index]
                index += 1
                examined += 1
                guard row.count == columns else {
                    throw SQLError(.storage, "corrupt row in table \(table): \(row.count) values for \(columns) columns")
                }
                guard let filter else { return row }
                switch try filter.evaluate(row) {
                case .boolean(true): return row
                case .boolean(false), .null: continue
                case let other: throw SQLError(.type, "filter returned \(other), expected boolean")
                }
            }
            if finished { return nil }
            rows = try nextRows(batchSize)
            index = 0
            finished = rows.isEmpty
            batchSize = min(batchSize * 2, 1024)
        }
    }
}

/// The sieve a scan's consumer offered, shared between the cursor that takes the offer and
/// the closure that decodes its rows.
public final class SieveSlot {
    public var sieve: RowSieve?

    public init() {}
}
