// # LocalEngine: SQL tables, rows and indexes as keys in an MVCC store
//
// The SQL layer thinks in tables, rows and indexes; the storage below only knows an ordered map
// from byte strings to byte strings (`StorageEngine`), made transactional by MVCC. This file and
// its neighbours are the bridge: they decide which key every piece of SQL data lives under and
// how its value is written, so that the operations the executor needs become cheap key lookups
// and prefix scans.
//
// ## The key layout
//
// Every SQL key is a tuple written with the order-preserving key encoding (module Encoding):
// the bytes of two encoded keys compare the way the tuples do. The first element is a one-byte
// tag that says what kind of key it is (`SQLKey`):
//
//     Table(name)                  → the table's schema          (tag 0x00)
//     Index(table, column, value)  → the set of primary keys     (tag 0x01)
//     Row(table, primary key)      → the row's values            (tag 0x02)
//
// Because the encoding preserves order, all rows of a table share the prefix `Row(table, …)` and
// sit next to each other sorted by primary key: a full table scan is one prefix scan, a primary
// key lookup is one `get`, and the scan comes back in primary-key order for free. Values inside
// keys are tagged by type (NULL < BOOLEAN < INTEGER < FLOAT < STRING) and ordered within a type
// the way SQL orders them: integers numerically (−3 < 2), strings by their UTF-8 bytes, floats
// totally (−inf < −1.5 < 0.0 < inf < NaN; −0.0 is stored as 0.0 and every NaN as one NaN, so
// equal values always have equal keys).
//
// ## One row and its index entries
//
//     CREATE TABLE movies (id INTEGER PRIMARY KEY, title STRING, genre STRING INDEX);
//     INSERT INTO movies VALUES (7, 'Alien', 'scifi');
//
// writes two keys (MVCC then wraps each in its own versioned key):
//
//     Row("movies", 7)                 → [7, 'Alien', 'scifi']   (RowCodec: compact binary)
//     Index("movies", "genre", 'scifi') → {7}                     (the ids having that value)
//
// A second sci-fi movie with id 9 adds itself to the same index entry, which becomes {7, 9}:
// `WHERE genre = 'scifi'` reads one index entry and then two rows, instead of scanning the table.
// A `UNIQUE` column is an index whose entries may hold only one id (NULLs never collide), and a
// `REFERENCES` column is always indexed, so deleting a referenced row can find who points at it
// with one lookup. NULL values are indexed too, which is what makes `IS NULL` an index lookup.
//
// ## Transactions
//
// Everything — schemas included — goes through one `MVCCTransaction`, so DDL is transactional
// (a CREATE TABLE rolled back never existed) and every statement sees a consistent snapshot.
// A write-write conflict with a concurrent transaction fails at once with a serialization error
// that names the row, index entry or table involved, so the user knows what to retry.
//
// Snapshot isolation checks only writes against writes, so constraints that span keys can be
// broken by two transactions that each look valid in their own snapshot (write skew, as in
// toyDB): one deletes a referenced row while another inserts a row referencing it, or one
// drops a table while another inserts into it. UNIQUE is safe, because both writers must write
// the same index entry and the second one fails.

import Foundation
import Storage

/// The SQL `Engine` running directly on an MVCC store in this process (memory or BitCask).
///
/// Thread-safe: `MVCC` serializes access to the storage; each transaction has one owner.
public final class LocalEngine: Engine {
    /// The transactional key/value store holding the catalog, rows and indexes.
    public let mvcc: MVCC
    /// What opening the storage found that a user must hear (a torn tail cut off), or nil.
    public let openNotice: String?

    /// Wraps `storage` in MVCC; the engine takes ownership of it. MVCC flushes the storage at
    /// every commit, which is what makes a returned COMMIT durable on BitCask.
    /// - Parameter flushOnCommit: false where something else makes commits durable (a Raft
    ///   node's log, which is flushed before any entry is applied).
    public init(storage: any StorageEngine, flushOnCommit: Bool = true, openNotice: String? = nil) throws(SQLError) {
        mvcc = try sqlStorage { try MVCC(engine: storage, flushOnCommit: flushOnCommit) }
        self.openNotice = openNotice
    }

    /// An empty database that lives in memory only.
    public static func memory() throws(SQLError) -> LocalEngine {
        try LocalEngine(storage: MemoryEngine(pointIndex: false))
    }

    /// Opens (or creates) a durable database in `directory`, stored with BitCask.
    ///
    /// - Throws: `SQLError(.storage, …)` naming the path if the directory cannot be created,
    ///   is used by another process, or holds a damaged log.
    /// - Parameter recoverAbandoned: roll back transactions a crash left active. An embedded
    ///   database wants that; a Raft node must not, because its transactions live on in the
    ///   log and only a log entry may end them (every node must reach the same state).
    public static func open(directory: String, recoverAbandoned: Bool = true) throws(SQLError) -> LocalEngine {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw SQLError(.storage, "cannot open database at \(directory): it is a file, not a directory")
        }
        let storage: BitCask
        do {
            storage = try BitCask(directory: directory, sync: syncPolicy)
        } catch {
            throw SQLError(.storage, "cannot open database in \(directory): \(error)")
        }
        let engine = try LocalEngine(storage: storage, openNotice: storage.openReport.notice)
        // No transaction outlives the process that ran it: any still marked active crashed
        // midway, and would otherwise hold its keys against every later writer forever.
        if recoverAbandoned {
            _ = try sqlStorage { try engine.mvcc.rollbackAbandonedTransactions() }
        }
        return engine
    }

    /// Writes are grouped and fsynced together, and MVCC flushes the engine when a read-write
    /// transaction commits: a COMMIT that returned is on disk, while the many writes inside one
    /// transaction cost one fsync instead of one each.
    static let syncPolicy = SyncPolicy.batched()

    public func begin() throws(SQLError) -> any Transaction {
        try LocalTransaction(sqlStorage { try mvcc.begin() }, mvcc: mvcc)
    }

    public func beginReadOnly(asOf version: UInt64?) throws(SQLError) -> any Transaction {
        try LocalTransaction(sqlStorage { try mvcc.beginReadOnly(asOf: version) }, mvcc: mvcc)
    }

    public func resume(_ state: TransactionState) throws(SQLError) -> any Transaction {
        try localTransaction(resuming: state)
    }

    /// `resume`, with the local transaction's own operations (such as paging stored rows).
    public func localTransaction(resuming state: TransactionState) throws(SQLError) -> LocalTransaction {
        try LocalTransaction(sqlStorage { try mvcc.resume(state) }, mvcc: mvcc)
    }

    /// A read-write transaction that sees only what `snapshot` saw (see `MVCC.begin(snapshot:)`):
    /// how a replica applies a statement that was planned and read on an earlier snapshot.
    public func begin(snapshot: TransactionState) throws(SQLError) -> any Transaction {
        try LocalTransaction(sqlStorage { try mvcc.begin(snapshot: snapshot) }, mvcc: mvcc)
    }
}
