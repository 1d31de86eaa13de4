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
        return try mvcc.locked { engine in try Self.visibleValue(of: key, in: engine, state: state) }
    }

    /// The values of `keys` in this transaction's snapshot, in the order given (nil: absent
    /// or deleted): ``get(_:)`` for many keys at once; see ``readValues(batch:_:)``.
    public func get(batch keys: KeyBatch) throws -> [[UInt8]?] {
        var values = [[UInt8]?](repeating: nil, count: keys.count)
        try readValues(batch: keys) { index, value in values[index] = Array(value) }
        return values
    }

    /// Calls `read` with the position of each of `keys` that has a value in this
    /// transaction's snapshot and that value — a slice of the engine's own buffer, read while
    /// the engine is locked — in the order given; absent and deleted keys are skipped. A lookup
    /// join decodes its rows this way without copying them out of the engine.
    ///
    /// The engine finds the newest version of every key in one call (`lastAtOrBefore` our own
    /// version of each key: one batched search of its B-tree, cheap when the keys come
    /// sorted, as a lookup join's do). Usually the snapshot sees that version; only a key whose
    /// newest version it cannot see is read again the one-by-one way, passing over the
    /// invisible versions.
    /// - Complexity: O(log n) per key, less for sorted, nearby keys; plus O(k) for a key with
    ///   k versions invisible to this transaction.
    public func readValues(batch keys: KeyBatch,
                           _ read: (_ index: Int, _ value: ArraySlice<UInt8>) throws -> Void) throws {
        try checkNotFinished()
        let state = self.state
        try mvcc.locked { engine in
            // Each key's version at our own version number: the newest version we could see.
            var ownVersions = KeyBatch(keys: keys.count, bytes: 2 * keys.bytes.count + 11 * keys.count)
            let userKeys = keys.bytes
            for index in 0..<keys.count {
                ownVersions.append { MVCCKey.appendVersionKey(userKeys[keys.range(index)], version: state.version, to: &$0) }
            }
            let probes = ownVersions.bytes
            try engine.lastAtOrBefore(ownVersions) { index, key, value in
                // The pair at or before our version may belong to an earlier key: then this
                // key has no version we could see.
                guard index < ownVersions.count,
                      MVCCScanCursor.sameUserKey(key, probes[ownVersions.range(index)]) else { return }
                // Equal to our own (well-formed) key but for the version: the key is well formed
                // too, so its last 8 bytes are its version.
                if state.isVisible(MVCCKey.trailingVersion(key)) {
                    if try !MVCCValues.isTombstone(value, rawKey: key) { try read(index, value.dropFirst(MVCCValues.payloadOffset)) }
                } else if let visible = try Self.visibleValue(of: keys[index], in: engine, state: state) {
                    try read(index, visible[...])
                }
            }
        }
    }

    /// The newest version of `key` that `state` sees (nil: none, or a tombstone).
    /// Called with the lock held.
    private static func visibleValue(of key: [UInt8], in engine: any StorageEngine,
                                     state: TransactionState) throws -> [UInt8]? {
        // Versions of `key` up to our own, newest first; the first visible one wins. Usually
        // the newest is visible, so the first batch holds one version; batches grow when there
        // are invisible ones to pass over.
        let prefix = MVCCKey.versionsOf(key)
        var range = KeyRange(start: .included(MVCCKey.versionKey(prefix: prefix, version: 0)),
                             end: .included(MVCCKey.versionKey(prefix: prefix, version: state.version)))
        var batchSize = 1
        while true {
            let batch = try engine.scanBatch(range, reverse: true, limit: batchSize)
            for pair in batch {
                let stored = try MVCC.decodeVersion(pair)
                if state.isVisible(stored.version) { return stored.value }
            }
            guard batch.count == batchSize, let last = batch.last else { return nil }
            range.end = .excluded(last.key)
            batchSize = min(batchSize * 4, 256)
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

    /// Writes `value` under `key` unless this transaction already sees a value there, and
    /// returns whether it wrote: ``get(_:)`` then ``set(_:_:)`` (an INSERT's primary-key check),
    /// with the same results and errors, but one lookup instead of two when the newest version
    /// is visible — the usual case.
    /// - Complexity: O(log n).
    public func setIfAbsent(_ key: [UInt8], _ value: [UInt8]) throws -> Bool {
        try setAllIfAbsent([(key, value)]) == nil
    }

    /// ``setIfAbsent(_:_:)`` for many keys in order, under one lock: a multi-row INSERT checks
    /// and writes all its rows in one batch instead of taking the lock and checking the
    /// transaction once per row. Stops at the first key the transaction already sees a value
    /// under and returns its position, with the keys before it written (as a loop of
    /// ``setIfAbsent(_:_:)`` would have left them); nil when every key was written.
    /// - Throws: as ``setIfAbsent(_:_:)``, for the first key that fails (earlier ones stay
    ///   written, and a savepoint rollback undoes them).
    /// - Complexity: O(k log n) for k keys.
    public func setAllIfAbsent(_ pairs: [(key: [UInt8], value: [UInt8])]) throws -> Int? {
        try checkNotFinished()
        guard !state.readOnly else {
            guard let first = pairs.first else { return nil }
            if try get(first.key) != nil { return 0 }
            throw MVCCError.readOnly
        }
        let state = self.state
        let logging = self.logging
        // Filled inside the lock and logged whatever happens, so a failure midway still leaves
        // the savepoint log knowing every write the batch made.
        var written: [Undo] = []
        defer { if logging { undoLog.append(contentsOf: written) } }
        return try mvcc.withStore { store in
            let active = store.active.contains(state.version)
            if pairs.count > 1 && Self.strictlyAscending(pairs) {
                return try Self.writeAscendingIfAbsent(pairs, state: state, active: active, engine: store.engine) {
                    if logging { written.append($0) }
                }
            }
            for (position, pair) in pairs.enumerated() {
                guard let undo = try Self.writeIfAbsent(pair.key, pair.value, state: state, active: active,
                                                        engine: store.engine) else { return position }
                if logging { written.append(undo) }
            }
            return nil
        }
    }

    /// One key of ``setAllIfAbsent(_:)``: its write, or nil when the transaction already sees
    /// a value there. `active` says whether the transaction is still running. Lock held.
    private static func writeIfAbsent(_ key: [UInt8], _ value: [UInt8], state: TransactionState, active: Bool,
                                      engine: any StorageEngine) throws -> Undo? {
        let prefix = MVCCKey.versionsOf(key)
        let latest = try latestVersion(prefix: prefix, in: engine)
        guard let latest, !state.isVisible(latest.version) else {
            // The newest version is what `get` would return.
            if latest?.value != nil { return nil }
            guard active else { throw MVCCError.notActive(state.version) }
            return try writeVersion(key, prefix: prefix, value, latest: latest, state: state, engine: engine)
        }
        // Invisible newest version: `get` reads further back, then `set` would fail.
        if try visibleValue(of: key, in: engine, state: state) != nil { return nil }
        guard active else { throw MVCCError.notActive(state.version) }
        throw MVCCError.serialization(key: key, otherVersion: latest.version)
    }

    /// Whether every key sorts after the one before it: then no key repeats, so a write made
    /// for one key cannot change what another key's lookup found.
    private static func strictlyAscending(_ pairs: [(key: [UInt8], value: [UInt8])]) -> Bool {
        for position in pairs.indices.dropFirst() where compareBytes(pairs[position - 1].key, pairs[position].key) >= 0 {
            return false
        }
        return true
    }

    /// ``setAllIfAbsent(_:)`` for distinct keys in ascending order (a bulk INSERT's rows), with
    /// the same results and errors as the key-by-key loop, which it falls back to for any key
    /// whose newest version this transaction cannot see. Lock held.
    ///
    /// Why it exists: the loop finds each key's newest version by its own descent from the
    /// root of the engine's B-tree, and in a large tree that was a quarter of a bulk insert's
    /// MVCC time. Here the engine finds all of them in one batched search (`lastAtOrBefore`),
    /// which for ascending keys mostly stays in one leaf. Finding them all before writing any is
    /// safe because the keys are distinct: each write adds a version of its own key only.
    private static func writeAscendingIfAbsent(_ pairs: [(key: [UInt8], value: [UInt8])], state: TransactionState,
                                               active: Bool, engine: any StorageEngine,
                                               logged: (Undo) -> Void) throws -> Int? {
        // Each key's greatest possible version key: what sorts at or before it is the key's
        // newest version, if it has any (else a version of a smaller key).
        var probes = pairs.map { MVCCKey.versionKey($0.key, version: .max) }
        // All lookups before any write. For each key with a version: the newest one's number
        // (nil if its key is malformed) and whether it is a tombstone (nil: an invalid marker).
        var newest = [(version: UInt64?, tombstone: Bool?)?](repeating: nil, count: pairs.count)
        try engine.lastAtOrBefore(KeyBatch(probes)) { position, key, value in
            guard MVCCScanCursor.sameUserKey(key, probes[position][...]) else { return }
            newest[position] = (MVCCKey.versionIfWellFormed(key), MVCCValues.isTombstone(value))
        }
        for (position, pair) in pairs.enumerated() {
            let probe = probes[position]
            var ownTombstone = false
            if let found = newest[position] {
                guard let version = found.version, state.isVisible(version), let tombstone = found.tombstone else {
                    // Invisible (or unreadable) newest version: the key-by-key path knows what to do.
                    guard let undo = try writeIfAbsent(pair.key, pair.value, state: state, active: active,
                                                       engine: engine) else { return position }
                    logged(undo)
                    continue
                }
                // A visible value is what `get` would return: the key is taken.
                if !tombstone { return position }
                ownTombstone = version == state.version
            }
            guard active else { throw MVCCError.notActive(state.version) }
            try engine.set(MVCCKey.txnWriteKey(version: state.version, versionKey: probe), [])
            // The stored key is a new buffer of its exact size, allocated right before its value,
            // not the probe: keys made all together, apart from their values and with room to
            // spare, made later scans of the table a fifth slower (more cache lines per row).
            try engine.set(MVCCKey.versionKey(sameKeyAs: probe, version: state.version),
                           MVCCValues.encodeVersionValue(pair.value))
            probes[position] = []
            logged(ownTombstone ? .replaced(key: pair.key, previous: nil) : .created(key: pair.key))
        }
        return nil
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
            let prefix = MVCCKey.versionsOf(key)
            let latest = try Self.latestVersion(prefix: prefix, in: engine)
            if let latest, !state.isVisible(latest.version) {
                throw MVCCError.serialization(key: key, otherVersion: latest.version)
            }
            return try Self.writeVersion(key, prefix: prefix, value, latest: latest, state: state, engine: engine)
        }
        if logging { undoLog.append(undo) }
    }

    /// The newest stored version of the key whose versions share `prefix`. Lock held.
    private static func latestVersion(prefix: [UInt8], in engine: any StorageEngine) throws
        -> (version: UInt64, value: [UInt8]?)? {
        guard let pair = try engine.scanBatch(KeyRange(prefix: prefix), reverse: true, limit: 1).first else { return nil }
        let stored = try MVCC.decodeVersion(pair)
        return (stored.version, stored.value)
    }

    /// Records `key` in the write set and stores its version, once the conflict check passed
    /// (`latest` is visible or absent). Lock held. The escaped key (`prefix`) is reused for both
    /// engine keys rather than encoded again.
    private static func writeVersion(_ key: [UInt8], prefix: [UInt8], _ value: [UInt8]?,
                                     latest: (version: UInt64, value: [UInt8]?)?,
                                     state: TransactionState, engine: any StorageEngine) throws -> Undo {
        try engine.set(MVCCKey.txnWriteKey(version: state.version, versionsPrefix: prefix), [])
        try engine.set(MVCCKey.versionKey(prefix: prefix, version: state.version),
                       MVCCValues.encodeVersionValue(value))
        if let latest, latest.version == state.version { return .replaced(key: key, previous: latest.value) }
        return .created(key: key)
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
            let writes = try engine.scanBatch(KeyRange(prefix: MVCCKey.txnWritePrefix(version)), reverse: false, limit: .max)
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
