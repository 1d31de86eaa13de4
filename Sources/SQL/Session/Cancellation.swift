import Storage

/// A transaction seen through a cancellation check: every row a scan yields first asks whether
/// the client gave up (Ctrl-C in the REPL), and if so the statement fails with `.cancelled`.
///
/// Scans are where long statements spend their time — a sort, an aggregate or a join pulls
/// every row through one — so checking there stops any statement within a row or so, without
/// a check in every plan node. Everything else is passed through unchanged.
final class CancellableTransaction: Transaction {
    private let base: any Transaction
    private let isCancelled: @Sendable () -> Bool

    init(_ base: any Transaction, isCancelled: @escaping @Sendable () -> Bool) {
        self.base = base
        self.isCancelled = isCancelled
    }

    var version: UInt64 { base.version }
    var isReadOnly: Bool { base.isReadOnly }
    var state: TransactionState { base.state }
    func finishStatement() throws(SQLError) { try base.finishStatement() }
    func commit() throws(SQLError) { try base.commit() }
    func rollback() throws(SQLError) { try base.rollback() }
    func savepoint() throws(SQLError) -> Savepoint { try base.savepoint() }
    func rollback(to savepoint: Savepoint) throws(SQLError) { try base.rollback(to: savepoint) }

    func createTable(_ table: Table) throws(SQLError) { try base.createTable(table) }
    func dropTable(_ name: String) throws(SQLError) -> Bool { try base.dropTable(name) }
    func table(_ name: String) throws(SQLError) -> Table? { try base.table(name) }
    func tables() throws(SQLError) -> [Table] { try base.tables() }
    func createIndex(name: String, table: String, column: String, unique: Bool) throws(SQLError) {
        try base.createIndex(name: name, table: table, column: column, unique: unique)
    }
    func dropIndex(name: String) throws(SQLError) -> Bool { try base.dropIndex(name: name) }

    func insert(table: String, rows: [Row]) throws(SQLError) {
        try checkCancelled()
        try base.insert(table: table, rows: rows)
    }
    func update(table: String, rows: [Value: Row]) throws(SQLError) {
        try checkCancelled()
        try base.update(table: table, rows: rows)
    }
    func delete(table: String, ids: [Value]) throws(SQLError) {
        try checkCancelled()
        try base.delete(table: table, ids: ids)
    }
    func get(table: String, ids: [Value], reading: Set<Int>?) throws(SQLError) -> [Row] {
        try base.get(table: table, ids: ids, reading: reading)
    }
    func getStored(table: String, ids: [Value]) throws(SQLError) -> [(index: Int, row: StoredRow)] {
        try base.getStored(table: table, ids: ids)
    }
    func lookupIndex(table: String, column: String, values: [Value]) throws(SQLError) -> [Value] {
        try base.lookupIndex(table: table, column: column, values: values)
    }
    func scan(table: String, filter: Expression?, reading: Set<Int>?) throws(SQLError) -> any RowCursor {
        CancellableCursor(try base.scan(table: table, filter: filter, reading: reading), check: checkCancelled)
    }

    private func checkCancelled() throws(SQLError) {
        if isCancelled() { throw SQLError(.cancelled, "statement cancelled (Ctrl-C); it changed nothing") }
    }
}

/// A row cursor that runs a check before each row.
private final class CancellableCursor: RowCursor {
    private let base: any RowCursor
    private let check: () throws(SQLError) -> Void

    init(_ base: any RowCursor, check: @escaping () throws(SQLError) -> Void) {
        self.base = base
        self.check = check
    }

    func next() throws(SQLError) -> Row? {
        try check()
        return try base.next()
    }

    var scanCounts: ScanCounts? { base.scanCounts }

    /// Passed on, admitting every row once the statement is cancelled: a sieve that rejects a
    /// whole table would otherwise keep `next()` from returning, and the check from running.
    func offer(_ sieve: RowSieve) -> Bool {
        let check = self.check
        return base.offer(RowSieve(column: sieve.column) { value in
            (try? check()) == nil || sieve.admits(value)
        })
    }
}
