import Encoding
import Synchronization

/// # MVCC: transactions with snapshot isolation over a plain key/value engine
///
/// A storage engine is a single ordered map: one value per key, changed in place. A database
/// needs more: many transactions running at once, each seeing a consistent database, none
/// seeing another's half-done work, and a rollback that leaves no trace. *Multi-version
/// concurrency control* gets there by never overwriting: every write adds a new **version**
/// of the key, and each transaction reads the versions that belong to its **snapshot**.
///
/// ## Versions and snapshots
/// `begin()` hands out the next number from a counter: that number is the transaction's
/// **version**, and every value it writes is stored under `(key, version)`. It also records
/// which transactions are still running at that moment (the **active set**). Together they
/// define the snapshot, and the one visibility rule is:
///
/// > version `v` is visible to transaction `T` iff `v == T.version` (its own write), or
/// > `v < T.version` and `v` is not in `T.active` (committed before `T` began).
///
/// A read of `key` scans its versions from newest to oldest and returns the first visible
/// one; a *tombstone* (a version with no value) means "deleted". A read-only transaction
/// takes no version: it reads below the next version with the current active set, and
/// `beginReadOnly(asOf: v)` reads below `v` with the active set `v` saw — time travel.
///
/// ## Writes, conflicts, commit and rollback
/// Before writing `key`, `T` looks at its latest version. If that version is invisible to `T`
/// (written by a transaction still running, or by one that began after `T` — even if it has
/// committed), two transactions are updating the same key concurrently and `T` fails at once
/// with a **serialization** error; the caller retries the whole transaction. (This is "first
/// updater wins": no waiting, no deadlocks.) Each write is also noted in `T`'s write set.
/// **Commit** deletes `T`'s active marker — the single write that makes all of `T`'s versions
/// visible to transactions beginning afterwards — and then its write set. **Rollback** deletes
/// every version in the write set, then the marker. Savepoints keep an in-memory undo log, so
/// one failed statement can be undone without ending the transaction.
///
/// ## Key layout (all keys order-preserving, see `Encoding`)
/// | key                              | value                          |
/// |----------------------------------|--------------------------------|
/// | `0x01 NextVersion`               | next version (varint)          |
/// | `0x02 TxnActive(version)`        | empty: "this txn is running"   |
/// | `0x03 TxnActiveSnapshot(version)`| active set at begin (for AS OF)|
/// | `0x04 TxnWrite(version, key)`    | empty: write set entry         |
/// | `0x05 Version(key, version)`     | `0x00` tombstone / `0x01` value|
/// | `0x06 Unversioned(key)`          | value (metadata)               |
///
/// Because `Version` keys sort by key and then by version, all versions of a key are adjacent,
/// the newest last, and a range of user keys is a range of engine keys: scans stream straight
/// through the engine, a batch at a time.
///
/// ## What snapshot isolation prevents and allows
/// Prevented: **dirty write** (overwriting uncommitted data: serialization error), **dirty
/// read** (uncommitted versions are invisible), **lost update** (two read-modify-writes of one
/// key: the second writer fails), **fuzzy/non-repeatable read** and **read skew** (the
/// snapshot never changes), **phantoms** (new rows committed later are invisible to scans).
/// Allowed: **write skew** — two transactions each read what the other writes and write
/// disjoint keys (both on call duty, each signs off because the other is on duty). No key is
/// written twice, so both commit. Serializable isolation would need read tracking; Cutaway
/// stays with snapshot isolation, like toyDB, Oracle's "serializable" and PostgreSQL's
/// repeatable read.
///
/// ## Crashes
/// A commit that wrote something flushes the engine before it returns (unless disabled), so
/// it survives a crash. A transaction caught mid-way by a crash keeps its active marker
/// forever — its versions stay invisible and block writers of the same keys — so an embedded
/// database calls `rollbackAbandonedTransactions()` when it opens its files.
///
/// Old versions are never garbage-collected: that keeps time travel simple (a known
/// limitation, like toyDB). The stories in `Tests/Scripts/MVCC/` show every
/// rule above at work, one command at a time.

/// Snapshot-isolated transactions over any ``StorageEngine``; thread-safe, shared by sessions.
///
/// All engine access goes through one `Mutex`, so every MVCC operation (a read, a write with
/// its conflict check, a commit) is atomic with respect to the others.
public final class MVCC: Sendable {
    /// The engine and a cache of MVCC's bookkeeping, behind the lock. Because MVCC owns the
    /// engine, the next version and the active set are loaded once and then kept in memory
    /// beside their stored copies, so `begin` and writes need not scan for them.
    /// `@unchecked` because the engine is not Sendable: `init` takes it over, and afterwards it
    /// is touched only inside the lock.
    struct Store: @unchecked Sendable {
        let engine: any StorageEngine
        /// The stored `NextVersion`.
        var nextVersion: UInt64
        /// The stored `TxnActive` versions.
        var active: Set<UInt64>
    }

    private let store: Mutex<Store>
    /// Whether commit calls `engine.flush()` after a read-write transaction that wrote.
    public let flushOnCommit: Bool

    /// Takes ownership of `engine`; the caller must not use it afterwards.
    ///
    /// Durability: by default a commit that wrote something flushes the engine before it
    /// returns, so a commit that returned survives a crash. Under BitCask's batched sync
    /// policy that costs one fsync per transaction, however many keys it wrote. The commit
    /// point is a single engine write (deleting the active marker) after all of the
    /// transaction's writes, so on an append-only log a crash keeps either the whole
    /// transaction or — once ``rollbackAbandonedTransactions()`` has run — none of it.
    /// - Parameter flushOnCommit: pass false to leave durability to the engine's own sync
    ///   policy (benchmarks without fsync, or an engine that syncs every write anyway).
    /// - Throws: `MVCCError.corrupt` if the engine holds an undecodable version counter.
    public init(engine: any StorageEngine, flushOnCommit: Bool = true) throws {
        let nextVersion = try Self.readNextVersion(engine)
        let active = try Self.readActive(engine)
        store = Mutex(Store(engine: engine, nextVersion: nextVersion, active: active))
        self.flushOnCommit = flushOnCommit
    }

    /// Runs `body` with exclusive access to the engine.
    func locked<T: Sendable>(_ body: (any StorageEngine) throws -> T) throws -> T {
        try store.withLock { store in try body(store.engine) }
    }

    /// Runs `body` with exclusive access to the engine and the cached bookkeeping; `body` must
    /// update the cache only after the engine write it mirrors has succeeded.
    func withStore<T: Sendable>(_ body: (inout Store) throws -> T) throws -> T {
        try store.withLock { store in try body(&store) }
    }

    // MARK: - Beginning transactions

    /// Begins a read-write transaction with a new version.
    /// - Complexity: O(log n + a), a = number of active transactions (copied into the snapshot).
    public func begin() throws -> MVCCTransaction {
        let state = try withStore { store in
            let version = store.nextVersion
            let (next, overflow) = version.addingReportingOverflow(1)
            if overflow { throw MVCCError.corrupt("the version counter is exhausted") }
            try store.engine.set(MVCCKey.nextVersion.encoded, MVCCValues.encodeVersion(next))
            store.nextVersion = next
            let active = store.active
            if !active.isEmpty {
                try store.engine.set(MVCCKey.txnActiveSnapshot(version).encoded, MVCCValues.encodeVersionSet(active))
            }
            try store.engine.set(MVCCKey.txnActive(version).encoded, [])
            store.active.insert(version)
            return TransactionState(version: version, readOnly: false, active: active)
        }
        return MVCCTransaction(mvcc: self, state: state)
    }

    /// Begins a read-write transaction with a new version that sees only what `snapshot` (a
    /// read-only state taken earlier) saw: everything that committed after the snapshot stays
    /// invisible, so writing a key that changed since is a conflict, as if the transaction had
    /// begun when the snapshot was taken.
    ///
    /// A replicated database reads first (on a snapshot, which writes nothing) and only then
    /// turns the statement's writes into one log entry; applying that entry begins here, so
    /// an autocommitted statement costs one entry yet keeps snapshot isolation.
    /// - Complexity: O(log n + a + g), g = versions handed out since the snapshot.
    public func begin(snapshot: TransactionState) throws -> MVCCTransaction {
        let state = try withStore { store in
            let version = store.nextVersion
            guard snapshot.version <= version else { throw MVCCError.invalidVersion(snapshot.version) }
            let (next, overflow) = version.addingReportingOverflow(1)
            if overflow { throw MVCCError.corrupt("the version counter is exhausted") }
            // Invisible: what was running at the snapshot, and every version handed out since.
            var invisible = snapshot.active
            for later in snapshot.version..<version { invisible.insert(later) }
            try store.engine.set(MVCCKey.nextVersion.encoded, MVCCValues.encodeVersion(next))
            store.nextVersion = next
            if !invisible.isEmpty {
                try store.engine.set(MVCCKey.txnActiveSnapshot(version).encoded, MVCCValues.encodeVersionSet(invisible))
            }
            try store.engine.set(MVCCKey.txnActive(version).encoded, [])
            store.active.insert(version)
            return TransactionState(version: version, readOnly: false, active: invisible)
        }
        return MVCCTransaction(mvcc: self, state: state)
    }

    /// Begins a read-only transaction: the latest committed data, or (with `asOf`) the data as
    /// transaction `version` saw it when it began (what had committed before it).
    /// - Throws: `MVCCError.invalidVersion` if `asOf` has not been handed out yet.
    public func beginReadOnly(asOf version: UInt64? = nil) throws -> MVCCTransaction {
        let state = try withStore { store in
            guard let version else {
                return TransactionState(version: store.nextVersion, readOnly: true, active: store.active)
            }
            guard version < store.nextVersion else { throw MVCCError.invalidVersion(version) }
            return TransactionState(version: version, readOnly: true,
                                    active: try Self.readActiveSnapshot(store.engine, version: version))
        }
        return MVCCTransaction(mvcc: self, state: state)
    }

    /// Continues a transaction from its exported state.
    /// - Throws: `MVCCError.notActive` if a read-write transaction has already ended;
    ///   `MVCCError.invalidVersion` if a read-only snapshot lies in the future.
    public func resume(_ state: TransactionState) throws -> MVCCTransaction {
        try withStore { store in
            if state.readOnly {
                guard state.version <= store.nextVersion else { throw MVCCError.invalidVersion(state.version) }
            } else {
                guard store.active.contains(state.version) else { throw MVCCError.notActive(state.version) }
            }
        }
        return MVCCTransaction(mvcc: self, state: state)
    }

    // MARK: - Unversioned metadata

    /// Reads an unversioned key (metadata kept outside transactions).
    public func getUnversioned(_ key: [UInt8]) throws -> [UInt8]? {
        try locked { try $0.get(MVCCKey.unversioned(key).encoded) }
    }

    /// Writes an unversioned key; it is visible at once to everyone and never rolled back.
    public func setUnversioned(_ key: [UInt8], _ value: [UInt8]) throws {
        try locked { try $0.set(MVCCKey.unversioned(key).encoded, value) }
    }

    /// The unversioned keys starting with `prefix` (without MVCC's own key prefix), in order.
    public func scanUnversioned(prefix: [UInt8]) throws -> [KeyValue] {
        var encoder = KeyEncoder()
        encoder.appendTag(MVCCKey.Tag.unversioned.rawValue)
        encoder.appendPrefix(bytes: prefix)
        let stored = encoder.bytes
        return try locked { engine in
            try engine.scanPrefix(stored).collect().compactMap { pair -> KeyValue? in
                guard case .unversioned(let key)? = try? MVCCKey.decode(pair.key) else { return nil }
                return KeyValue(key: key, value: pair.value)
            }
        }
    }

    /// Removes an unversioned key.
    public func deleteUnversioned(_ key: [UInt8]) throws {
        try locked { try $0.delete(MVCCKey.unversioned(key).encoded) }
    }

    // MARK: - Recovery

    /// Rolls back every transaction still marked active and removes leftover write-set
    /// entries of committed ones; returns the versions rolled back.
    ///
    /// For an embedded database that just opened its files: no transaction survives a
    /// restart, so any marked active crashed midway. (Do not call it where transactions are
    /// resumed across restarts, as with Raft.)
    /// - Complexity: O(w log n), w = write-set entries of unfinished transactions.
    @discardableResult
    public func rollbackAbandonedTransactions() throws -> [UInt64] {
        try withStore { store in
            let engine = store.engine
            let active = store.active
            for pair in try engine.scanPrefix([MVCCKey.Tag.txnWrite.rawValue]).collect() {
                guard case .txnWrite(let version, let key) = try Self.decodeKey(pair.key) else {
                    throw MVCCError.corrupt("unexpected key under the TxnWrite prefix")
                }
                if active.contains(version) {
                    try engine.delete(MVCCKey.version(key: key, version: version).encoded)
                }
                try engine.delete(pair.key)
            }
            for version in active {
                try engine.delete(MVCCKey.txnActive(version).encoded)
                store.active.remove(version)
            }
            try engine.flush()
            return active.sorted()
        }
    }

    // MARK: - Shared helpers (called with the lock held, or from init)

    static func readNextVersion(_ engine: any StorageEngine) throws -> UInt64 {
        guard let bytes = try engine.get(MVCCKey.nextVersion.encoded) else { return 1 }
        do {
            var r = BinaryReader(bytes)
            let version = try r.readUVarint("next version")
            try r.finish("next version")
            return version
        } catch {
            throw MVCCError.corrupt("the next-version counter: \(error)")
        }
    }

    /// The versions of all running transactions.
    static func readActive(_ engine: any StorageEngine) throws -> Set<UInt64> {
        var active = Set<UInt64>()
        let cursor = engine.scanPrefix(MVCCKey.txnActivePrefix)
        while let pair = try cursor.next() {
            guard case .txnActive(let version) = try decodeKey(pair.key) else {
                throw MVCCError.corrupt("unexpected key under the TxnActive prefix")
            }
            active.insert(version)
        }
        return active
    }

    /// The active set recorded when transaction `version` began (empty if none was running).
    static func readActiveSnapshot(_ engine: any StorageEngine, version: UInt64) throws -> Set<UInt64> {
        guard let bytes = try engine.get(MVCCKey.txnActiveSnapshot(version).encoded) else { return [] }
        do {
            var r = BinaryReader(bytes)
            let set = try MVCCValues.readVersionSet(&r)
            try r.finish("active set")
            return set
        } catch {
            throw MVCCError.corrupt("the active set of transaction \(version): \(error)")
        }
    }

    static func decodeKey(_ bytes: [UInt8]) throws(MVCCError) -> MVCCKey {
        do {
            return try MVCCKey.decode(bytes)
        } catch {
            throw .corrupt("engine key 0x\(hexString(bytes)): \(error)")
        }
    }

    /// Decodes a `Version` key and value.
    static func decodeVersion(_ pair: KeyValue) throws(MVCCError) -> (key: [UInt8], version: UInt64, value: [UInt8]?) {
        guard case .version(let key, let version) = try decodeKey(pair.key) else {
            throw .corrupt("engine key 0x\(hexString(pair.key)) is not a version key")
        }
        return (key, version, try MVCCValues.decodeVersionValue(pair.value, key: key, version: version))
    }
}
