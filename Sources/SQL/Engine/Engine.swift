import Storage

/// A row: one value per column, in the table's column order.
public typealias Row = [Value]

/// What the executor runs against: begins transactions. `LocalEngine` runs them on MVCC in this
/// process; the cluster's `RaftEngine` will turn each operation into a Raft command.
public protocol Engine: AnyObject, Sendable {
    /// A read-write transaction.
    func begin() throws(SQLError) -> any Transaction
    /// A read-write transaction for one autocommitted statement. An engine may put off giving
    /// it a version until it commits (a replicated engine then needs one log entry, not two).
    func beginStatement() throws(SQLError) -> any Transaction
    /// A read-only transaction; with `asOf`, it sees the database as of that version (time travel).
    func beginReadOnly(asOf version: UInt64?) throws(SQLError) -> any Transaction
    /// Continues a transaction from its exported MVCC state (see `Transaction.state`), for
    /// example in another request or on the node that now leads.
    func resume(_ state: TransactionState) throws(SQLError) -> any Transaction
}

/// One transaction's operations: row batches and the catalog. Not thread-safe: one owner.
public protocol Transaction: AnyObject {
    /// The transaction's MVCC version.
    var version: UInt64 { get }
    var isReadOnly: Bool { get }
    /// The MVCC snapshot: version, read-only flag and the versions invisible to it. It names
    /// the transaction everywhere (drawings, other nodes, `Engine.resume`).
    var state: TransactionState { get }
    func commit() throws(SQLError)
    func rollback() throws(SQLError)

    /// Marks a point the transaction can return to if a statement fails.
    func savepoint() throws(SQLError) -> Savepoint
    /// Undoes every write made since `savepoint`.
    func rollback(to savepoint: Savepoint) throws(SQLError)
    /// Called by the session when a statement inside an explicit transaction has finished its
    /// work: an engine that buffers a statement's writes (a replicated one, which ships them
    /// as one log entry) applies them now, and fails the statement if they cannot be applied.
    func finishStatement() throws(SQLError)

    // MARK: Catalog
    func createTable(_ table: Table) throws(SQLError)
    /// Drops the table with its rows and indexes; false if it did not exist.
    func dropTable(_ name: String) throws(SQLError) -> Bool
    func table(_ name: String) throws(SQLError) -> Table?
    func tables() throws(SQLError) -> [Table]
    /// Adds a secondary index named `name` on `table.column`, indexing existing rows.
    func createIndex(name: String, table: String, column: String, unique: Bool) throws(SQLError)
    /// Removes the index named `name`; false if no such index exists.
    func dropIndex(name: String) throws(SQLError) -> Bool

    // MARK: Rows
    /// Inserts rows; fails on duplicate primary keys and constraint violations.
    func insert(table: String, rows: [Row]) throws(SQLError)
    /// Replaces rows by primary key (`rows` maps the old key to the new row).
    func update(table: String, rows: [Value: Row]) throws(SQLError)
    /// Deletes rows by primary key; fails if another table's row references one.
    func delete(table: String, ids: [Value]) throws(SQLError)
    /// The rows with these primary keys (missing keys are skipped), in the order of the ids.
    /// `reading` as for `scan`.
    func get(table: String, ids: [Value], reading: Set<Int>?) throws(SQLError) -> [Row]
    /// ``get(table:ids:reading:)`` without decoding: each row as stored, with the position of
    /// its id in `ids`. A lookup join decodes each row only as it returns it, so the row is
    /// built just before its reader takes it and freed just after: the allocator then hands
    /// back the same memory each time, where a thousand rows built at once each took its
    /// slow path.
    func getStored(table: String, ids: [Value]) throws(SQLError) -> [(index: Int, row: StoredRow)]
    /// Streams the rows of `table` in primary-key order, keeping those for which `filter`
    /// evaluates to TRUE. With `reading`, the caller looks at no other column positions than
    /// these, so the others may be left NULL instead of decoded (nil: every column).
    func scan(table: String, filter: Expression?, reading: Set<Int>?) throws(SQLError) -> any RowCursor
    /// The primary keys of rows whose indexed `column` equals one of `values`.
    func lookupIndex(table: String, column: String, values: [Value]) throws(SQLError) -> [Value]
}

extension Transaction {
    /// Every column of the rows with these primary keys.
    public func get(table: String, ids: [Value]) throws(SQLError) -> [Row] {
        try get(table: table, ids: ids, reading: nil)
    }

    /// Every column of `table`'s rows that `filter` keeps.
    public func scan(table: String, filter: Expression?) throws(SQLError) -> any RowCursor {
        try scan(table: table, filter: filter, reading: nil)
    }
}

extension Engine {
    /// Engines that write at once begin a statement's transaction like any other.
    public func beginStatement() throws(SQLError) -> any Transaction { try begin() }
}

extension Transaction {
    /// Engines that write at once have nothing left to do at the end of a statement.
    public func finishStatement() throws(SQLError) {}
}

/// An opaque mark inside a transaction (see `Transaction.savepoint()`).
public struct Savepoint: Sendable, Hashable {
    public let id: Int
    public init(id: Int) { self.id = id }
}

/// A pull iterator over rows; `next()` returns nil at the end.
public protocol RowCursor: AnyObject {
    func next() throws(SQLError) -> Row?
    /// What a table scan has examined so far, for EXPLAIN ANALYZE; nil for other cursors.
    var scanCounts: ScanCounts? { get }
    /// Offers the cursor a test its consumer applies to every row anyway (see `RowSieve`);
    /// returns whether the cursor (or one below it) took it. Most cursors decline.
    func offer(_ sieve: RowSieve) -> Bool
}

extension RowCursor {
    public var scanCounts: ScanCounts? { nil }
    public func offer(_ sieve: RowSieve) -> Bool { false }
}

/// A cheap test on one column of a cursor's rows, from a consumer that drops every row the
/// test rejects anyway: a top-N's "could this row still make the cut", a semi-join's "is this
/// key in the set". A table scan can run it on the column's stored bytes and never build the
/// rows it rejects, which for `ORDER BY … LIMIT 10` or a selective `IN (SELECT …)` is nearly
/// all of them. It is only advice: the consumer still checks every row it gets, so a sieve
/// may admit too much, never too little.
public struct RowSieve {
    /// The column of the offered-to cursor's rows that the test reads.
    public var column: Int
    /// False only for a value whose row the consumer is sure to drop.
    public var admits: (Value) -> Bool

    public init(column: Int, admits: @escaping (Value) -> Bool) {
        self.column = column
        self.admits = admits
    }
}

/// What a table scan examined: rows decoded before its filter, and the MVCC versions read and
/// skipped (nil when the storage does not count them, as on a cluster).
public struct ScanCounts: Sendable, Hashable {
    public var examined = 0
    public var versions: VersionCounts?

    public init() {}
}
