#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the logical keys of a transaction's snapshot out of the raw `Version` keys.
///
/// The engine sits behind MVCC's lock, so the cursor cannot hold an engine cursor open. Each
/// fill takes the lock once and walks raw pairs from where the last fill stopped, deciding
/// keys as it goes, until it has a batch of decided keys (16 first, doubling up to 4096, so
/// `LIMIT 10` reads little and full scans lock rarely); then it remembers the raw key it
/// stopped at and lets go. Raw pairs arrive grouped by user key, versions ascending (or
/// descending when reversed), and the cursor keeps, per user key, the newest version the
/// snapshot can see. Versions it passes over are never copied out of the engine.
final class MVCCScanCursor: KeyValueCursor, VersionCounting {
    /// What the scan passed over so far (EXPLAIN ANALYZE shows it).
    private(set) var versionCounts = VersionCounts()
    private let mvcc: MVCC
    private let state: TransactionState
    private let reverse: Bool
    /// The raw range still to walk; its near end moves past each fill.
    private var remaining: KeyRange
    private var exhausted = false
    /// Decided raw pairs (values, never tombstones) not yet returned by `next()`: slices of
    /// the engine's buffers.
    private var decided: [BTreePair] = []
    private var decidedIndex = 0
    private var batchSize = 16
    /// Forward: the raw pair of the newest visible version seen so far of the key being read
    /// (slices of the engine's buffers, which stay valid when the engine changes).
    private var pending = Pending()
    /// Reverse: the raw key of the version that decided the last key (empty: none yet; no
    /// version key is empty).
    private var decidedKey: ArraySlice<UInt8> = []

    /// A pair kept across steps of a walk. Not an optional pair: Swift destroys an optional
    /// of slices through generic value witnesses, which cost more than the rest of a step.
    private struct Pending {
        var key: ArraySlice<UInt8> = []
        var value: ArraySlice<UInt8> = []
        var isSet = false
    }

    static let maxBatchSize = 4096
    /// The most raw versions one fill walks: a long run of versions the snapshot can't see
    /// must not hold the lock (and stall every other session) for long.
    static let maxWalk = 16_384

    init(mvcc: MVCC, state: TransactionState, range: KeyRange, reverse: Bool) {
        self.mvcc = mvcc
        self.state = state
        self.remaining = range
        self.reverse = reverse
    }

    func next() throws -> KeyValue? {
        guard let raw = try nextDecided() else { return nil }
        // Decided versions are values with well-formed keys: the user key and the value's
        // bytes are copied straight out (the full decode below is for a key that is not).
        if let key = MVCCKey.userKey(ifWellFormed: raw.key), MVCCValues.isTombstone(raw.value) == false {
            return KeyValue(key: key, value: Array(raw.value.dropFirst(MVCCValues.payloadOffset)))
        }
        let stored = try MVCC.decodeVersion(KeyValue(copying: raw.key, raw.value))
        guard let value = stored.value else {
            throw MVCCError.corrupt("a tombstone reached the scan's output")  // never: filtered below
        }
        return KeyValue(key: stored.key, value: value)
    }

    /// The next visible value without decoding its key, for callers that only read values
    /// (a table scan: the row holds its own primary key).
    func nextValue() throws -> [UInt8]? {
        guard let raw = try nextDecided() else { return nil }
        if MVCCValues.isTombstone(raw.value) == false { return Array(raw.value.dropFirst(MVCCValues.payloadOffset)) }
        return try MVCCValues.decodeVersionValue(Array(raw.value), rawKey: Array(raw.key))
    }

    /// Passes up to `limit` of the next visible values to `read` while the engine is locked:
    /// a table scan decodes its rows straight out of the engine's own buffers, and nothing in
    /// between is copied (decided versions are values, not tombstones, so their bytes start
    /// after the value marker). Returns how many it passed, 0 at the end.
    func readValues(limit: Int, _ read: (_ value: ArraySlice<UInt8>) throws -> Void) throws -> Int {
        if decidedIndex < decided.count {
            defer { (decided, decidedIndex) = ([], 0) }
            for pair in decided[decidedIndex...] { try read(pair.value.dropFirst(MVCCValues.payloadOffset)) }
            return decided.count - decidedIndex
        }
        return try fill(limit: max(1, limit)) { key, value in try read(value.dropFirst(MVCCValues.payloadOffset)) }
    }

    /// The next decided raw pair, filling a batch when the last one is used up.
    private func nextDecided() throws -> BTreePair? {
        while decidedIndex == decided.count {
            if exhausted { return nil }
            var batch: [BTreePair] = []
            _ = try fill(limit: batchSize) { key, value in batch.append(BTreePair(key: key, value: value)) }
            (decided, decidedIndex) = (batch, 0)
            batchSize = min(batchSize * 2, Self.maxBatchSize)
        }
        defer { decidedIndex += 1 }
        return decided[decidedIndex]
    }

    /// Walks on from `remaining` under the lock until `limit` keys are decided (or the walk
    /// limit or the range's end is reached), passing each decided value's raw pair to `emit`.
    /// Returns how many it emitted: at least one unless the range is used up.
    private func fill(limit: Int, _ emit: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) throws -> Int {
        var emitted = 0
        while emitted == 0 && !exhausted {
            // The scan's state in locals while walking: properties of a class cost a dynamic
            // exclusivity check on every access.
            var counts = versionCounts
            var pending = self.pending
            var decidedKey = self.decidedKey
            var stoppedAt: ArraySlice<UInt8>?
            let (range, reverse, state) = (remaining, self.reverse, self.state)
            try mvcc.locked { engine in
                var walked = 0
                try engine.walk(range, reverse: reverse) { key, value in
                    let version = try Self.version(of: key)
                    counts.read += 1
                    walked += 1
                    if reverse {
                        if !decidedKey.isEmpty, Self.sameUserKey(decidedKey, key) {
                            counts.replaced += 1
                        } else if !state.isVisible(version) {
                            Self.countInvisible(version, state: state, in: &counts)
                        } else {
                            // Versions come newest first: the first visible one decides its key.
                            decidedKey = key
                            if try MVCCValues.isTombstone(value, rawKey: key) {
                                counts.deleted += 1
                            } else {
                                try emit(key, value)
                                emitted += 1
                            }
                        }
                    } else if !state.isVisible(version) {
                        Self.countInvisible(version, state: state, in: &counts)
                    } else {
                        // Versions come oldest first: a key is decided when the next key shows up.
                        // (Swapped, not copied: the pair's slices change hands without a
                        // reference count each time they are read.)
                        var last = Pending(key: key, value: value, isSet: true)
                        swap(&last, &pending)
                        if last.isSet {
                            if Self.sameUserKey(last.key, key) {
                                counts.replaced += 1
                            } else if try MVCCValues.isTombstone(last.value, rawKey: last.key) {
                                counts.deleted += 1
                            } else {
                                try emit(last.key, last.value)
                                emitted += 1
                            }
                        }
                    }
                    guard emitted < limit && walked < Self.maxWalk else {
                        stoppedAt = key
                        return false
                    }
                    return true
                }
            }
            if let stoppedAt {
                let stoppedAt = Array(stoppedAt)
                if reverse { remaining.end = .excluded(stoppedAt) } else { remaining.start = .excluded(stoppedAt) }
            } else {
                exhausted = true
                if pending.isSet {
                    let last = pending
                    pending = Pending()
                    if try MVCCValues.isTombstone(last.value, rawKey: last.key) {
                        counts.deleted += 1
                    } else {
                        try emit(last.key, last.value)
                        emitted += 1
                    }
                }
            }
            (versionCounts, self.pending, self.decidedKey) = (counts, pending, decidedKey)
        }
        return emitted
    }

    /// Why a version is invisible: its writer was running when the snapshot began, or it came later.
    private static func countInvisible(_ version: UInt64, state: TransactionState, in counts: inout VersionCounts) {
        if state.active.contains(version) { counts.uncommitted += 1 } else { counts.newer += 1 }
    }

    /// The version of a raw `Version` key, checking its layout (tag, escapes, terminator)
    /// in place; a key that fails the check is decoded fully, which throws the precise error.
    static func version(of raw: ArraySlice<UInt8>) throws -> UInt64 {
        if let version = MVCCKey.versionIfWellFormed(raw) { return version }
        return try MVCC.decodeVersion(KeyValue(key: Array(raw), value: [0x00])).version
    }

    /// Whether two well-formed raw `Version` keys belong to the same user key: everything but
    /// their 8-byte version suffix is equal.
    static func sameUserKey(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        // Shorter than a version suffix: not a version key (and `count - 8` must not go negative).
        guard a.count == b.count, a.count >= 8 else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                guard let left = pa.baseAddress, let right = pb.baseAddress else { return true }
                return memcmp(left, right, a.count - 8) == 0
            }
        }
    }
}
