#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the logical keys of a transaction's snapshot out of the raw `Version` keys.
///
/// The engine sits behind MVCC's lock, so the cursor cannot hold an engine cursor open. It
/// fetches raw pairs in batches (one lock acquisition and one engine walk each; 16 pairs
/// first, doubling up to 4096, so `LIMIT 10` reads little and full scans lock rarely) and resumes after the last raw
/// key it saw. Raw pairs arrive grouped by user key, versions ascending (or descending when
/// reversed), and the cursor keeps, per user key, the newest version the snapshot can see.
final class MVCCScanCursor: KeyValueCursor, VersionCounting {
    /// What the scan passed over so far (EXPLAIN ANALYZE shows it).
    private(set) var versionCounts = VersionCounts()
    private let mvcc: MVCC
    private let state: TransactionState
    private let reverse: Bool
    /// The raw range still to read; its near end moves past each batch.
    private var remaining: KeyRange
    private var batch: [KeyValue] = []
    private var batchIndex = 0
    private var batchSize = 16
    private var exhausted = false
    /// Forward: the raw pair of the newest visible version seen so far of the key being read.
    private var pending: KeyValue?
    /// Reverse: the raw key of the version that decided the last key.
    private var decidedKey: [UInt8]?

    static let maxBatchSize = 4096

    init(mvcc: MVCC, state: TransactionState, range: KeyRange, reverse: Bool) {
        self.mvcc = mvcc
        self.state = state
        self.remaining = range
        self.reverse = reverse
    }

    func next() throws -> KeyValue? {
        guard let raw = reverse ? try nextReverse() : try nextForward() else { return nil }
        let stored = try MVCC.decodeVersion(raw)
        guard let value = stored.value else {
            throw MVCCError.corrupt("a tombstone reached the scan's output")  // never: filtered below
        }
        return KeyValue(key: stored.key, value: value)
    }

    /// The next visible value without decoding its key, for callers that only read values
    /// (a table scan: the row holds its own primary key).
    func nextValue() throws -> [UInt8]? {
        guard let raw = reverse ? try nextReverse() : try nextForward() else { return nil }
        return try MVCCValues.decodeVersionValue(raw.value, rawKey: raw.key)
    }

    /// Versions come oldest first, so a key is decided only when the next key (or the end)
    /// shows up. Works on raw pairs: only the structure of each key is checked (without
    /// copying it), and a key is decoded only when it is returned. Returns a raw pair holding
    /// a value, never a tombstone.
    private func nextForward() throws -> KeyValue? {
        while let pair = try nextRaw() {
            let version = try Self.version(of: pair.key)
            versionCounts.read += 1
            guard state.isVisible(version) else {
                countInvisible(version)
                continue
            }
            let finished = pending.flatMap { Self.sameUserKey($0.key, pair.key) ? nil : $0 }
            if pending != nil && finished == nil { versionCounts.replaced += 1 }
            pending = pair
            if let finished {
                if try !MVCCValues.isTombstone(finished.value, rawKey: finished.key) { return finished }
                versionCounts.deleted += 1
            }
        }
        defer { pending = nil }
        if let last = pending {
            if try !MVCCValues.isTombstone(last.value, rawKey: last.key) { return last }
            versionCounts.deleted += 1
        }
        return nil
    }

    /// Versions come newest first, so the first visible version of a key decides it.
    private func nextReverse() throws -> KeyValue? {
        while let pair = try nextRaw() {
            let version = try Self.version(of: pair.key)
            versionCounts.read += 1
            if let decidedKey, Self.sameUserKey(decidedKey, pair.key) {
                versionCounts.replaced += 1
                continue
            }
            guard state.isVisible(version) else {
                countInvisible(version)
                continue
            }
            decidedKey = pair.key
            if try !MVCCValues.isTombstone(pair.value, rawKey: pair.key) { return pair }
            versionCounts.deleted += 1
        }
        return nil
    }

    /// Why a version is invisible: its writer was running when the snapshot began, or it came later.
    private func countInvisible(_ version: UInt64) {
        if state.active.contains(version) { versionCounts.uncommitted += 1 } else { versionCounts.newer += 1 }
    }

    /// The version of a raw `Version` key, checking its layout (tag, escapes, terminator)
    /// in place; a key that fails the check is decoded fully, which throws the precise error.
    static func version(of raw: [UInt8]) throws -> UInt64 {
        if let version = MVCCKey.versionIfWellFormed(raw) { return version }
        return try MVCC.decodeVersion(KeyValue(key: raw, value: [0x00])).version
    }

    /// Whether two well-formed raw `Version` keys belong to the same user key: everything but
    /// their 8-byte version suffix is equal.
    static func sameUserKey(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                guard let left = pa.baseAddress, let right = pb.baseAddress else { return true }
                return memcmp(left, right, a.count - 8) == 0
            }
        }
    }

    private func nextRaw() throws -> KeyValue? {
        if batchIndex == batch.count {
            if exhausted { return nil }
            let (range, reverse, size) = (remaining, self.reverse, batchSize)
            batch = try mvcc.locked { engine in try engine.scanBatch(range, reverse: reverse, limit: size) }
            batchIndex = 0
            exhausted = batch.count < size
            batchSize = min(batchSize * 2, Self.maxBatchSize)
            guard let last = batch.last else { return nil }
            if reverse { remaining.end = .excluded(last.key) } else { remaining.start = .excluded(last.key) }
        }
        let pair = batch[batchIndex]
        batchIndex += 1
        return pair
    }
}
