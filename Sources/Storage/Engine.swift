/// The contract every storage engine keeps: an ordered map from byte keys to byte values.
///
/// Engines are not thread-safe; their one owner (MVCC, the Raft log) serializes access.
/// - Cursors returned by `scan` stay valid if the engine changes between `next()` calls:
///   they resume after the last key they returned (engines fetch in batches and re-seek).
public protocol StorageEngine: AnyObject {
    /// A short name for status output, such as "memory" or "bitcask".
    var name: String { get }
    /// The value stored under `key`, or nil.
    func get(_ key: [UInt8]) throws -> [UInt8]?
    /// Stores `value` under `key`, replacing any earlier value.
    func set(_ key: [UInt8], _ value: [UInt8]) throws
    /// Removes `key`; removing a missing key is not an error.
    func delete(_ key: [UInt8]) throws
    /// The key/value pairs inside `range`, in key order (or reverse key order).
    func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor
    /// Up to `limit` pairs of `range`, in key order (or reverse key order), read in one go.
    ///
    /// For callers that fetch a batch at a time anyway (MVCC's scans, which hold a lock): an
    /// engine that can walk its index directly skips the cursor and its own batching.
    /// The default reads `scan` until `limit` pairs.
    /// - Complexity: O(log n + limit) for the engines here.
    func scanBatch(_ range: KeyRange, reverse: Bool, limit: Int) throws -> [KeyValue]
    /// Calls `body` with each pair of `range` in key order (or reverse key order) until it
    /// returns false.
    ///
    /// For callers that hold a lock over a stretch of pairs anyway (MVCC's scans): each pair is
    /// handed over as slices of the engine's own buffers, without building an array, so versions
    /// a snapshot cannot see, and rows decoded on the spot, cost no copies. The default pages
    /// through `scanBatch`.
    func walk(_ range: KeyRange, reverse: Bool,
              _ body: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Bool) throws
    /// For each key that has a stored pair at or before it, calls `body` with the key's
    /// position and the greatest such pair, in the order given:
    /// `scanBatch(KeyRange(end: .included(key)), reverse: true, limit: 1)` for many keys at once.
    ///
    /// For MVCC's batched get (the newest version of each of many keys, a lookup join's
    /// thousand ids): an engine indexed by a B-tree answers from the leaf of the previous
    /// answer while the keys allow, instead of descending from the root for every key, and
    /// hands each pair over without building an array (the join decodes its row on the
    /// spot). The default asks `scanBatch` once per key.
    /// - Complexity: O(log n) per key for the engines here; much less for sorted, nearby keys.
    func lastAtOrBefore(_ keys: KeyBatch,
                        _ body: (_ index: Int, _ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) throws
    /// Makes every earlier write durable (fsync for engines with files).
    func flush() throws
    /// Sizes and counts for `.status`.
    func status() throws -> EngineStatus
}

extension StorageEngine {
    /// The pairs in key order inside `range`.
    public func scan(_ range: KeyRange) -> any KeyValueCursor { scan(range, reverse: false) }
    /// The pairs whose key starts with `prefix`, in key order.
    public func scanPrefix(_ prefix: [UInt8], reverse: Bool = false) -> any KeyValueCursor {
        scan(KeyRange(prefix: prefix), reverse: reverse)
    }

    public func scanBatch(_ range: KeyRange, reverse: Bool, limit: Int) throws -> [KeyValue] {
        var out: [KeyValue] = []
        out.reserveCapacity(min(limit, 1024))
        let cursor = scan(range, reverse: reverse)
        while out.count < limit, let pair = try cursor.next() { out.append(pair) }
        return out
    }

    public func walk(_ range: KeyRange, reverse: Bool,
                     _ body: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Bool) throws {
        // Pages start small (a walk often stops after a few pairs) and grow for long ones.
        var page = 16
        var remaining = range
        while true {
            let batch = try scanBatch(remaining, reverse: reverse, limit: page)
            for pair in batch {
                if try !body(pair.key[...], pair.value[...]) { return }
            }
            guard batch.count == page, let last = batch.last else { return }
            if reverse { remaining.end = .excluded(last.key) } else { remaining.start = .excluded(last.key) }
            page = min(page * 2, 1024)
        }
    }

    public func lastAtOrBefore(_ keys: KeyBatch,
                               _ body: (_ index: Int, _ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) throws {
        for index in 0..<keys.count {
            if let pair = try scanBatch(KeyRange(end: .included(keys[index])), reverse: true, limit: 1).first {
                try body(index, pair.key[...], pair.value[...])
            }
        }
    }

    /// ``lastAtOrBefore(_:_:)`` answered as an array, one element per key (nil: none).
    public func lastAtOrBefore(_ keys: [[UInt8]]) throws -> [KeyValue?] {
        var answers = [KeyValue?](repeating: nil, count: keys.count)
        try lastAtOrBefore(KeyBatch(keys)) { index, key, value in answers[index] = KeyValue(copying: key, value) }
        return answers
    }
}

/// One stored pair.
public struct KeyValue: Sendable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]
    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }

    /// A pair copied out of an engine's buffers.
    public init(copying key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) {
        self.init(key: Array(key), value: Array(value))
    }
}

/// A pull iterator over stored pairs; `next()` returns nil at the end.
/// What an MVCC scan passed over on its way to the rows it returned (EXPLAIN ANALYZE).
public struct VersionCounts: Sendable, Hashable {
    /// Versions read from the storage engine.
    public var read = 0
    /// Skipped: written by a transaction still running when the snapshot began.
    public var uncommitted = 0
    /// Skipped: written after the snapshot began.
    public var newer = 0
    /// Skipped: visible, but an older version of a key whose newer one is visible too.
    public var replaced = 0
    /// Keys whose visible version is a tombstone: deleted rows.
    public var deleted = 0

    public init() {}
}

/// A cursor that counts the versions it passes over (an MVCC scan).
public protocol VersionCounting: AnyObject {
    var versionCounts: VersionCounts { get }
}

public protocol KeyValueCursor: AnyObject {
    func next() throws -> KeyValue?
    /// The next pair's value only; a cursor that must decode keys can skip that work here.
    func nextValue() throws -> [UInt8]?
    /// Passes up to `limit` of the next values to `read` and returns how many it passed: 0 at
    /// the end. An MVCC scan calls `read` under its lock, with slices of the engine's own buffers.
    func readValues(limit: Int, _ read: (_ value: ArraySlice<UInt8>) throws -> Void) throws -> Int
}

extension KeyValueCursor {
    public func nextValue() throws -> [UInt8]? { try next()?.value }

    public func readValues(limit: Int, _ read: (_ value: ArraySlice<UInt8>) throws -> Void) throws -> Int {
        var count = 0
        while count < limit, let value = try nextValue() {
            try read(value[...])
            count += 1
        }
        return count
    }

    /// Reads the cursor to its end (tests and small scans only).
    public func collect() throws -> [KeyValue] {
        var out: [KeyValue] = []
        while let pair = try next() { out.append(pair) }
        return out
    }
}

/// A range of keys with inclusive, exclusive or open ends.
public struct KeyRange: Sendable, Hashable {
    /// One end of a range.
    public enum Bound: Sendable, Hashable {
        case unbounded
        case included([UInt8])
        case excluded([UInt8])
    }

    public var start: Bound
    public var end: Bound

    public init(start: Bound = .unbounded, end: Bound = .unbounded) {
        self.start = start
        self.end = end
    }

    /// Every key that starts with `prefix`.
    public init(prefix: [UInt8]) {
        start = .included(prefix)
        if let next = KeyRange.prefixEnd(prefix) { end = .excluded(next) } else { end = .unbounded }
    }

    /// The whole key space.
    public static let all = KeyRange()

    /// The smallest key greater than every key that starts with `prefix` (nil if none exists,
    /// as for a prefix of only 0xFF bytes).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }

    /// Whether `key` lies inside the range.
    public func contains(_ key: [UInt8]) -> Bool {
        switch start {
        case .unbounded: break
        case .included(let s): if key.lexicographicallyPrecedes(s) { return false }
        case .excluded(let s): if !s.lexicographicallyPrecedes(key) { return false }
        }
        switch end {
        case .unbounded: return true
        case .included(let e): return !e.lexicographicallyPrecedes(key)
        case .excluded(let e): return key.lexicographicallyPrecedes(e)
        }
    }
}

/// What an engine reports about itself.
public struct EngineStatus: Sendable, Hashable {
    /// The engine's name ("memory", "bitcask").
    public var name: String
    /// Live keys.
    public var keys: Int
    /// Bytes of live keys and values.
    public var logicalSize: Int
    /// Bytes on disk (0 for memory).
    public var diskSize: Int
    /// Bytes on disk held by overwritten or deleted entries, which compaction reclaims.
    public var garbageSize: Int

    public init(name: String, keys: Int, logicalSize: Int, diskSize: Int, garbageSize: Int) {
        self.name = name
        self.keys = keys
        self.logicalSize = logicalSize
        self.diskSize = diskSize
        self.garbageSize = garbageSize
    }
}
