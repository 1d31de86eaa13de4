/// An ordered map from byte-string keys to values: a B-tree.
///
/// Both engines keep their keys in one: the memory engine maps key → value, BitCask's key
/// directory maps key → where the value lives in the log. A B-tree keeps up to `2t - 1` sorted
/// keys per node (here t = 32, so 31…63 keys per non-root node), so a million keys fit in a tree
/// four levels deep: a lookup is a handful of binary searches over small, cache-friendly arrays.
///
/// Insertion adds to a leaf and splits nodes that overflow on the way back up. Deletion is the
/// classic top-down algorithm (Cormen et al.): before descending into a child, make sure it
/// holds at least `t` keys — by borrowing a key through the parent from a sibling, or by merging
/// with a sibling — so removing one key can never leave a node below `t - 1` keys.
///
/// A reference type with a single owner (the engine); it is not thread-safe.
final class BTree<Value> {
    /// The minimum degree t: every node except the root holds between t - 1 and 2t - 1 keys.
    static var minimumDegree: Int { 32 }
    private static var maximumKeys: Int { 2 * minimumDegree - 1 }

    private var root = BTreeNode<Value>()
    /// The number of keys stored.
    private(set) var count = 0

    init() {}

    /// A tree holding `keys` (strictly ascending) with their `values`, built bottom-up.
    ///
    /// Bulk loading fills the nodes level by level without a single search or split, so it is
    /// much cheaper than n inserts. Each level spreads its keys evenly over just enough nodes
    /// of at most 2t - 1 keys, with one key between neighbours moving up as their separator;
    /// even spreading keeps every node at t - 1 keys or more.
    /// - Complexity: O(n)
    init(sorted keys: [BTreeKey], values: [Value]) {
        precondition(keys.count == values.count, "one value per key")
        count = keys.count
        var level = (keys: keys, values: values, children: [BTreeNode<Value>]())
        while level.keys.count > Self.maximumKeys {
            level = Self.buildLevel(keys: level.keys, values: level.values, children: level.children)
        }
        root = BTreeNode(keys: level.keys, values: level.values, children: level.children)
    }

    /// Groups one level's keys (and, above the leaves, its children: one more than keys) into
    /// nodes; returns the separators between them and the nodes, the level above's input.
    private static func buildLevel(
        keys: [BTreeKey], values: [Value], children: [BTreeNode<Value>]
    ) -> (keys: [BTreeKey], values: [Value], children: [BTreeNode<Value>]) {
        let nodeCount = (keys.count + 1 + maximumKeys) / (maximumKeys + 1)  // ⌈(n + 1) / 2t⌉
        let inNodes = keys.count - (nodeCount - 1)
        let base = inNodes / nodeCount
        let extra = inNodes % nodeCount
        var up = (keys: [BTreeKey](), values: [Value](), children: [BTreeNode<Value>]())
        up.keys.reserveCapacity(nodeCount - 1)
        up.values.reserveCapacity(nodeCount - 1)
        up.children.reserveCapacity(nodeCount)
        var next = 0
        var nextChild = 0
        for node in 0..<nodeCount {
            let size = base + (node < extra ? 1 : 0)
            let nodeChildren = children.isEmpty ? [] : Array(children[nextChild..<(nextChild + size + 1)])
            nextChild += size + 1
            up.children.append(BTreeNode(keys: Array(keys[next..<(next + size)]),
                                         values: Array(values[next..<(next + size)]),
                                         children: nodeChildren))
            next += size
            if node < nodeCount - 1 {
                up.keys.append(keys[next])
                up.values.append(values[next])
                next += 1
            }
        }
        return up
    }

    /// The value stored under `key`, or nil.
    /// - Complexity: O(log n)
    func get(_ key: [UInt8]) -> Value? {
        let probe = BTreeKey(key)
        var node = root
        while true {
            let (index, found) = node.search(probe)
            if found { return node.values[index] }
            let children = node.children
            if children.isEmpty { return nil }
            node = children[index]
        }
    }

    /// Stores `value` under `key` and returns the value it replaced, if any.
    /// - Complexity: O(log n)
    @discardableResult
    func set(_ key: [UInt8], _ value: Value) -> Value? {
        set(BTreeKey(key), value)
    }

    /// Stores `value` under a key whose prefix is already computed.
    /// - Complexity: O(log n)
    @discardableResult
    func set(_ key: BTreeKey, _ value: Value) -> Value? {
        let (old, split) = insert(key, value, into: root)
        if let split {
            root = BTreeNode(keys: [split.key], values: [split.value], children: [root, split.right])
        }
        if old == nil { count += 1 }
        return old
    }

    /// Removes `key` and returns its value, if it was present.
    /// - Complexity: O(log n)
    @discardableResult
    func remove(_ key: [UInt8]) -> Value? {
        let old = remove(BTreeKey(key), from: root)
        // A merge below may have pulled the root's last key down: the tree gets one level lower.
        if root.keys.isEmpty, let only = root.children.first { root = only }
        if old != nil { count -= 1 }
        return old
    }

    /// Removes every key.
    /// - Complexity: O(1) (the old nodes are freed by ARC)
    func removeAll() {
        root = BTreeNode()
        count = 0
    }

    /// Up to `limit` pairs in ascending key order whose keys satisfy `start` (as a lower bound)
    /// and `end` (as an upper bound).
    /// - Complexity: O(log n + limit)
    func pairs(from start: KeyRange.Bound, to end: KeyRange.Bound, limit: Int) -> [([UInt8], Value)] {
        pairs(from: start, to: end, limit: limit) { ($0, $1) }
    }

    /// ``pairs(from:to:limit:)`` building each element with `make`, so callers get their own
    /// element type without a second array.
    /// - Complexity: O(log n + limit)
    func pairs<T>(from start: KeyRange.Bound, to end: KeyRange.Bound, limit: Int,
                  _ make: ([UInt8], Value) -> T) -> [T] {
        var out: [T] = []
        out.reserveCapacity(min(limit, count))
        _ = visitForward(root, from: start) { key, value in
            guard end.admitsAsEnd(key) else { return false }
            out.append(make(key, value))
            return out.count < limit
        }
        return out
    }

    /// Up to `limit` pairs in descending key order whose keys satisfy `end` (as an upper bound)
    /// and `start` (as a lower bound).
    /// - Complexity: O(log n + limit)
    func pairsReversed(from end: KeyRange.Bound, to start: KeyRange.Bound, limit: Int) -> [([UInt8], Value)] {
        pairsReversed(from: end, to: start, limit: limit) { ($0, $1) }
    }

    /// ``pairsReversed(from:to:limit:)`` building each element with `make`.
    /// - Complexity: O(log n + limit)
    func pairsReversed<T>(from end: KeyRange.Bound, to start: KeyRange.Bound, limit: Int,
                          _ make: ([UInt8], Value) -> T) -> [T] {
        var out: [T] = []
        out.reserveCapacity(min(limit, count))
        _ = visitReverse(root, from: end) { key, value in
            guard start.admitsAsStart(key) else { return false }
            out.append(make(key, value))
            return out.count < limit
        }
        return out
    }

    /// The pair with the greatest key that satisfies `end` (as an upper bound) and `start` (as
    /// a lower bound), or nil: the newest version of a key, found by one descent without a
    /// closure or an array (the write path asks this once or twice per row).
    /// - Complexity: O(log n)
    func last(from end: KeyRange.Bound, to start: KeyRange.Bound) -> ([UInt8], Value)? {
        var candidate: (BTreeKey, Value)?
        var node = root
        let probe: BTreeKey?
        let inclusive: Bool
        switch end {
        case .unbounded: (probe, inclusive) = (nil, false)
        case .included(let key): (probe, inclusive) = (BTreeKey(key), true)
        case .excluded(let key): (probe, inclusive) = (BTreeKey(key), false)
        }
        while true {
            // keys[0..<index] lie below the bound; keys[index] equals it when found.
            var index = node.keys.count
            if let probe {
                let (position, found) = node.search(probe)
                if found && inclusive {
                    candidate = (node.keys[position], node.values[position])
                    break
                }
                index = position
            }
            if index > 0 { candidate = (node.keys[index - 1], node.values[index - 1]) }
            // Whatever lies in children[index] sorts after the candidate and below the bound.
            guard !node.isLeaf else { break }
            node = node.children[index]
        }
        guard let (key, value) = candidate, start.admitsAsStart(key.bytes) else { return nil }
        return (key.bytes, value)
    }

    /// For each range, the pair with the greatest key inside it, or nil: ``last(from:to:)`` for
    /// a batch of ranges (MVCC's batched get: the newest version of each of many keys).
    ///
    /// A *finger* walk: the path of the previous descent is kept, with the keys that bound
    /// each node's subtree on the left and right. The next probe climbs only until it lies
    /// strictly inside a node's bounds and descends from there. For ranges in ascending order
    /// and close together (a join looking up a thousand sorted ids) most probes land in the
    /// same leaf as the one before: one binary search instead of a descent from the root.
    /// Any order is correct; it is only slower.
    /// - Complexity: O(log n) per range, O(log t) when it lands in the previous leaf.
    func lastInEach(_ ranges: [KeyRange]) -> [([UInt8], Value)?] {
        var answers: [([UInt8], Value)?] = []
        answers.reserveCapacity(ranges.count)
        var path: [FingerFrame] = [FingerFrame(node: root, low: nil, high: nil)]
        for range in ranges {
            let probe: BTreeKey
            let inclusive: Bool
            switch range.end {
            case .unbounded:
                answers.append(last(from: range.end, to: range.start))
                continue
            case .included(let key): (probe, inclusive) = (BTreeKey(key), true)
            case .excluded(let key): (probe, inclusive) = (BTreeKey(key), false)
            }
            // The deepest node whose subtree holds every key strictly between its bounds and
            // the probe strictly inside them: the answer is in its subtree or is its low bound.
            // The root's bounds are infinite, so the climb always stops.
            while path.count > 1, !path[path.count - 1].surrounds(probe) { path.removeLast() }
            var frame = path[path.count - 1]
            var candidate = frame.low
            while true {
                let node = frame.node
                let (position, found) = node.search(probe)
                if found && inclusive {
                    candidate = (node.keys[position], node.values[position])
                    break
                }
                if position > 0 { candidate = (node.keys[position - 1], node.values[position - 1]) }
                guard !node.isLeaf else { break }
                frame = FingerFrame(node: node.children[position],
                                    low: position > 0 ? (node.keys[position - 1], node.values[position - 1]) : frame.low,
                                    high: position < node.keys.count ? node.keys[position] : frame.high)
                path.append(frame)
            }
            if let (key, value) = candidate, range.start.admitsAsStart(key.bytes) {
                answers.append((key.bytes, value))
            } else {
                answers.append(nil)
            }
        }
        return answers
    }

    /// One node on the finger walk's path, with the keys just outside its subtree (nil: none,
    /// the subtree reaches that end of the tree). The low key comes with its value, because it
    /// is the answer when nothing in the subtree lies at or below a probe.
    private struct FingerFrame {
        let node: BTreeNode<Value>
        let low: (BTreeKey, Value)?
        let high: BTreeKey?

        /// Whether `probe` lies strictly between the bounds (so no bound can equal it).
        func surrounds(_ probe: BTreeKey) -> Bool {
            if let low, low.0.compare(probe) >= 0 { return false }
            if let high, high.compare(probe) <= 0 { return false }
            return true
        }
    }

    /// Calls `body` with every pair in ascending key order.
    /// - Complexity: O(n)
    func forEach(_ body: ([UInt8], Value) throws -> Void) rethrows {
        try forEach(root, body)
    }

    // MARK: - Insertion

    private struct Split {
        var key: BTreeKey
        var value: Value
        var right: BTreeNode<Value>
    }

    private func insert(_ key: BTreeKey, _ value: Value, into node: BTreeNode<Value>) -> (old: Value?, split: Split?) {
        let (index, found) = node.search(key)
        if found {
            let old = node.values[index]
            node.values[index] = value
            return (old, nil)
        }
        if node.isLeaf {
            node.keys.insert(key, at: index)
            node.values.insert(value, at: index)
        } else {
            let (old, childSplit) = insert(key, value, into: node.children[index])
            guard let childSplit else { return (old, nil) }
            node.keys.insert(childSplit.key, at: index)
            node.values.insert(childSplit.value, at: index)
            node.children.insert(childSplit.right, at: index + 1)
        }
        return (nil, node.keys.count > Self.maximumKeys ? split(node) : nil)
    }

    /// Splits an overflowing node in two around its middle key, which moves up to the parent.
    private func split(_ node: BTreeNode<Value>) -> Split {
        let middle = node.keys.count / 2
        let right = BTreeNode<Value>(
            keys: Array(node.keys[(middle + 1)...]),
            values: Array(node.values[(middle + 1)...]),
            children: node.isLeaf ? [] : Array(node.children[(middle + 1)...]))
        let result = Split(key: node.keys[middle], value: node.values[middle], right: right)
        node.keys.removeSubrange(middle...)
        node.values.removeSubrange(middle...)
        if !node.isLeaf { node.children.removeSubrange((middle + 1)...) }
        return result
    }

    // MARK: - Deletion

    /// Removes `key` from the subtree at `node`, which holds at least t keys (or is the root).
    private func remove(_ key: BTreeKey, from node: BTreeNode<Value>) -> Value? {
        let (index, found) = node.search(key)
        if node.isLeaf {
            guard found else { return nil }
            node.keys.remove(at: index)
            return node.values.remove(at: index)
        }
        guard found else {
            return remove(key, from: makeRoomInChild(of: node, at: index))
        }
        // The key sits in an inner node: replace it with its neighbour from a child that can
        // spare a key, or merge the two children around it and delete from the merged node.
        let old = node.values[index]
        let left = node.children[index]
        let right = node.children[index + 1]
        if left.keys.count >= Self.minimumDegree {
            let predecessor = left.lastKey
            if let value = remove(predecessor, from: left) {
                node.keys[index] = predecessor
                node.values[index] = value
            }
        } else if right.keys.count >= Self.minimumDegree {
            let successor = right.firstKey
            if let value = remove(successor, from: right) {
                node.keys[index] = successor
                node.values[index] = value
            }
        } else {
            merge(node, at: index)
            _ = remove(key, from: left)
        }
        return old
    }

    /// Ensures `node.children[index]` holds at least t keys before the deletion descends into
    /// it, and returns the child to descend into (a merge may replace it).
    private func makeRoomInChild(of node: BTreeNode<Value>, at index: Int) -> BTreeNode<Value> {
        let child = node.children[index]
        if child.keys.count >= Self.minimumDegree { return child }
        if index > 0, node.children[index - 1].keys.count >= Self.minimumDegree {
            // Rotate right: the parent's separator moves down, the left sibling's last key up.
            let left = node.children[index - 1]
            child.keys.insert(node.keys[index - 1], at: 0)
            child.values.insert(node.values[index - 1], at: 0)
            node.keys[index - 1] = left.keys.removeLast()
            node.values[index - 1] = left.values.removeLast()
            if !left.isLeaf { child.children.insert(left.children.removeLast(), at: 0) }
            return child
        }
        if index + 1 < node.children.count, node.children[index + 1].keys.count >= Self.minimumDegree {
            // Rotate left: the mirror image.
            let right = node.children[index + 1]
            child.keys.append(node.keys[index])
            child.values.append(node.values[index])
            node.keys[index] = right.keys.removeFirst()
            node.values[index] = right.values.removeFirst()
            if !right.isLeaf { child.children.append(right.children.removeFirst()) }
            return child
        }
        if index + 1 < node.children.count {
            merge(node, at: index)
            return child
        }
        merge(node, at: index - 1)
        return node.children[index - 1]
    }

    /// Merges `children[index + 1]` and the separator key into `children[index]`.
    private func merge(_ node: BTreeNode<Value>, at index: Int) {
        let left = node.children[index]
        let right = node.children.remove(at: index + 1)
        left.keys.append(node.keys.remove(at: index))
        left.values.append(node.values.remove(at: index))
        left.keys.append(contentsOf: right.keys)
        left.values.append(contentsOf: right.values)
        left.children.append(contentsOf: right.children)
    }

    // MARK: - Traversal

    /// In-order walk of the keys that satisfy `start`; returns false once `body` asked to stop.
    private func visitForward(
        _ node: BTreeNode<Value>, from start: KeyRange.Bound, _ body: ([UInt8], Value) -> Bool
    ) -> Bool {
        // `first` is the first key to report; `firstChild` the bound for children[first], or
        // nil when that child lies entirely before the start.
        var first = 0
        var firstChild: KeyRange.Bound? = .unbounded
        switch start {
        case .unbounded: break
        case .included(let key):
            let (index, found) = node.search(BTreeKey(key))
            first = index
            firstChild = found ? nil : start
        case .excluded(let key):
            let (index, found) = node.search(BTreeKey(key))
            first = found ? index + 1 : index
            firstChild = found ? .unbounded : start
        }
        if !node.isLeaf, let bound = firstChild {
            if !visitForward(node.children[first], from: bound, body) { return false }
        }
        var index = first
        while index < node.keys.count {
            if !body(node.keys[index].bytes, node.values[index]) { return false }
            if !node.isLeaf, !visitForward(node.children[index + 1], from: .unbounded, body) { return false }
            index += 1
        }
        return true
    }

    /// Reverse in-order walk of the keys that satisfy `end`; returns false once `body` stops.
    private func visitReverse(
        _ node: BTreeNode<Value>, from end: KeyRange.Bound, _ body: ([UInt8], Value) -> Bool
    ) -> Bool {
        // `past` counts the keys that satisfy the end bound; `lastChild` is the bound for
        // children[past], or nil when that child lies entirely after the end.
        var past = node.keys.count
        var lastChild: KeyRange.Bound? = .unbounded
        switch end {
        case .unbounded: break
        case .included(let key):
            let (index, found) = node.search(BTreeKey(key))
            past = found ? index + 1 : index
            lastChild = found ? nil : end
        case .excluded(let key):
            let (index, found) = node.search(BTreeKey(key))
            past = index
            lastChild = found ? .unbounded : end
        }
        if !node.isLeaf, let bound = lastChild {
            if !visitReverse(node.children[past], from: bound, body) { return false }
        }
        var index = past - 1
        while index >= 0 {
            if !body(node.keys[index].bytes, node.values[index]) { return false }
            if !node.isLeaf, !visitReverse(node.children[index], from: .unbounded, body) { return false }
            index -= 1
        }
        return true
    }

    private func forEach(_ node: BTreeNode<Value>, _ body: ([UInt8], Value) throws -> Void) rethrows {
        for index in node.keys.indices {
            if !node.isLeaf { try forEach(node.children[index], body) }
            try body(node.keys[index].bytes, node.values[index])
        }
        if let last = node.children.last { try forEach(last, body) }
    }

    // MARK: - Checking (tests)

    /// Checks the B-tree invariants: keys strictly ascending across the whole tree, every
    /// non-root node holding t - 1…2t - 1 keys, inner nodes one more child than keys, and
    /// every leaf at the same depth. Returns a description of the first violation, or nil.
    func invariantViolation() -> String? {
        var leafDepth: Int?
        var previous: [UInt8]?
        var seen = 0
        func check(_ node: BTreeNode<Value>, depth: Int, isRoot: Bool) -> String? {
            if !isRoot, node.keys.count < Self.minimumDegree - 1 { return "underfull node (\(node.keys.count) keys)" }
            if node.keys.count > Self.maximumKeys { return "overfull node (\(node.keys.count) keys)" }
            if node.keys.count != node.values.count { return "keys and values differ in number" }
            if node.isLeaf {
                if let leafDepth, leafDepth != depth { return "leaves at depths \(leafDepth) and \(depth)" }
                leafDepth = depth
            } else if node.children.count != node.keys.count + 1 {
                return "inner node with \(node.keys.count) keys has \(node.children.count) children"
            }
            for index in node.keys.indices {
                if !node.isLeaf, let problem = check(node.children[index], depth: depth + 1, isRoot: false) { return problem }
                if let previous, compareBytes(previous, node.keys[index].bytes) >= 0 { return "keys out of order" }
                if node.keys[index].prefix != BTreeKey(node.keys[index].bytes).prefix { return "stale key prefix" }
                previous = node.keys[index].bytes
                seen += 1
            }
            if let last = node.children.last { return check(last, depth: depth + 1, isRoot: false) }
            return nil
        }
        if let problem = check(root, depth: 0, isRoot: true) { return problem }
        return seen == count ? nil : "count is \(count) but the tree holds \(seen) keys"
    }
}

/// One B-tree node: sorted keys, their values, and (for inner nodes) `keys.count + 1` children,
/// where `children[i]` holds the keys between `keys[i - 1]` and `keys[i]`.
final class BTreeNode<Value> {
    var keys: [BTreeKey]
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
}

/// A key as the B-tree stores it: the bytes, plus their first 8 bytes as a big-endian integer.
///
/// Most comparisons are decided by the prefixes alone, which sit inside the node's own array;
/// only equal prefixes need the key's bytes, a separate heap allocation (a likely cache miss).
/// That keeps a lookup in a large tree to about one cache miss per level instead of one per
/// comparison. Prefixes order like the keys: zero padding sorts a shorter key first, and equal
/// prefixes fall back to the full comparison.
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
