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
/// stopped before and lets go. Raw pairs arrive grouped by user key, versions ascending (or
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
    /// Decided raw pairs (values, never tombstones) not yet returned by `next()`.
    private var decided: [KeyValue] = []
    private var decidedIndex = 0
    private var batchSize = 16
    /// The key being read (its raw key without the version), and how it stands so far.
    private var userKey: [UInt8] = []
    private var decision = Decision.undecided

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
        let stored = try MVCC.decodeVersion(raw)
        guard let value = stored.value else {
            throw MVCCError.corrupt("a tombstone reached the scan's output")  // never: filtered below
        }
        return KeyValue(key: stored.key, value: value)
    }

    /// The next visible value without decoding its key, for callers that only read values
    /// (a table scan: the row holds its own primary key).
    func nextValue() throws -> [UInt8]? {
        guard let raw = try nextDecided() else { return nil }
        return try MVCCValues.decodeVersionValue(raw.value, rawKey: raw.key)
    }

    /// `nextValue` without copying: decided versions are values (not tombstones), so their
    /// bytes start after the value marker.
    func nextValueInPlace() throws -> (bytes: [UInt8], start: Int)? {
        guard let raw = try nextDecided() else { return nil }
        return (raw.value, MVCCValues.payloadOffset)
    }

    /// Passes up to `limit` of the next visible values to `read` while the engine is locked:
    /// a table scan decodes its rows straight out of the engine's own buffers, and nothing in
    /// between is copied. When a newer visible version of the key just passed turns up, the
    /// cursor calls `withdraw` to take that value back. Returns how many values stand, 0 at
    /// the end.
    func readValues(limit: Int, _ read: (_ bytes: [UInt8], _ start: Int) throws -> Void,
                    withdraw: () -> Void) throws -> Int {
        if decidedIndex < decided.count {
            defer { (decided, decidedIndex) = ([], 0) }
            for pair in decided[decidedIndex...] { try read(pair.value, MVCCValues.payloadOffset) }
            return decided.count - decidedIndex
        }
        return try fill(limit: max(1, limit), emit: { _, value in try read(value, MVCCValues.payloadOffset) },
                        withdraw: withdraw)
    }

    /// The next decided raw pair, filling a batch when the last one is used up.
    private func nextDecided() throws -> KeyValue? {
        while decidedIndex == decided.count {
            if exhausted { return nil }
            var batch: [KeyValue] = []
            _ = try fill(limit: batchSize, emit: { key, value in batch.append(KeyValue(key: key, value: value)) },
                         withdraw: { _ = batch.popLast() })
            (decided, decidedIndex) = (batch, 0)
            batchSize = min(batchSize * 2, Self.maxBatchSize)
        }
        defer { decidedIndex += 1 }
        return decided[decidedIndex]
    }

    /// How the key being read stands so far.
    private enum Decision {
        /// No visible version of it yet.
        case undecided
        /// Its newest visible version so far is a value, already passed to `emit`.
        case emitted
        /// Its newest visible version so far is a tombstone (counted as deleted).
        case deleted
    }

    /// Walks on from `remaining` under the lock, deciding each key as its versions go by,
    /// until `limit` keys are decided (or the walk limit or the range's end is reached); each
    /// visible value goes to `emit`. Forward, versions come oldest first, so a key's value is
    /// passed on at once and withdrawn (`withdraw`) if a newer visible version follows —
    /// cheaper than holding every pair back until the next key shows up. A walk stops only
    /// between keys, so a value is never withdrawn after its batch has been handed over.
    /// Returns how many values stand: at least one unless the range is used up.
    private func fill(limit: Int, emit: (_ key: [UInt8], _ value: [UInt8]) throws -> Void,
                      withdraw: () -> Void) throws -> Int {
        var emitted = 0
        while emitted == 0 && !exhausted {
            // The scan's state in locals while walking: properties of a class cost a dynamic
            // exclusivity check on every access. The user-key buffer is moved out, so
            // refilling it copies bytes but never reallocates.
            var counts = versionCounts
            var userKey = self.userKey
            self.userKey = []
            var decision = self.decision
            var resumeAt: [UInt8]?
            let (range, reverse, state) = (remaining, self.reverse, self.state)
            try mvcc.locked { engine in
                var walked = 0
                try engine.walk(range, reverse: reverse) { key, value in
                    let sameKey = Self.isVersion(key, of: userKey)
                    if !sameKey {
                        guard emitted < limit && walked < Self.maxWalk else {
                            resumeAt = key
                            return false
                        }
                        userKey.removeAll(keepingCapacity: true)
                        userKey.append(contentsOf: key.prefix(max(0, key.count - 8)))
                        decision = .undecided
                    }
                    let version = try Self.version(of: key)
                    counts.read += 1
                    walked += 1
                    if reverse && decision != .undecided {
                        // Newest first: the first visible version decided the key.
                        counts.replaced += 1
                        return true
                    }
                    guard state.isVisible(version) else {
                        Self.countInvisible(version, state: state, in: &counts)
                        return true
                    }
                    switch decision {
                    case .undecided: break
                    case .emitted:
                        counts.replaced += 1
                        withdraw()
                        emitted -= 1
                    case .deleted:
                        counts.replaced += 1
                        counts.deleted -= 1
                    }
                    if try MVCCValues.isTombstone(value, rawKey: key) {
                        counts.deleted += 1
                        decision = .deleted
                    } else {
                        try emit(key, value)
                        emitted += 1
                        decision = .emitted
                    }
                    return true
                }
            }
            if let resumeAt {
                if reverse { remaining.end = .included(resumeAt) } else { remaining.start = .included(resumeAt) }
            } else {
                exhausted = true
            }
            (versionCounts, self.userKey, self.decision) = (counts, userKey, decision)
        }
        return emitted
    }

    /// Why a version is invisible: its writer was running when the snapshot began, or it came later.
    private static func countInvisible(_ version: UInt64, state: TransactionState, in counts: inout VersionCounts) {
        if state.active.contains(version) { counts.uncommitted += 1 } else { counts.newer += 1 }
    }

    /// The version of a raw `Version` key, checking its layout (tag, escapes, terminator)
    /// in place; a key that fails the check is decoded fully, which throws the precise error.
    static func version(of raw: [UInt8]) throws -> UInt64 {
        if let version = MVCCKey.versionIfWellFormed(raw) { return version }
        return try MVCC.decodeVersion(KeyValue(key: raw, value: [0x00])).version
    }

    /// Whether the raw `Version` key `raw` is a version of `userKey` (a raw key without its
    /// 8-byte version suffix).
    static func isVersion(_ raw: [UInt8], of userKey: [UInt8]) -> Bool {
        guard raw.count == userKey.count + 8, !userKey.isEmpty else { return false }
        return raw.withUnsafeBytes { pa in
            userKey.withUnsafeBytes { pb in
                guard let left = pa.baseAddress, let right = pb.baseAddress else { return false }
                return memcmp(left, right, userKey.count) == 0
            }
        }
    }
}
