import Encoding
import SQL
import Storage
import Synchronization

/// How a SQL session reaches the cluster: through one node, which forwards to the leader.
/// The in-process `LocalCluster` provides one per node; a network client can provide another.
public protocol ClusterClient: AnyObject, Sendable {
    /// Sends a command through the log and returns the state machine's answer once the entry
    /// is applied. Throws `.unavailable` (saying whether the command took effect) when there
    /// is no leader or the node is down.
    func write(_ command: [UInt8]) throws(SQLError) -> [UInt8]
    /// Runs a linearizable read on the leader's applied state.
    func read(_ query: [UInt8]) throws(SQLError) -> [UInt8]
}

/// Counts of what the statements of one session cost the cluster (`.explain analyze`).
public struct ClusterCounters: Sendable, Hashable {
    /// Linearizable reads (each a read-index round to a quorum).
    public var reads = 0
    /// Commands that went through the log (each one entry).
    public var writes = 0
    public init() {}
}

/// The SQL `Engine` of a Raft cluster, for one client: reads are linearizable queries to the
/// leader, and each statement's writes travel as one log entry (see the module documentation).
public final class RaftEngine: Engine, @unchecked Sendable {
    /// The node this engine talks to; `.connect NODE` changes it.
    public var client: any ClusterClient {
        get { state.withLock { $0.client } }
        set { state.withLock { $0.client = newValue } }
    }
    /// This client's id in the commands it sends, unique in the cluster.
    public let clientID: UInt64
    private let state: Mutex<(client: any ClusterClient, sequence: UInt64, counters: ClusterCounters)>
    /// Rows fetched from the leader per scan round trip.
    public static let scanPage = 4096

    public init(client: any ClusterClient, clientID: UInt64) {
        self.clientID = clientID
        state = Mutex((client, 0, ClusterCounters()))
    }

    /// What this engine's requests have cost so far.
    public var counters: ClusterCounters { state.withLock { $0.counters } }

    public func begin() throws(SQLError) -> any Transaction {
        let answer = try send(.begin)
        return RaftTransaction(engine: self, mode: .explicit(try Self.state(from: answer)))
    }

    public func beginStatement() throws(SQLError) -> any Transaction {
        RaftTransaction(engine: self, mode: .autocommit(snapshot: try snapshot(asOf: nil)))
    }

    public func beginReadOnly(asOf version: UInt64?) throws(SQLError) -> any Transaction {
        RaftTransaction(engine: self, mode: .readOnly(try snapshot(asOf: version)))
    }

    public func resume(_ transactionState: TransactionState) throws(SQLError) -> any Transaction {
        RaftTransaction(engine: self, mode: transactionState.readOnly ? .readOnly(transactionState) : .explicit(transactionState))
    }

    private func snapshot(asOf version: UInt64?) throws(SQLError) -> TransactionState {
        var r = try query(.snapshot(asOf: version))
        return try SQLWire.readState(&r)
    }

    // MARK: Requests

    /// Sends a command with this client's next sequence number.
    func send(_ action: SQLCommand.Action) throws(SQLError) -> [UInt8] {
        let (client, sequence) = state.withLock { state in
            state.sequence += 1
            state.counters.writes += 1
            return (state.client, state.sequence)
        }
        return try client.write(SQLCommand(client: clientID, sequence: sequence, action: action).encoded())
    }

    /// Runs a read and opens its answer.
    func query(_ query: SQLQuery) throws(SQLError) -> BinaryReader {
        let client = state.withLock { state in
            state.counters.reads += 1
            return state.client
        }
        return try SQLAnswer.open(try client.read(query.encoded()))
    }

    static func state(from answer: [UInt8]) throws(SQLError) -> TransactionState {
        var r = try SQLAnswer.open(answer)
        return try SQLWire.readState(&r)
    }
}

/// A transaction on a `RaftEngine`. Reads go to the leader; writes wait in a buffer until the
/// statement ends, and then leave as one log entry (the commit of an autocommitted statement,
/// or `finishStatement` inside BEGIN … COMMIT). A savepoint is a position in that buffer, so
/// undoing a failed statement never needs the log.
final class RaftTransaction: Transaction {
    enum Mode {
        /// BEGIN … COMMIT: a version of its own, allocated by a log entry.
        case explicit(TransactionState)
        /// One autocommitted statement: reads on a snapshot; the version comes with the commit.
        case autocommit(snapshot: TransactionState)
        case readOnly(TransactionState)
    }

    private let engine: RaftEngine
    private var mode: Mode
    private var buffer: [Mutation] = []
    private var schemas: [String: Table?] = [:]
    private var finished = false

    init(engine: RaftEngine, mode: Mode) {
        self.engine = engine
        self.mode = mode
    }

    var state: TransactionState {
        switch mode {
        case .explicit(let state), .readOnly(let state): state
        case .autocommit(let snapshot): snapshot
        }
    }

    var version: UInt64 { state.version }
    var isReadOnly: Bool { if case .readOnly = mode { true } else { false } }

    // MARK: Ending

    func commit() throws(SQLError) {
        try checkOpen()
        finished = true
        let writes = buffer
        buffer = []
        switch mode {
        case .readOnly: return
        case .explicit(let state):
            _ = try SQLAnswer.open(try engine.send(writes.isEmpty ? .commit(state) : .write(state, writes, commit: true)))
        case .autocommit(let snapshot):
            mode = .autocommit(snapshot: try RaftEngine.state(from: try engine.send(.autocommit(snapshot: snapshot, writes, commit: true))))
        }
    }

    func rollback() throws(SQLError) {
        try checkOpen()
        finished = true
        buffer = []
        switch mode {
        case .readOnly: return
        case .explicit(let state): _ = try SQLAnswer.open(try engine.send(.rollback(state)))
        case .autocommit(let snapshot):
            // A local engine spends a version on a failed write statement; spend it here too,
            // so both engines number transactions alike.
            _ = try SQLAnswer.open(try engine.send(.autocommit(snapshot: snapshot, [], commit: false)))
        }
    }

    func savepoint() throws(SQLError) -> Savepoint { Savepoint(id: buffer.count) }

    func rollback(to savepoint: Savepoint) throws(SQLError) {
        if savepoint.id < buffer.count { buffer.removeSubrange(max(0, savepoint.id)...) }
    }

    func finishStatement() throws(SQLError) {
        guard case .explicit(let state) = mode, !buffer.isEmpty else { return }
        let writes = buffer
        buffer = []
        if writes.contains(where: \.changesSchema) { schemas = [:] }
        _ = try SQLAnswer.open(try engine.send(.write(state, writes, commit: false)))
    }

    private func checkOpen() throws(SQLError) {
        if finished { throw SQLError(.transaction, "transaction \(version) has already ended") }
    }

    // MARK: Writes: buffered until the statement ends

    private func buffer(_ mutation: Mutation) throws(SQLError) {
        try checkOpen()
        if isReadOnly { throw SQLError(.transaction, "cannot write in a read-only transaction") }
        buffer.append(mutation)
    }

    func createTable(_ table: Table) throws(SQLError) {
        // Answered before the write, as a local engine does, so the error reads the same.
        if try self.table(table.name) != nil { throw SQLError(.semantic, "table \(table.name) already exists") }
        try buffer(.createTable(table))
    }

    func dropTable(_ name: String) throws(SQLError) -> Bool {
        guard try table(name) != nil else { return false }
        try buffer(.dropTable(name))
        return true
    }

    func createIndex(name: String, table: String, column: String, unique: Bool) throws(SQLError) {
        try buffer(.createIndex(name: name, table: table, column: column, unique: unique))
    }

    func dropIndex(name: String) throws(SQLError) -> Bool {
        let exists = try tables().contains { $0.columns.contains { $0.indexes.contains(name) } }
        guard exists else { return false }
        try buffer(.dropIndex(name))
        return true
    }

    func insert(table: String, rows: [Row]) throws(SQLError) { try buffer(.insert(table: table, rows: rows)) }

    func update(table: String, rows: [Value: Row]) throws(SQLError) {
        // Key order, so the entry's bytes do not depend on this process's hash seed.
        let ordered = rows.map { Mutation.UpdatedRow(id: $0.key, row: $0.value) }
            .sorted { SQLKey.row(table: table, id: $0.id).encoded.lexicographicallyPrecedes(SQLKey.row(table: table, id: $1.id).encoded) }
        try buffer(.update(table: table, rows: ordered))
    }

    func delete(table: String, ids: [Value]) throws(SQLError) { try buffer(.delete(table: table, ids: ids)) }

    // MARK: Reads: linearizable queries to the leader

    func table(_ name: String) throws(SQLError) -> Table? {
        if let cached = schemas[name] { return cached }
        var r = try engine.query(.table(state, name))
        let table: Table? = try wire { try r.readBool() } ? try SQLWire.readTable(&r) : nil
        schemas[name] = .some(table)
        return table
    }

    func tables() throws(SQLError) -> [Table] {
        var r = try engine.query(.tables(state))
        let count = try wire { try r.readCount("tables") }
        var tables: [Table] = []
        for _ in 0..<min(count, r.remainingCount) { tables.append(try SQLWire.readTable(&r)) }
        return tables
    }

    /// Decodes every column (`reading` only allows leaving some out): the rows come over the wire whole.
    func get(table: String, ids: [Value], reading: Set<Int>?) throws(SQLError) -> [Row] {
        var r = try engine.query(.get(state, table: table, ids: ids))
        return try SQLWire.readRows(&r)
    }

    /// The rows come decoded from the leader (as for `get`), in the order of the ids, and are
    /// encoded again here: a copy the local engine's in-place read saves.
    func getStored(table: String, ids: [Value]) throws(SQLError) -> [(index: Int, row: StoredRow)] {
        guard let schema = try self.table(table) else { throw SQLError(.semantic, "table \(table) does not exist") }
        var index = 0
        var stored: [(index: Int, row: StoredRow)] = []
        for row in try get(table: table, ids: ids) where row.indices.contains(schema.primaryKey) {
            while index < ids.count, Value.sortOrder(ids[index], row[schema.primaryKey]) != 0 { index += 1 }
            guard index < ids.count else { break }
            stored.append((index, StoredRow(RowCodec.encode(row)[...])))
            index += 1
        }
        return stored
    }

    func lookupIndex(table: String, column: String, values: [Value]) throws(SQLError) -> [Value] {
        var r = try engine.query(.lookupIndex(state, table: table, column: column, values: values))
        return try SQLWire.readRow(&r)
    }

    /// Pages of stored rows come from the leader; here, as on a single node, a sieve the
    /// consumer offers (see `RowSieve`) drops rows before they are decoded, and only the
    /// columns the reader and the filter use are decoded. Each page's last row gives the
    /// primary key where the next page starts.
    func scan(table name: String, filter: Expression?, reading: Set<Int>?) throws(SQLError) -> any RowCursor {
        guard let table = try table(name) else { throw SQLError(.semantic, "table \(name) does not exist") }
        let keeping = RowCodec.keeping(reading, filter: filter, columns: table.columns.count)
        let pages = ScanPages(transaction: self, table: table, interval: KeyInterval(filter: filter, table: table))
        let slot = SieveSlot()
        let rows = StoredRowCursor(filter: filter, columns: table.columns.count, table: name, sieveSlot: slot) { _ throws(SQLError) in
            try pages.next(keeping: keeping, sieve: slot.sieve)
        }
        rows.versionCounts = { pages.versions }
        return rows
    }

    /// Fetches one page of stored rows after `after`, with the versions the leader's scan of it
    /// read and skipped.
    fileprivate func page(table: String, after: Value?) throws(SQLError) -> (rows: [[UInt8]], versions: VersionCounts) {
        var r = try engine.query(.scan(state, table: table, after: after, limit: RaftEngine.scanPage))
        let count = try wire { try r.readCount("rows") }
        var rows: [[UInt8]] = []
        rows.reserveCapacity(min(count, r.remainingCount))
        for _ in 0..<count { rows.append(try wire { try r.readBytes("row") }) }
        var versions = VersionCounts()
        for path in [\VersionCounts.read, \.uncommitted, \.newer, \.replaced, \.deleted] {
            versions[keyPath: path] = Int(clamping: try wire { try r.readUVarint("version count") })
        }
        return (rows, versions)
    }
}

/// A table scan fetched from the leader a page at a time, so `LIMIT 10` costs one small round
/// trip and a big table never has to fit in one message.
private final class ScanPages {
    private let transaction: RaftTransaction
    private let table: Table
    private var after: Value?
    private var exhausted = false
    /// The versions the pages so far read and skipped on the leader.
    private(set) var versions = VersionCounts()

    /// The primary keys the scan's filter allows: pages start at its lowest key and stop
    /// once they pass its highest.
    private let interval: KeyInterval?

    init(transaction: RaftTransaction, table: Table, interval: KeyInterval?) {
        self.transaction = transaction
        self.table = table
        self.interval = interval
        if let interval {
            if interval.isEmpty { exhausted = true }
            if interval.lowest != .min { after = .integer(interval.lowest - 1) }
        }
    }

    /// The next rows that `sieve` admits, decoded as `keeping` says (see `RowCodec.decode`),
    /// from as many pages as it takes to find one; empty at the end.
    func next(keeping: [Bool]?, sieve: RowSieve?) throws(SQLError) -> [Row] {
        var rows: [Row] = []
        while rows.isEmpty && !exhausted {
            let fetched = try transaction.page(table: table.name, after: after)
            versions.read += fetched.versions.read
            versions.uncommitted += fetched.versions.uncommitted
            versions.newer += fetched.versions.newer
            versions.replaced += fetched.versions.replaced
            versions.deleted += fetched.versions.deleted
            exhausted = fetched.rows.count < RaftEngine.scanPage
            guard let lastBytes = fetched.rows.last else { break }
            rows.reserveCapacity(fetched.rows.count)
            for bytes in fetched.rows {
                if let row = try RowCodec.decode(bytes[...], keeping: keeping, sieve: sieve, columns: table.columns.count) {
                    rows.append(row)
                }
            }
            // The last row (sieved out or not) is where the next page starts.
            let last = try RowCodec.decode(lastBytes, keeping: RowCodec.keeping([table.primaryKey], columns: table.columns.count))
            guard last.indices.contains(table.primaryKey) else {
                throw SQLError(.storage, "corrupt row in table \(table.name): \(last.count) values")
            }
            after = last[table.primaryKey]
            if let interval, case .integer(let key) = last[table.primaryKey], key >= interval.highest { exhausted = true }
        }
        return rows
    }
}

extension Mutation {
    /// Whether the mutation changes a schema (cached schemas must then be read again).
    var changesSchema: Bool {
        switch self {
        case .createTable, .dropTable, .createIndex, .dropIndex: true
        case .insert, .update, .delete: false
        }
    }
}
