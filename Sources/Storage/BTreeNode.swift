#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A key and its value as slices of the bytes that hold them (a node's buffer, or the
/// caller's arrays): handing a pair over copies nothing; storing it in a node copies its bytes.
struct BTreePair {
    var key: ArraySlice<UInt8>
    var value: ArraySlice<UInt8>
}

/// One B-tree node: sorted entries and, for inner nodes, `entries.count + 1` children, where
/// `children[i]` holds the keys between entry `i - 1`'s key and entry `i`'s.
///
/// **Bytes in the node.** Every key and value of the node lives in its one buffer, `bytes`,
/// each value right after its key; an entry says where. A lookup that lands on an entry reads
/// the node's entries and then the node's buffer: no key or value is a heap object of its own,
/// whose first touch would be one more cache miss (and its reference count one more write).
/// It is smaller too, so more of it stays in the cache: the SQL benchmark's process peaked at
/// 431 MB with each key and value an object of its own, at 320 MB this way.
///
/// A new pair is appended to the buffer; a removed or replaced one leaves its bytes unused
/// until they are half the buffer, when the node copies its live pairs to a fresh one
/// (`compact`). Pairs handed out are slices of the buffer, so they stay valid whatever happens
/// to the node later (arrays copy on write: a node changed while a slice of it is held copies
/// its buffer once).
///
/// Entries change only through the methods below, so the tree's algorithms read as steps
/// ("insert this pair", "absorb the right sibling"), and the comparison words stay in step with
/// the keys.
///
/// **Comparison words.** Keys in one node share long beginnings: every MVCC version of a row of
/// table `t` starts with the same tag, table name and escapes, and the keys deeper in the tree
/// share more. The node keeps how many bytes all its keys share (`shared`) and, for each key,
/// the 8 bytes after them as a big-endian integer (its entry's `word`). A search first checks
/// the probe against the shared bytes once, then compares integers in the node's entries;
/// only equal words need the key's bytes. Zero padding makes a shorter key's word sort first,
/// and equal words fall back to the full comparison, so words order exactly as the keys do.
final class BTreeNode {
    /// Where one pair lies in `bytes`, with its key's comparison word.
    struct Entry {
        var word: UInt64
        var start: Int
        var keyCount: Int
        var valueCount: Int

        @inline(__always) var keyEnd: Int { start + keyCount }
        @inline(__always) var end: Int { keyEnd + valueCount }
    }

    @exclusivity(unchecked) private(set) var entries: [Entry] = []
    /// The keys and values of `entries`, and bytes no entry uses any more (`unused` of them).
    @exclusivity(unchecked) private(set) var bytes: [UInt8] = []
    @exclusivity(unchecked) private var unused = 0
    @exclusivity(unchecked) var children: [BTreeNode] = []
    /// How many leading bytes every key of this node has in common (at most the shortest key's
    /// length). It can only shrink while the node lives, except when a split or merge recomputes it.
    @exclusivity(unchecked) private(set) var shared = 0

    init() {}

    /// A node holding `pairs` (ascending) and `children`.
    init(pairs: some Collection<BTreePair>, children: [BTreeNode]) {
        entries.reserveCapacity(pairs.count)
        bytes.reserveCapacity(pairs.reduce(0) { $0 + $1.key.count + $1.value.count })
        for pair in pairs { entries.append(append(pair)) }
        self.children = children
        recomputeWords()
    }

    /// A node holding the pairs of `other` from `index` on (a split's right half), copied into
    /// a buffer of its own, with `children`.
    init(pairsOf other: BTreeNode, from index: Int, children: [BTreeNode]) {
        let taken = other.entries[index...]
        entries.reserveCapacity(taken.count)
        bytes.reserveCapacity(taken.reduce(0) { $0 + $1.end - $1.start })
        for entry in taken { entries.append(append(other.pair(entry))) }
        self.children = children
        recomputeWords()
    }

    var isLeaf: Bool { children.isEmpty }

    /// The pair at `index`, as slices of the node's buffer.
    @inline(__always)
    func pair(at index: Int) -> BTreePair { pair(entries[index]) }

    @inline(__always)
    private func pair(_ entry: Entry) -> BTreePair {
        BTreePair(key: bytes[entry.start..<entry.keyEnd], value: bytes[entry.keyEnd..<entry.end])
    }

    /// The key at `index`.
    @inline(__always)
    func key(at index: Int) -> ArraySlice<UInt8> {
        let entry = entries[index]
        return bytes[entry.start..<entry.keyEnd]
    }

    /// The value at `index`.
    @inline(__always)
    func value(at index: Int) -> ArraySlice<UInt8> {
        let entry = entries[index]
        return bytes[entry.keyEnd..<entry.end]
    }

    /// The pair with the smallest key in this subtree (nil: the subtree is empty).
    var firstPair: BTreePair? {
        var node = self
        while let child = node.children.first { node = child }
        return node.entries.isEmpty ? nil : node.pair(at: 0)
    }

    /// The pair with the largest key in this subtree (nil: the subtree is empty).
    var lastPair: BTreePair? {
        var node = self
        while let child = node.children.last { node = child }
        return node.entries.isEmpty ? nil : node.pair(at: node.entries.count - 1)
    }

    // MARK: - Changing entries

    /// Inserts a pair at `index`.
    func insert(_ pair: BTreePair, at index: Int) {
        admit(pair.key, besides: index < entries.count ? index : index - 1)
        var entry = append(pair)
        entry.word = word(entry)
        entries.insert(entry, at: index)
    }

    /// Removes the pair at `index` and returns it (slices of the buffer as it was).
    /// What the rest share, they still share.
    @discardableResult
    func remove(at index: Int) -> BTreePair {
        let removed = pair(at: index)
        let entry = entries.remove(at: index)
        release(entry)
        return removed
    }

    /// Puts another pair in the place of the one at `index`.
    func replace(at index: Int, with pair: BTreePair) {
        admit(pair.key, besides: index == 0 ? 1 : 0)
        let old = entries[index]
        var entry = append(pair)
        entry.word = word(entry)
        entries[index] = entry
        release(old)
    }

    /// Gives the key at `index` a new value and returns the old one.
    func setValue(_ value: ArraySlice<UInt8>, at index: Int) -> [UInt8] {
        let entry = entries[index]
        let old = Array(bytes[entry.keyEnd..<entry.end])
        if value.count == entry.valueCount {
            bytes.replaceSubrange(entry.keyEnd..<entry.end, with: value)
        } else {
            // The key is copied out first: appending a slice of the buffer to itself would
            // copy the whole buffer.
            let key = Array(bytes[entry.start..<entry.keyEnd])
            var moved = append(BTreePair(key: key[...], value: value))
            moved.word = entry.word
            entries[index] = moved
            release(entry)
        }
        return old
    }

    /// Removes the pairs from `index` on (a split keeps the first half, whose keys may now
    /// share more).
    func removePairs(from index: Int) {
        entries.removeSubrange(index...)
        compact()
        recomputeWords()
    }

    /// Appends the separator and every pair and child of `right` (a merge).
    func absorb(separator: BTreePair, _ right: BTreeNode) {
        bytes.reserveCapacity(bytes.count + separator.key.count + separator.value.count + right.bytes.count - right.unused)
        entries.append(append(separator))
        for entry in right.entries { entries.append(append(right.pair(entry))) }
        children.append(contentsOf: right.children)
        recomputeWords()
    }

    /// Appends a pair's bytes to the buffer and returns its entry (its word still to compute).
    private func append(_ pair: BTreePair) -> Entry {
        let start = bytes.count
        bytes.append(contentsOf: pair.key)
        bytes.append(contentsOf: pair.value)
        return Entry(word: 0, start: start, keyCount: pair.key.count, valueCount: pair.value.count)
    }

    /// Counts a dropped entry's bytes as unused, and copies the live pairs to a fresh buffer
    /// once unused bytes are half of it.
    private func release(_ entry: Entry) {
        unused += entry.end - entry.start
        if unused > 256 && 2 * unused > bytes.count { compact() }
    }

    /// Copies the live pairs, in entry order, to a buffer without unused bytes.
    private func compact() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(entries.reduce(0) { $0 + $1.end - $1.start })
        for index in entries.indices {
            let entry = entries[index]
            entries[index].start = fresh.count
            fresh.append(contentsOf: bytes[entry.start..<entry.end])
        }
        bytes = fresh
        unused = 0
    }

    /// Narrows `shared` to what `key` has in common with the key at `other` (when the node
    /// holds one), recomputing the words if it shrank: every key shares the same beginning, so
    /// any one of them tells how much of it the new key shares.
    private func admit(_ key: ArraySlice<UInt8>, besides other: Int) {
        guard entries.indices.contains(other) else {
            // No other key (an empty node, or replacing its only key): the new key is all there is.
            shared = key.count
            for index in entries.indices { entries[index].word = 0 }
            return
        }
        let common = Self.commonPrefixLength(key, self.key(at: other), limit: shared)
        if common < shared {
            shared = common
            for index in entries.indices { entries[index].word = word(entries[index]) }
        }
    }

    /// Sets `shared` to what the first and last keys share (sorted keys: all of them share
    /// it) and computes every word.
    private func recomputeWords() {
        if let first = entries.first, let last = entries.last {
            shared = Self.commonPrefixLength(key(at: 0), key(at: entries.count - 1),
                                             limit: min(first.keyCount, last.keyCount))
        } else {
            shared = 0
        }
        for index in entries.indices { entries[index].word = word(entries[index]) }
    }

    /// How many leading bytes `a` and `b` have in common, counting at most `limit`.
    private static func commonPrefixLength(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>, limit: Int) -> Int {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let end = min(limit, a.count, b.count)
                var index = 0
                while index < end, a[index] == b[index] { index += 1 }
                return index
            }
        }
    }

    /// The comparison word of the key `entry` points at.
    @inline(__always)
    private func word(_ entry: Entry) -> UInt64 {
        bytes.withUnsafeBytes { Self.word(UnsafeRawBufferPointer(rebasing: $0[entry.start..<entry.keyEnd]), at: shared) }
    }

    /// The 8 bytes of `raw` from `offset` on, big-endian, zero-padded past the end.
    @inline(__always)
    static func word(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        guard offset < raw.count else { return 0 }
        if raw.count - offset >= 8 { return raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).bigEndian }
        var value: UInt64 = 0
        for index in offset..<raw.count { value |= UInt64(raw[index]) << (56 - 8 * UInt64(index - offset)) }
        return value
    }

    /// What is wrong with the buffer, `shared` or the words, or nil (for the tree's invariant
    /// check).
    func layoutViolation() -> String? {
        var used = 0
        for entry in entries {
            guard entry.start >= 0, entry.keyCount >= 0, entry.valueCount >= 0, entry.end <= bytes.count else {
                return "an entry points outside its node's bytes"
            }
            used += entry.end - entry.start
        }
        if used + unused != bytes.count { return "\(bytes.count) bytes in a node, \(used) used and \(unused) unused" }
        guard !entries.isEmpty else { return nil }
        let first = key(at: 0)
        for index in entries.indices {
            let key = key(at: index)
            if key.count < shared || key.prefix(shared) != first.prefix(shared) {
                return "a key does not share the node's first \(shared) bytes"
            }
            if entries[index].word != word(entries[index]) { return "stale comparison word" }
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
    private func place(_ probe: UnsafeRawBufferPointer, in raw: UnsafeRawBufferPointer,
                       _ entries: UnsafeBufferPointer<Entry>) -> Placement {
        guard let first = entries.first else { return .beforeAll }
        let end = min(shared, probe.count)
        if end > 0, let left = probe.baseAddress, let right = raw.baseAddress {
            let order = memcmp(left, right + first.start, end)
            if order < 0 { return .beforeAll }
            if order > 0 { return .afterAll }
        }
        // A probe that ends inside the shared bytes is a prefix of every key.
        if probe.count < shared { return .beforeAll }
        return .among(Self.word(probe, at: shared))
    }

    /// Binary search: the index of `probe` if present, else the index where it would be
    /// inserted (which is also the child to descend into).
    /// - Complexity: O(log t) word comparisons
    @inline(__always)
    func search(_ probe: UnsafeRawBufferPointer) -> (index: Int, found: Bool) {
        bytes.withUnsafeBytes { raw in
            entries.withUnsafeBufferPointer { entries in
                let word: UInt64
                switch place(probe, in: raw, entries) {
                case .beforeAll: return (0, false)
                case .afterAll: return (entries.count, false)
                case .among(let probeWord): word = probeWord
                }
                var low = 0
                var high = entries.count
                while low < high {
                    let middle = (low + high) >> 1
                    let entry = entries[middle]
                    let order = entry.word != word
                        ? (entry.word < word ? -1 : 1)
                        : compareBytes(UnsafeRawBufferPointer(rebasing: raw[entry.start..<entry.keyEnd]), probe)
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
    }

    /// ``search(_:)`` for a key held in an array or slice.
    @inline(__always)
    func search(_ key: ArraySlice<UInt8>) -> (index: Int, found: Bool) {
        key.withUnsafeBytes { search($0) }
    }

    /// How many keys lie at or before `probe`, knowing the first `start` do. The spot `guess`
    /// keys further is tried first (its two sides: two comparisons when it is right), then a
    /// binary search narrows what is left.
    func count(atOrBefore probe: UnsafeRawBufferPointer, from start: Int, guess: Int) -> Int {
        bytes.withUnsafeBytes { raw in
            entries.withUnsafeBufferPointer { entries in
                let word: UInt64
                switch place(probe, in: raw, entries) {
                case .beforeAll: return 0
                case .afterAll: return entries.count
                case .among(let probeWord): word = probeWord
                }
                // Whether the key at `index` lies at or before the probe.
                func atOrBefore(_ index: Int) -> Bool {
                    let entry = entries[index]
                    return entry.word != word
                        ? entry.word < word
                        : compareBytes(UnsafeRawBufferPointer(rebasing: raw[entry.start..<entry.keyEnd]), probe) <= 0
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
}
