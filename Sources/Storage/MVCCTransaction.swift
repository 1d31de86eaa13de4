/// One transaction: reads see its snapshot plus its own writes; writes are versioned with its
/// version and checked for conflicts. Owned by one session at a time (not Sendable).
///
/// A transaction must end with ``commit()`` or ``rollback()``. Dropping the object does not
/// end it — its state may have been exported to be resumed elsewhere — so it stays active.
public final class MVCCTransaction {
    /// What undoing one write needs: whether the key already had an own write before it.
    private enum Undo {
        /// The write created this transaction's version of the key: undo deletes it.
        case created(key: [UInt8])
        /// The write replaced an earlier own write (nil value = tombstone): undo restores it.
        case replaced(key: [UInt8], previous: [UInt8]?)
    }

    private let mvcc: MVCC
    /// The snapshot: version, read-only flag and the versions active at begin.
    public let state: TransactionState
    /// The writes since the first savepoint, for savepoint rollback.
    private var undoLog: [Undo] = []
    /// Whether a savepoint has been taken. Until then nothing is logged: a transaction without
    /// savepoints (an autocommit bulk insert) keeps no per-write memory; `rollback()` finds its
    /// writes through the stored write set instead.
    private var logging = false
    /// Set once commit or rollback has run.
    private var finished = false

    init(mvcc: MVCC, state: TransactionState) {
        self.mvcc = mvcc
        self.state = state
    }

    /// The transaction's version (for a read-only one: the version it reads below).
    public var version: UInt64 { state.version }
    /// Whether writes are refused.
    public var isReadOnly: Bool { state.readOnly }

    // MARK: - Reads

    /// The value of `key` in this transaction's snapshot, or nil if absent or deleted.
    /// - Complexity: O(log n + k), k = versions of `key` invisible to this transaction.
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try checkNotFinished()
        let state = self.state
        return try mvcc.locked { engine in
            // Versions of `key` up to our own, newest first; the first visible one wins.
            let range = KeyRange(start: .included(MVCCKey.version(key: key, version: 0).encoded),
                                 end: .included(MVCCKey.version(key: key, version: state.version).encoded))
            let cursor = engine.scan(range, reverse: true)
            while let pair = try cursor.next() {
                let stored = try MVCC.decodeVersion(pair)
                if state.isVisible(stored.version) { return stored.value }
            }
            return nil
        }
    }

    /// Streams the visible (non-deleted) keys in `range` with their values, in key order or
    /// reverse key order. The cursor reads the engine a batch at a time, so stopping early
    /// reads little. Other transactions' writes never show up (the snapshot is fixed); this
    /// transaction's own writes made while the cursor is open show up only if they land beyond
    /// the batch already fetched, so callers that write while scanning (an UPDATE) must not
    /// rely on seeing them — a key already returned is never returned again.
    /// - Complexity: O(log n) per batch plus O(1) per stored version passed over.
    public func scan(_ range: KeyRange, reverse: Bool = false) throws -> any KeyValueCursor {
        try checkNotFinished()
        return MVCCScanCursor(mvcc: mvcc, state: state, range: MVCCKey.versionRange(range), reverse: reverse)
    }

    /// Streams the visible keys starting with `prefix` (see ``scan(_:reverse:)``).
    public func scanPrefix(_ prefix: [UInt8], reverse: Bool = false) throws -> any KeyValueCursor {
        try checkNotFinished()
        return MVCCScanCursor(mvcc: mvcc, state: state, range: KeyRange(prefix: MVCCKey.versionPrefix(prefix)),
                              reverse: reverse)
    }

    // MARK: - Writes

    /// Sets `key` to `value` in this transaction.
    /// - Throws: `MVCCError.serialization` on a write-write conflict, `.readOnly`, `.notActive`.
    /// - Complexity: O(log n).
    public func set(_ key: [UInt8], _ value: [UInt8]) throws {
        try write(key, value)
    }

    /// Deletes `key` in this transaction (writes a tombstone version).
    /// - Throws: as ``set(_:_:)``.
    public func delete(_ key: [UInt8]) throws {
        try write(key, nil)
    }

    private func write(_ key: [UInt8], _ value: [UInt8]?) throws {
        try checkNotFinished()
        guard !state.readOnly else { throw MVCCError.readOnly }
        let state = self.state
        let undo: Undo = try mvcc.withStore { store in
            // Another handle of this transaction (see `MVCC.resume`) may have ended it.
            guard store.active.contains(state.version) else { throw MVCCError.notActive(state.version) }
            let engine = store.engine
            // Only the newest version matters. If we can see it, no older version is invisible
            // to us either: whoever wrote the newest one could see every older one (or it would
            // have failed this same check), and it committed before we began.
            let latest = try engine.scanPrefix(MVCCKey.versionsOf(key), reverse: true).next()
            var previous: [UInt8]?? = .none
            if let latest {
                let stored = try MVCC.decodeVersion(latest)
                guard state.isVisible(stored.version) else {
                    throw MVCCError.serialization(key: key, otherVersion: stored.version)
                }
                if stored.version == state.version { previous = .some(stored.value) }
            }
            try engine.set(MVCCKey.txnWrite(state.version, key: key).encoded, [])
            try engine.set(MVCCKey.version(key: key, version: state.version).encoded,
                           MVCCValues.encodeVersionValue(value))
            return previous.map { Undo.replaced(key: key, previous: $0) } ?? .created(key: key)
        }
        if logging { undoLog.append(undo) }
    }

    // MARK: - Savepoints

    /// Marks the current point; ``rollback(toSavepoint:)`` undoes every write made after it.
    public func savepoint() -> Int {
        logging = true
        return undoLog.count
    }

    /// Undoes the writes made since `savepoint`, newest first; the transaction stays open.
    /// - Throws: `MVCCError.invalidSavepoint` for a savepoint not handed out (or already undone).
    /// - Complexity: O(w log n), w = writes undone.
    public func rollback(toSavepoint savepoint: Int) throws {
        try checkNotFinished()
        guard logging, savepoint >= 0, savepoint <= undoLog.count else { throw MVCCError.invalidSavepoint(savepoint) }
        let undone = Array(undoLog[savepoint...].reversed())
        let version = state.version
        try mvcc.locked { engine in
            for entry in undone {
                switch entry {
                case .created(let key):
                    try engine.delete(MVCCKey.version(key: key, version: version).encoded)
                    try engine.delete(MVCCKey.txnWrite(version, key: key).encoded)
                case .replaced(let key, let previous):
                    try engine.set(MVCCKey.version(key: key, version: version).encoded,
                                   MVCCValues.encodeVersionValue(previous))
                }
            }
        }
        undoLog.removeSubrange(savepoint...)
    }

    // MARK: - Ending

    /// Makes every write of this transaction visible to transactions that begin afterwards.
    /// - Complexity: O(w log n), w = keys written.
    public func commit() throws {
        try checkNotFinished()
        if state.readOnly {
            finished = true
            return
        }
        let version = state.version
        let flush = mvcc.flushOnCommit
        try mvcc.withStore { store in
            guard store.active.contains(version) else { throw MVCCError.notActive(version) }
            let engine = store.engine
            // Deleting the marker is the commit point; the write set is only bookkeeping now.
            try engine.delete(MVCCKey.txnActive(version).encoded)
            store.active.remove(version)
            let writes = try engine.scanPrefix(MVCCKey.txnWritePrefix(version)).collect()
            for pair in writes { try engine.delete(pair.key) }
            if flush && !writes.isEmpty { try engine.flush() }
        }
        finished = true
        undoLog.removeAll()
    }

    /// Removes every write of this transaction and ends it.
    /// - Complexity: O(w log n), w = keys written.
    public func rollback() throws {
        try checkNotFinished()
        if state.readOnly {
            finished = true
            return
        }
        let version = state.version
        try mvcc.withStore { store in
            guard store.active.contains(version) else { throw MVCCError.notActive(version) }
            let engine = store.engine
            for pair in try engine.scanPrefix(MVCCKey.txnWritePrefix(version)).collect() {
                guard case .txnWrite(_, let key) = try MVCC.decodeKey(pair.key) else {
                    throw MVCCError.corrupt("unexpected key under transaction \(version)'s write set")
                }
                try engine.delete(MVCCKey.version(key: key, version: version).encoded)
                try engine.delete(pair.key)
            }
            // Last, so a crash midway leaves the transaction active and the rollback can redo.
            try engine.delete(MVCCKey.txnActive(version).encoded)
            store.active.remove(version)
        }
        finished = true
        undoLog.removeAll()
    }

    private func checkNotFinished() throws {
        guard finished else { return }
        throw state.readOnly ? MVCCError.snapshotEnded(state.version) : MVCCError.notActive(state.version)
    }
}
