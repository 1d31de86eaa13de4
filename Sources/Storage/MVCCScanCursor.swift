/// Streams the logical keys of a transaction's snapshot out of the raw `Version` keys.
///
/// The engine sits behind MVCC's lock, so the cursor cannot hold an engine cursor open. It
/// fetches raw pairs in batches (one lock acquisition each; 16 pairs first, doubling up to
/// 512, so `LIMIT 10` reads little and full scans lock rarely) and resumes after the last raw
/// key it saw. Raw pairs arrive grouped by user key, versions ascending (or descending when
/// reversed), and the cursor keeps, per user key, the newest version the snapshot can see.
final class MVCCScanCursor: KeyValueCursor {
    private let mvcc: MVCC
    private let state: TransactionState
    private let reverse: Bool
    /// The raw range still to read; its near end moves past each batch.
    private var remaining: KeyRange
    private var batch: [KeyValue] = []
    private var batchIndex = 0
    private var batchSize = 16
    private var exhausted = false
    /// Forward: the newest visible version seen so far of the key being read (nil = tombstone).
    private var pending: (key: [UInt8], value: [UInt8]?)?
    /// Reverse: the key whose visible version has already been decided.
    private var decidedKey: [UInt8]?

    static let maxBatchSize = 512

    init(mvcc: MVCC, state: TransactionState, range: KeyRange, reverse: Bool) {
        self.mvcc = mvcc
        self.state = state
        self.remaining = range
        self.reverse = reverse
    }

    func next() throws -> KeyValue? {
        reverse ? try nextReverse() : try nextForward()
    }

    /// Versions come oldest first, so a key is decided only when the next key (or the end) shows up.
    private func nextForward() throws -> KeyValue? {
        while let pair = try nextRaw() {
            let stored = try MVCC.decodeVersion(pair)
            guard state.isVisible(stored.version) else { continue }
            let finished = pending.flatMap { $0.key == stored.key ? nil : $0 }
            pending = (stored.key, stored.value)
            if let finished, let value = finished.value { return KeyValue(key: finished.key, value: value) }
        }
        defer { pending = nil }
        if let last = pending, let value = last.value { return KeyValue(key: last.key, value: value) }
        return nil
    }

    /// Versions come newest first, so the first visible version of a key decides it.
    private func nextReverse() throws -> KeyValue? {
        while let pair = try nextRaw() {
            let stored = try MVCC.decodeVersion(pair)
            if stored.key == decidedKey || !state.isVisible(stored.version) { continue }
            decidedKey = stored.key
            if let value = stored.value { return KeyValue(key: stored.key, value: value) }
        }
        return nil
    }

    private func nextRaw() throws -> KeyValue? {
        if batchIndex == batch.count {
            if exhausted { return nil }
            let (range, reverse, size) = (remaining, self.reverse, batchSize)
            batch = try mvcc.locked { engine in
                var out: [KeyValue] = []
                out.reserveCapacity(size)
                let cursor = engine.scan(range, reverse: reverse)
                while out.count < size, let pair = try cursor.next() { out.append(pair) }
                return out
            }
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
