/// An in-memory storage engine: an ordered map held in a B-tree, lost when the process exits.
///
/// Used for tests, the REPL's default scratch database, and as the reference the durable
/// engines are compared against. Not thread-safe: its owner (MVCC, a Raft node) serializes use.
///
/// The B-tree answers every ordered question (scans, the newest version of a key). Point gets
/// can go to a hash index kept beside it: a lookup in a large tree is a chain of cache misses,
/// one or more per level, while a hash lookup is about one. The index holds its own copy of
/// each pair (the tree keeps its bytes in its nodes), so it doubles the memory, and every write
/// pays a hash-table insert too. MVCC reads through ordered scans, never point gets, so the
/// SQL engine turns the index off (`pointIndex: false`) and keeps its memory and writes lean.
public final class MemoryEngine: StorageEngine {
    public let name = "memory"
    private let tree = BTree()
    /// The same pairs as `tree`, for point gets; nil when the index is off.
    private var index: [HashedKey: [UInt8]]?
    /// Bytes of live keys and values, maintained on every write.
    private var logicalSize = 0

    /// An empty engine; `pointIndex` keeps a hash index beside the tree for faster `get`s.
    public init(pointIndex: Bool = true) {
        index = pointIndex ? [:] : nil
    }

    /// - Complexity: O(1) expected with the point index, O(log n) without
    public func get(_ key: [UInt8]) -> [UInt8]? {
        if let index { return index[HashedKey(key)] }
        return tree.get(key)
    }

    /// - Complexity: O(log n)
    public func set(_ key: [UInt8], _ value: [UInt8]) {
        index?[HashedKey(key)] = value
        if let old = tree.set(key, value) {
            logicalSize += value.count - old.count
        } else {
            logicalSize += key.count + value.count
        }
    }

    /// - Complexity: O(log n)
    public func delete(_ key: [UInt8]) {
        index?[HashedKey(key)] = nil
        if let old = tree.remove(key) { logicalSize -= key.count + old.count }
    }

    /// A cursor over `range`; it stays valid when the engine changes between `next()` calls.
    /// - Complexity: O(log n) to start and per batch of pairs, O(1) per pair.
    public func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor {
        BatchCursor(range: range, reverse: reverse) { [tree] start, end, limit in
            reverse
                ? tree.pairsReversed(from: start, to: end, limit: limit, KeyValue.init(copying:_:))
                : tree.pairs(from: start, to: end, limit: limit, KeyValue.init(copying:_:))
        }
    }

    /// One walk of the tree, without a cursor.
    /// - Complexity: O(log n + limit)
    public func scanBatch(_ range: KeyRange, reverse: Bool, limit: Int) -> [KeyValue] {
        // The newest version of one key (MVCC reads and write checks): a single descent.
        if reverse && limit == 1 {
            return tree.last(from: range.end, to: range.start).map { [KeyValue(key: $0.key, value: $0.value)] } ?? []
        }
        return reverse
            ? tree.pairsReversed(from: range.end, to: range.start, limit: limit, KeyValue.init(copying:_:))
            : tree.pairs(from: range.start, to: range.end, limit: limit, KeyValue.init(copying:_:))
    }

    /// The tree's own walk: no batch array, no re-seeking.
    /// - Complexity: O(log n) plus O(1) per pair visited
    public func walk(_ range: KeyRange, reverse: Bool,
                     _ body: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Bool) throws {
        try tree.walk(from: range.start, to: range.end, reverse: reverse, body)
    }

    /// One batched search of the tree for all the keys (see `BTree.lastAtOrBefore`).
    /// - Complexity: O(log n) per key, less for sorted, nearby keys
    public func lastAtOrBefore(_ keys: KeyBatch,
                               _ body: (_ index: Int, _ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) rethrows {
        try tree.lastAtOrBefore(keys, body)
    }

    /// Nothing to make durable.
    public func flush() {}

    /// - Complexity: O(1)
    public func status() -> EngineStatus {
        EngineStatus(name: name, keys: tree.count, logicalSize: logicalSize, diskSize: 0, garbageSize: 0)
    }
}

/// A key for the point-get index, hashed in one pass over its bytes (`[UInt8]`'s own hashing
/// feeds the hasher one byte at a time).
private struct HashedKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (left: HashedKey, right: HashedKey) -> Bool { left.bytes == right.bytes }
}
