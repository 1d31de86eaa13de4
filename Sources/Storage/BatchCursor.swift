/// A cursor that reads its range in batches and, for each new batch, re-seeks just past the
/// last key it returned.
///
/// Re-seeking (instead of holding a pointer into the tree) is what lets the engine change
/// between `next()` calls: a set or delete may split or merge B-tree nodes, but a key is a
/// stable place to resume from. Pairs already fetched into the current batch are returned as
/// they were when fetched. Batches start small (a scan often stops after a few pairs) and
/// double up to a limit, so long scans cost O(log n) per batch rather than per pair.
final class BatchCursor: KeyValueCursor {
    /// Fetches up to `limit` pairs from `start` towards `end`, in the cursor's direction:
    /// ascending from a lower bound or, when reversed, descending from an upper bound.
    typealias Fetch = (_ start: KeyRange.Bound, _ end: KeyRange.Bound, _ limit: Int) throws -> [KeyValue]

    private static let firstBatch = 16
    private static let largestBatch = 1024

    private let fetch: Fetch
    private let reverse: Bool
    /// Where the next batch starts: the range's own bound, then just past the last key returned.
    private var resumeFrom: KeyRange.Bound
    /// Where the range stops (the opposite end).
    private let stopAt: KeyRange.Bound
    private var batch: [KeyValue] = []
    private var position = 0
    private var batchSize = BatchCursor.firstBatch
    private var exhausted = false

    init(range: KeyRange, reverse: Bool, fetch: @escaping Fetch) {
        self.fetch = fetch
        self.reverse = reverse
        resumeFrom = reverse ? range.end : range.start
        stopAt = reverse ? range.start : range.end
    }

    func next() throws -> KeyValue? {
        if position == batch.count {
            if exhausted { return nil }
            batch = try fetch(resumeFrom, stopAt, batchSize)
            position = 0
            // A short batch means the range ran out; no need to seek again.
            if batch.count < batchSize { exhausted = true }
            batchSize = min(batchSize * 2, Self.largestBatch)
            guard let last = batch.last else { return nil }
            resumeFrom = .excluded(last.key)
        }
        let pair = batch[position]
        position += 1
        return pair
    }
}
