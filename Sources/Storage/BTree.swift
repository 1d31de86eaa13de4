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
            if found { return node.entries[index].value }
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
        if root.entries.isEmpty, let only = root.children.first { root = only }
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
            var index = node.entries.count
            if let probe {
                let (position, found) = node.search(probe)
                if found && inclusive {
                    candidate = (node.entries[position].key, node.entries[position].value)
                    break
                }
                index = position
            }
            if index > 0 { candidate = (node.entries[index - 1].key, node.entries[index - 1].value) }
            // Whatever lies in children[index] sorts after the candidate and below the bound.
            guard !node.isLeaf else { break }
            node = node.children[index]
        }
        guard let (key, value) = candidate, start.admitsAsStart(key.bytes) else { return nil }
        return (key.bytes, value)
    }

    /// For each probe, the pair with the greatest key at or before it, or nil: ``last(from:to:)``
    /// with an inclusive end for a batch of keys. See the visiting form below.
    func lastAtOrBefore(_ probes: [[UInt8]]) -> [([UInt8], Value)?] {
        var answers = [([UInt8], Value)?](repeating: nil, count: probes.count)
        lastAtOrBefore(KeyBatch(probes)) { index, key, value in answers[index] = (key, value) }
        return answers
    }

    /// Calls `body` with the position of each probe that has a key at or before it, and the
    /// greatest such pair, in the probes' order: ``last(from:to:)`` with an inclusive end for
    /// a batch of keys (MVCC's batched get: the newest version of each of many keys).
    ///
    /// It remembers the leaf of the previous answer: a probe that lands in it again (sorted,
    /// nearby probes, as a join's are) costs a search of that leaf alone. Any other probe
    /// descends from the root, whose upper levels stay in the cache from probe to probe. (A
    /// finger search that climbed from the previous leaf and moved forward measured slower:
    /// its path of nodes and fence keys costs more reference counting than the levels it
    /// saves.) Any order of probes is correct, sorted is faster. Answers go to `body` rather
    /// than into an array: a join decodes each row straight out of the tree's value.
    /// - Complexity: O(log n) per probe; O(log t) for a probe in the previous probe's leaf.
    func lastAtOrBefore(_ probes: KeyBatch,
                        _ body: (_ index: Int, _ key: [UInt8], _ value: Value) throws -> Void) rethrows {
        try probes.bytes.withUnsafeBytes { all in
            var leaf: LeafFinger?
            var start = 0
            for (index, end) in probes.ends.enumerated() {
                let probe = UnsafeRawBufferPointer(rebasing: all[start..<end])
                start = end
                if let found = leaf?.answer(for: probe) {
                    try body(index, found.key.bytes, found.value)
                    continue
                }
                leaf = nil
                // The descent of `last(from:to:)`, remembering the separator passed last (the
                // answer if the leaf holds nothing at or before the probe) and the one after the
                // leaf (its upper fence, for the next probe).
                var node = root
                var high: BTreeKey?
                var candidate: (node: BTreeNode<Value>, index: Int)?
                while true {
                    let passed = node.count(atOrBefore: probe, from: 0, guess: 0)
                    if node.isLeaf {
                        if passed > 0 {
                            leaf = LeafFinger(node: node, high: high, passed: passed)
                            candidate = (node, passed - 1)
                        }
                        break
                    }
                    if passed > 0 { candidate = (node, passed - 1) }
                    if passed < node.entries.count { high = node.entries[passed].key }
                    node = node.children[passed]
                }
                if let (node, position) = candidate { try body(index, node.entries[position].key.bytes, node.entries[position].value) }
            }
        }
    }

    /// The leaf of the previous answer and where in it that answer lay.
    private struct LeafFinger {
        let node: BTreeNode<Value>
        /// The first key after the leaf (nil: none).
        let high: BTreeKey?
        /// How many keys lie at or before the previous probe.
        var passed: Int
        /// How far the previous probe moved: with evenly spaced probes (a join's ids) the
        /// next one usually moves as far, so that spot is tried first.
        var step = 0

        /// The answer if `probe` lies between the leaf's first key and `high`, else nil.
        mutating func answer(for probe: UnsafeRawBufferPointer) -> (key: BTreeKey, value: Value)? {
            if let high, compareBytes(high.bytes, probe) <= 0 { return nil }
            let count = node.count(atOrBefore: probe, from: 0, guess: passed + step)
            // Before the leaf's first key: the answer lies in an earlier leaf.
            guard count > 0 else { return nil }
            (passed, step) = (count, count - passed)
            return (node.entries[count - 1].key, node.entries[count - 1].value)
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
            let old = node.entries[index].value
            node.setValue(value, at: index)
            return (old, nil)
        }
        if node.isLeaf {
            node.insert(key, value, at: index)
        } else {
            let (old, childSplit) = insert(key, value, into: node.children[index])
            guard let childSplit else { return (old, nil) }
            node.insert(childSplit.key, childSplit.value, at: index)
            node.children.insert(childSplit.right, at: index + 1)
        }
        return (nil, node.entries.count > Self.maximumKeys ? split(node) : nil)
    }

    /// Splits an overflowing node in two around its middle key, which moves up to the parent.
    private func split(_ node: BTreeNode<Value>) -> Split {
        let middle = node.entries.count / 2
        let right = BTreeNode<Value>(entries: node.entries[(middle + 1)...],
                                     children: node.isLeaf ? [] : Array(node.children[(middle + 1)...]))
        let result = Split(key: node.entries[middle].key, value: node.entries[middle].value, right: right)
        node.removePairs(from: middle)
        if !node.isLeaf { node.children.removeSubrange((middle + 1)...) }
        return result
    }

    // MARK: - Deletion

    /// Removes `key` from the subtree at `node`, which holds at least t keys (or is the root).
    private func remove(_ key: BTreeKey, from node: BTreeNode<Value>) -> Value? {
        let (index, found) = node.search(key)
        if node.isLeaf {
            guard found else { return nil }
            return node.remove(at: index).value
        }
        guard found else {
            return remove(key, from: makeRoomInChild(of: node, at: index))
        }
        // The key sits in an inner node: replace it with its neighbour from a child that can
        // spare a key, or merge the two children around it and delete from the merged node.
        let old = node.entries[index].value
        let left = node.children[index]
        let right = node.children[index + 1]
        if left.entries.count >= Self.minimumDegree {
            let predecessor = left.lastKey
            if let value = remove(predecessor, from: left) { node.replace(at: index, with: predecessor, value) }
        } else if right.entries.count >= Self.minimumDegree {
            let successor = right.firstKey
            if let value = remove(successor, from: right) { node.replace(at: index, with: successor, value) }
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
        if child.entries.count >= Self.minimumDegree { return child }
        if index > 0, node.children[index - 1].entries.count >= Self.minimumDegree {
            // Rotate right: the parent's separator moves down, the left sibling's last key up.
            let left = node.children[index - 1]
            child.insert(node.entries[index - 1].key, node.entries[index - 1].value, at: 0)
            let last = left.remove(at: left.entries.count - 1)
            node.replace(at: index - 1, with: last.key, last.value)
            if !left.isLeaf { child.children.insert(left.children.removeLast(), at: 0) }
            return child
        }
        if index + 1 < node.children.count, node.children[index + 1].entries.count >= Self.minimumDegree {
            // Rotate left: the mirror image.
            let right = node.children[index + 1]
            child.insert(node.entries[index].key, node.entries[index].value, at: child.entries.count)
            let first = right.remove(at: 0)
            node.replace(at: index, with: first.key, first.value)
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
        left.absorb(separator: node.remove(at: index), right)
    }

    // MARK: - Traversal

    /// Calls `body` with each pair inside the bounds, ascending (or descending when `reverse`),
    /// until it returns false: a scan that needs no array of the pairs it passes over.
    /// - Complexity: O(log n) plus O(1) per pair visited
    func walk(from start: KeyRange.Bound, to end: KeyRange.Bound, reverse: Bool,
              _ body: ([UInt8], Value) throws -> Bool) rethrows {
        if reverse {
            _ = try visitReverse(root, from: end) { key, value in
                start.admitsAsStart(key) ? try body(key, value) : false
            }
        } else {
            _ = try visitForward(root, from: start) { key, value in
                end.admitsAsEnd(key) ? try body(key, value) : false
            }
        }
    }

    /// In-order walk of the keys that satisfy `start`; returns false once `body` asked to stop.
    private func visitForward(
        _ node: BTreeNode<Value>, from start: KeyRange.Bound, _ body: ([UInt8], Value) throws -> Bool
    ) rethrows -> Bool {
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
        // Local copies of the node's arrays: reading a class's array property inside the loop
        // would retain and release its buffer (and check exclusivity) for every pair.
        let (entries, children) = (node.entries, node.children)
        if !children.isEmpty, let bound = firstChild {
            if try !visitForward(children[first], from: bound, body) { return false }
        }
        var index = first
        while index < entries.count {
            if try !body(entries[index].key.bytes, entries[index].value) { return false }
            if !children.isEmpty, try !visitForward(children[index + 1], from: .unbounded, body) { return false }
            index += 1
        }
        return true
    }

    /// Reverse in-order walk of the keys that satisfy `end`; returns false once `body` stops.
    private func visitReverse(
        _ node: BTreeNode<Value>, from end: KeyRange.Bound, _ body: ([UInt8], Value) throws -> Bool
    ) rethrows -> Bool {
        // `past` counts the keys that satisfy the end bound; `lastChild` is the bound for
        // children[past], or nil when that child lies entirely after the end.
        var past = node.entries.count
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
        let (entries, children) = (node.entries, node.children)  // see visitForward
        if !children.isEmpty, let bound = lastChild {
            if try !visitReverse(children[past], from: bound, body) { return false }
        }
        var index = past - 1
        while index >= 0 {
            if try !body(entries[index].key.bytes, entries[index].value) { return false }
            if !children.isEmpty, try !visitReverse(children[index], from: .unbounded, body) { return false }
            index -= 1
        }
        return true
    }

    private func forEach(_ node: BTreeNode<Value>, _ body: ([UInt8], Value) throws -> Void) rethrows {
        for index in node.entries.indices {
            if !node.isLeaf { try forEach(node.children[index], body) }
            try body(node.entries[index].key.bytes, node.entries[index].value)
        }
        if let last = node.children.last { try forEach(last, body) }
    }

    // MARK: - Checking (tests)

    /// Checks the B-tree invariants: keys strictly ascending across the whole tree, every
    /// non-root node holding t - 1…2t - 1 keys, inner nodes one more child than keys, every
    /// leaf at the same depth, and each node's comparison words in step with its keys.
    /// Returns a description of the first violation, or nil.
    func invariantViolation() -> String? {
        var leafDepth: Int?
        var previous: [UInt8]?
        var seen = 0
        func check(_ node: BTreeNode<Value>, depth: Int, isRoot: Bool) -> String? {
            if !isRoot, node.entries.count < Self.minimumDegree - 1 { return "underfull node (\(node.entries.count) keys)" }
            if node.entries.count > Self.maximumKeys { return "overfull node (\(node.entries.count) keys)" }
            if let problem = node.wordsViolation() { return problem }
            if node.isLeaf {
                if let leafDepth, leafDepth != depth { return "leaves at depths \(leafDepth) and \(depth)" }
                leafDepth = depth
            } else if node.children.count != node.entries.count + 1 {
                return "inner node with \(node.entries.count) keys has \(node.children.count) children"
            }
            for index in node.entries.indices {
                if !node.isLeaf, let problem = check(node.children[index], depth: depth + 1, isRoot: false) { return problem }
                if let previous, compareBytes(previous, node.entries[index].key.bytes) >= 0 { return "keys out of order" }
                if node.entries[index].key.prefix != BTreeKey(node.entries[index].key.bytes).prefix { return "stale key prefix" }
                previous = node.entries[index].key.bytes
                seen += 1
            }
            if let last = node.children.last { return check(last, depth: depth + 1, isRoot: false) }
            return nil
        }
        if let problem = check(root, depth: 0, isRoot: true) { return problem }
        return seen == count ? nil : "count is \(count) but the tree holds \(seen) keys"
    }
}
