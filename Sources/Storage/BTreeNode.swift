#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One B-tree node: sorted entries (a key, its value, its comparison word) and, for inner
/// nodes, `entries.count + 1` children, where `children[i]` holds the keys between
/// `entries[i - 1].key` and `entries[i].key`.
///
/// Entries change only through the methods below, so the tree's algorithms read as steps
/// ("insert this pair", "absorb the right sibling"), and the comparison words stay in step with
/// the keys. A key, its word and its value sit side by side in one array: a lookup that lands
/// on an entry finds all three in one cache line, where three parallel arrays (keys, values,
/// words) cost a line, and often a cache miss, each.
///
/// **Comparison words.** Keys in one node share long beginnings: every MVCC version of a row of
/// table `t` starts with the same tag, table name and escapes, and the keys deeper in the tree
/// share more. The node keeps how many bytes all its keys share (`shared`) and, for each key,
/// the 8 bytes after them as a big-endian integer (its entry's `word`). A search first checks
/// the probe against the shared bytes once, then compares integers in the node's own array;
/// only equal words need a key's bytes, a separate heap object (a likely cache miss). Zero
/// padding makes a shorter key's word sort first, and equal words fall back to the full
/// comparison, so words order exactly as the keys do.
final class BTreeNode<Value> {
    /// One key with its value and comparison word.
    struct Entry {
        var word: UInt64
        var key: BTreeKey
        var value: Value
    }

    @exclusivity(unchecked) private(set) var entries: [Entry]
    @exclusivity(unchecked) var children: [BTreeNode<Value>]
    /// How many leading bytes every key of this node has in common (at most the shortest key's
    /// length). It can only shrink while the node lives, except when a split or merge recomputes it.
    @exclusivity(unchecked) private(set) var shared = 0

    init(keys: [BTreeKey] = [], values: [Value] = [], children: [BTreeNode<Value>] = []) {
        entries = zip(keys, values).map { Entry(word: 0, key: $0, value: $1) }
        self.children = children
        recomputeWords()
    }

    /// A node of entries taken from another (a split's right half): their words are computed afresh.
    init(entries: ArraySlice<Entry>, children: [BTreeNode<Value>]) {
        self.entries = Array(entries)
        self.children = children
        recomputeWords()
    }

    var isLeaf: Bool { children.isEmpty }

    /// The smallest key in this subtree (the subtree must not be empty).
    var firstKey: BTreeKey {
        var node = self
        while let child = node.children.first { node = child }
        return node.entries.first?.key ?? BTreeKey([])
    }

    /// The largest key in this subtree (the subtree must not be empty).
    var lastKey: BTreeKey {
        var node = self
        while let child = node.children.last { node = child }
        return node.entries.last?.key ?? BTreeKey([])
    }

    // MARK: - Changing entries

    /// Inserts a pair at `index`.
    func insert(_ key: BTreeKey, _ value: Value, at index: Int) {
        admit(key.bytes, besides: index < entries.count ? index : index - 1)
        entries.insert(Entry(word: Self.word(key.bytes, at: shared), key: key, value: value), at: index)
    }

    /// Removes and returns the pair at `index`. (What the rest share, they still share.)
    @discardableResult
    func remove(at index: Int) -> (key: BTreeKey, value: Value) {
        let entry = entries.remove(at: index)
        return (entry.key, entry.value)
    }

    /// Puts another pair in the place of the one at `index`.
    func replace(at index: Int, with key: BTreeKey, _ value: Value) {
        admit(key.bytes, besides: index == 0 ? 1 : 0)
        entries[index] = Entry(word: Self.word(key.bytes, at: shared), key: key, value: value)
    }

    /// Gives the key at `index` a new value.
    func setValue(_ value: Value, at index: Int) {
        entries[index].value = value
    }

    /// Removes the pairs from `index` on (a split keeps the first half, whose keys may now
    /// share more).
    func removePairs(from index: Int) {
        entries.removeSubrange(index...)
        recomputeWords()
    }

    /// Appends the separator and every pair and child of `right` (a merge).
    func absorb(separator: (key: BTreeKey, value: Value), _ right: BTreeNode<Value>) {
        entries.append(Entry(word: 0, key: separator.key, value: separator.value))
        entries.append(contentsOf: right.entries)
        children.append(contentsOf: right.children)
        recomputeWords()
    }

    /// Narrows `shared` to what `bytes` has in common with the key at `other` (when the node
    /// holds one), recomputing the words if it shrank: every key shares the same beginning, so
    /// any one of them tells how much of it the new key shares.
    private func admit(_ bytes: [UInt8], besides other: Int) {
        guard entries.indices.contains(other) else {
            // No other key (an empty node, or replacing its only key): the new key is all there is.
            shared = bytes.count
            for index in entries.indices { entries[index].word = 0 }
            return
        }
        let common = Self.commonPrefixLength(bytes, entries[other].key.bytes, limit: shared)
        if common < shared {
            shared = common
            for index in entries.indices { entries[index].word = Self.word(entries[index].key.bytes, at: common) }
        }
    }

    /// Sets `shared` to what the first and last keys share (sorted keys: all of them share
    /// it) and computes every word.
    private func recomputeWords() {
        if let first = entries.first?.key, let last = entries.last?.key {
            shared = Self.commonPrefixLength(first.bytes, last.bytes, limit: min(first.bytes.count, last.bytes.count))
        } else {
            shared = 0
        }
        let offset = shared
        for index in entries.indices { entries[index].word = Self.word(entries[index].key.bytes, at: offset) }
    }

    /// How many leading bytes `a` and `b` have in common, counting at most `limit`.
    private static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let end = min(limit, a.count, b.count)
                var index = 0
                while index < end, a[index] == b[index] { index += 1 }
                return index
            }
        }
    }

    /// The 8 bytes of `bytes` from `offset` on, big-endian, zero-padded past the end.
    @inline(__always)
    static func word(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes.withUnsafeBytes { word($0, at: offset) }
    }

    @inline(__always)
    static func word(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        guard offset < raw.count else { return 0 }
        if raw.count - offset >= 8 { return raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian }
        var value: UInt64 = 0
        for index in offset..<raw.count { value |= UInt64(raw[index]) << (56 - 8 * UInt64(index - offset)) }
        return value
    }

    /// What is wrong with `shared` and the words, or nil (for the tree's invariant check).
    func wordsViolation() -> String? {
        guard let first = entries.first?.key else { return nil }
        for entry in entries {
            if entry.key.bytes.count < shared || entry.key.bytes[..<shared] != first.bytes[..<shared] {
                return "a key does not share the node's first \(shared) bytes"
            }
            if entry.word != Self.word(entry.key.bytes, at: shared) { return "stale comparison word" }
        }
        return nil
    }

    // MARK: - Searching

    /// Where a probe lies against this node's keys, once checked against their shared bytes.
    enum Placement {
        /// Before every key (also: the node is empty).
        case beforeAll
        /// After every key.
        case afterAll
        /// Among the keys: it has their shared bytes, then this word.
        case among(UInt64)
    }

    /// Compares the probe's first `shared` bytes with the keys' (read from the first key).
    @inline(__always)
    func place(_ probe: [UInt8]) -> Placement {
        probe.withUnsafeBytes { place($0) }
    }

    @inline(__always)
    func place(_ probe: UnsafeRawBufferPointer) -> Placement {
        guard let first = entries.first?.key else { return .beforeAll }
        let shared = self.shared
        let order = first.bytes.withUnsafeBytes { key -> Int in
            let end = min(shared, probe.count)
            if end > 0, let left = probe.baseAddress, let right = key.baseAddress {
                let order = memcmp(left, right, end)
                if order != 0 { return Int(order) }
            }
            // A probe that ends inside the shared bytes is a prefix of every key.
            return probe.count < shared ? -1 : 0
        }
        if order < 0 { return .beforeAll }
        if order > 0 { return .afterAll }
        return .among(Self.word(probe, at: shared))
    }

    /// Binary search: the index of `key` if present, else the index where it would be inserted
    /// (which is also the child to descend into).
    /// - Complexity: O(log t) word comparisons
    @inline(__always)
    func search(_ key: BTreeKey) -> (index: Int, found: Bool) {
        let word: UInt64
        switch place(key.bytes) {
        case .beforeAll: return (0, false)
        case .afterAll: return (entries.count, false)
        case .among(let probeWord): word = probeWord
        }
        return entries.withUnsafeBufferPointer { entries in
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low + high) >> 1
                let entry = entries[middle]
                let order = entry.word != word ? (entry.word < word ? -1 : 1) : compareBytes(entry.key.bytes, key.bytes)
                if order < 0 {
                    low = middle + 1
                } else if order > 0 {
                    high = middle
                } else {
                    return (middle, true)
                }
            }
            return (low, false)
        }
    }

    /// How many keys lie at or before `probe`, knowing the first `start` do. The spot `guess`
    /// keys further is tried first (its two sides: two comparisons when it is right), then a
    /// binary search narrows what is left.
    func count(atOrBefore probe: UnsafeRawBufferPointer, from start: Int, guess: Int) -> Int {
        let word: UInt64
        switch place(probe) {
        case .beforeAll: return 0
        case .afterAll: return entries.count
        case .among(let probeWord): word = probeWord
        }
        return entries.withUnsafeBufferPointer { entries in
            // Whether the key at `index` lies at or before the probe.
            func atOrBefore(_ index: Int) -> Bool {
                let entryWord = entries[index].word
                return entryWord != word ? entryWord < word : compareBytes(entries[index].key.bytes, probe) <= 0
            }
            // The count lies in low...high: entries[..<low] are at or before the probe, entries[high...] after.
            var (low, high) = (min(start, entries.count), entries.count)
            let expected = min(low + max(guess, 0), high)
            if expected > low {
                if atOrBefore(expected - 1) { low = expected } else { high = expected - 1 }
            }
            if low == expected, expected < high {
                if atOrBefore(expected) { low = expected + 1 } else { high = expected }
            }
            while low < high {
                let middle = (low + high) >> 1
                if atOrBefore(middle) { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}

/// A key as the B-tree stores it: the bytes, plus their first 8 bytes as a big-endian integer.
///
/// Most comparisons are decided by the prefixes alone, which sit inside the node's own array;
/// only equal prefixes need the key's bytes, a separate heap allocation (a likely cache miss).
/// Prefixes order like the keys: zero padding sorts a shorter key first, and equal prefixes
/// fall back to the full comparison.
struct BTreeKey {
    let prefix: UInt64
    let bytes: [UInt8]

    @inline(__always)
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        prefix = bytes.withUnsafeBytes { raw -> UInt64 in
            if raw.count >= 8 { return raw.loadUnaligned(as: UInt64.self).bigEndian }
            var value: UInt64 = 0
            for (index, byte) in raw.enumerated() { value |= UInt64(byte) << (56 - 8 * UInt64(index)) }
            return value
        }
    }

    /// Three-way comparison, like `compareBytes`.
    @inline(__always)
    func compare(_ other: BTreeKey) -> Int {
        if prefix != other.prefix { return prefix < other.prefix ? -1 : 1 }
        return compareBytes(bytes, other.bytes)
    }
}
