/// One B-tree node: sorted keys, their values, and (for inner nodes) `keys.count + 1` children,
/// where `children[i]` holds the keys between `keys[i - 1]` and `keys[i]`.
///
/// Keys change only through the methods below, so the tree's algorithms read as steps
/// ("insert this pair", "absorb the right sibling") rather than as edits of parallel arrays.
final class BTreeNode<Value> {
    private(set) var keys: [BTreeKey]
    var values: [Value]
    var children: [BTreeNode<Value>]

    init(keys: [BTreeKey] = [], values: [Value] = [], children: [BTreeNode<Value>] = []) {
        self.keys = keys
        self.values = values
        self.children = children
    }

    var isLeaf: Bool { children.isEmpty }

    /// The smallest key in this subtree (the subtree must not be empty).
    var firstKey: BTreeKey {
        var node = self
        while let child = node.children.first { node = child }
        return node.keys.first ?? BTreeKey([])
    }

    /// The largest key in this subtree (the subtree must not be empty).
    var lastKey: BTreeKey {
        var node = self
        while let child = node.children.last { node = child }
        return node.keys.last ?? BTreeKey([])
    }

    // MARK: - Changing keys

    /// Inserts a pair at `index`.
    func insert(_ key: BTreeKey, _ value: Value, at index: Int) {
        keys.insert(key, at: index)
        values.insert(value, at: index)
    }

    /// Removes and returns the pair at `index`.
    @discardableResult
    func remove(at index: Int) -> (key: BTreeKey, value: Value) {
        (keys.remove(at: index), values.remove(at: index))
    }

    /// Puts another pair in the place of the one at `index`.
    func replace(at index: Int, with key: BTreeKey, _ value: Value) {
        keys[index] = key
        values[index] = value
    }

    /// Removes the pairs from `index` on (a split keeps the first half).
    func removePairs(from index: Int) {
        keys.removeSubrange(index...)
        values.removeSubrange(index...)
    }

    /// Appends the separator and every pair and child of `right` (a merge).
    func absorb(separator: (key: BTreeKey, value: Value), _ right: BTreeNode<Value>) {
        keys.append(separator.key)
        values.append(separator.value)
        keys.append(contentsOf: right.keys)
        values.append(contentsOf: right.values)
        children.append(contentsOf: right.children)
    }

    // MARK: - Searching

    /// Binary search: the index of `key` if present, else the index where it would be inserted
    /// (which is also the child to descend into).
    /// - Complexity: O(log t) key comparisons
    @inline(__always)
    func search(_ key: BTreeKey) -> (index: Int, found: Bool) {
        // One access to `keys` for the whole search: each access to a class's stored property
        // costs a dynamic exclusivity check, which adds up in a loop this hot.
        keys.withUnsafeBufferPointer { keys in
            var low = 0
            var high = keys.count
            while low < high {
                let middle = (low + high) >> 1
                let order = keys[middle].compare(key)
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
    func count(atOrBefore probe: BTreeKey, from start: Int, guess: Int) -> Int {
        keys.withUnsafeBufferPointer { keys in
            // The count lies in low...high: keys[..<low] are at or before the probe, keys[high...] after.
            var (low, high) = (min(start, keys.count), keys.count)
            let expected = min(low + max(guess, 0), high)
            if expected > low {
                if keys[expected - 1].compare(probe) <= 0 { low = expected } else { high = expected - 1 }
            }
            if low == expected, expected < high {
                if keys[expected].compare(probe) <= 0 { low = expected + 1 } else { high = expected }
            }
            while low < high {
                let middle = (low + high) >> 1
                if keys[middle].compare(probe) <= 0 { low = middle + 1 } else { high = middle }
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
