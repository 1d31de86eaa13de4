/// An ordered map from byte-string keys to byte-string values: a B-tree.
///
/// Both engines keep their keys in one: the memory engine maps key → value, BitCask's key
/// directory maps key → where the value lives in the log (12 bytes). A B-tree keeps up to
/// `2t - 1` sorted keys per node (by default t = 128, so 127…255 keys per non-root node), so a
/// million keys fit in a tree three levels deep: a lookup is three binary searches, each in
/// one node's entries and bytes. Each node holds its keys' and values' bytes itself (see
/// `BTreeNode`), which is what makes such wide nodes pay: with keys and values as heap objects
/// of their own, t = 128 measured no faster than t = 32, and this way it is a third faster.
/// (A wider node costs more to insert into the middle of; 255 entries of 32 bytes is 8 KiB.)
///
/// Insertion adds to a leaf and splits nodes that overflow on the way back up. Deletion is the
/// classic top-down algorithm (Cormen et al.): before descending into a child, make sure it
/// holds at least `t` keys — by borrowing a key through the parent from a sibling, or by merging
/// with a sibling — so removing one key can never leave a node below `t - 1` keys.
///
/// Pairs are handed to callers as slices of the nodes' buffers (no copies); the slices stay
/// valid after the tree changes, because arrays copy on write. Methods that return a pair
/// rather than visit it return copies.
///
/// A reference type with a single owner (the engine); it is not thread-safe.
final class BTree {
    /// The default minimum degree t.
    static let defaultMinimumDegree = 128
    /// The minimum degree t: every node except the root holds between t - 1 and 2t - 1 keys.
    /// (Tests choose a small one, so that a few thousand keys make a tree several levels deep.)
    let minimumDegree: Int
    private var maximumKeys: Int { 2 * minimumDegree - 1 }

    private var root = BTreeNode()
    /// The number of keys stored.
    private(set) var count = 0

    /// An empty tree; `minimumDegree` must be at least 2.
    init(minimumDegree: Int = BTree.defaultMinimumDegree) {
        self.minimumDegree = max(2, minimumDegree)
    }

    /// A tree holding `pairs` (keys strictly ascending), built bottom-up.
    ///
    /// Bulk loading fills the nodes level by level without a single search or split, so it is
    /// much cheaper than n inserts. Each level spreads its keys evenly over just enough nodes
    /// of at most 2t - 1 keys, with one key between neighbours moving up as their separator;
    /// even spreading keeps every node at t - 1 keys or more.
    /// - Complexity: O(n)
    init(sorted pairs: [BTreePair], minimumDegree: Int = BTree.defaultMinimumDegree) {
        self.minimumDegree = max(2, minimumDegree)
        count = pairs.count
        var level = (pairs: pairs, children: [BTreeNode]())
        while level.pairs.count > maximumKeys {
            level = buildLevel(pairs: level.pairs, children: level.children)
        }
        root = BTreeNode(pairs: level.pairs, children: level.children)
    }

    /// Groups one level's pairs (and, above the leaves, its children: one more than pairs) into
    /// nodes; returns the separators between them and the nodes, the level above's input.
    private func buildLevel(pairs: [BTreePair], children: [BTreeNode]) -> (pairs: [BTreePair], children: [BTreeNode]) {
        let nodeCount = (pairs.count + 1 + maximumKeys) / (maximumKeys + 1)  // ⌈(n + 1) / 2t⌉
        let inNodes = pairs.count - (nodeCount - 1)
        let base = inNodes / nodeCount
        let extra = inNodes % nodeCount
        var up = (pairs: [BTreePair](), children: [BTreeNode]())
        up.pairs.reserveCapacity(nodeCount - 1)
        up.children.reserveCapacity(nodeCount)
        var next = 0
        var nextChild = 0
        for node in 0..<nodeCount {
            let size = base + (node < extra ? 1 : 0)
            let nodeChildren = children.isEmpty ? [] : Array(children[nextChild..<(nextChild + size + 1)])
            nextChild += size + 1
            up.children.append(BTreeNode(pairs: pairs[next..<(next + size)], children: nodeChildren))
            next += size
            if node < nodeCount - 1 {
                up.pairs.append(pairs[next])
                next += 1
            }
        }
        return up
    }

    /// The value stored under `key`, or nil.
    /// - Complexity: O(log n)
    func get(_ key: [UInt8]) -> [UInt8]? {
        key.withUnsafeBytes { probe in
            var node = root
            while true {
                let (index, found) = node.search(probe)
                if found { return Array(node.value(at: index)) }
                let children = node.children
                if children.isEmpty { return nil }
                node = children[index]
            }
        }
    }

    /// Stores `value` under `key` and returns the value it replaced, if any.
    /// - Complexity: O(log n)
    @discardableResult
    func set(_ key: [UInt8], _ value: [UInt8]) -> [UInt8]? {
        let (old, split) = insert(BTreePair(key: key[...], value: value[...]), into: root)
        if let split {
            root = BTreeNode(pairs: [split.pair], children: [root, split.right])
        }
        if old == nil { count += 1 }
        return old
    }

    /// Removes `key` and returns its value, if it was present.
    /// - Complexity: O(log n)
    @discardableResult
    func remove(_ key: [UInt8]) -> [UInt8]? {
        let old = remove(key[...], from: root)
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
    /// and `end` (as an upper bound), each built by `make` (which copies what it keeps).
    /// - Complexity: O(log n + limit)
    func pairs<T>(from start: KeyRange.Bound, to end: KeyRange.Bound, limit: Int,
                  _ make: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> T) -> [T] {
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
    /// and `start` (as a lower bound), each built by `make`.
    /// - Complexity: O(log n + limit)
    func pairsReversed<T>(from end: KeyRange.Bound, to start: KeyRange.Bound, limit: Int,
                          _ make: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> T) -> [T] {
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
    func last(from end: KeyRange.Bound, to start: KeyRange.Bound) -> (key: [UInt8], value: [UInt8])? {
        var candidate: (node: BTreeNode, index: Int)?
        var node = root
        let probe: [UInt8]?
        let inclusive: Bool
        switch end {
        case .unbounded: (probe, inclusive) = (nil, false)
        case .included(let key): (probe, inclusive) = (key, true)
        case .excluded(let key): (probe, inclusive) = (key, false)
        }
        while true {
            // Keys before `index` lie below the bound; the key at `index` equals it when found.
            var index = node.entries.count
            if let probe {
                let (position, found) = node.search(probe[...])
                if found && inclusive {
                    candidate = (node, position)
                    break
                }
                index = position
            }
            if index > 0 { candidate = (node, index - 1) }
            // Whatever lies in children[index] sorts after the candidate and below the bound.
            guard !node.isLeaf else { break }
            node = node.children[index]
        }
        guard let (found, index) = candidate else { return nil }
        let pair = found.pair(at: index)
        guard start.admitsAsStart(pair.key) else { return nil }
        return (Array(pair.key), Array(pair.value))
    }

    /// For each probe, the pair with the greatest key at or before it, or nil: ``last(from:to:)``
    /// with an inclusive end for a batch of keys. See the visiting form below.
    func lastAtOrBefore(_ probes: [[UInt8]]) -> [(key: [UInt8], value: [UInt8])?] {
        var answers = [(key: [UInt8], value: [UInt8])?](repeating: nil, count: probes.count)
        lastAtOrBefore(KeyBatch(probes)) { index, key, value in answers[index] = (Array(key), Array(value)) }
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
    /// than into an array: a join decodes each row straight out of the tree's buffer.
    /// - Complexity: O(log n) per probe; O(log t) for a probe in the previous probe's leaf.
    func lastAtOrBefore(_ probes: KeyBatch,
                        _ body: (_ index: Int, _ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) rethrows {
        try probes.bytes.withUnsafeBytes { all in
            var leaf: LeafFinger?
            var start = 0
            for (index, end) in probes.ends.enumerated() {
                let probe = UnsafeRawBufferPointer(rebasing: all[start..<end])
                start = end
                if let found = leaf?.answer(for: probe) {
                    try body(index, found.node.key(at: found.index), found.node.value(at: found.index))
                    continue
                }
                leaf = nil
                // The descent of `last(from:to:)`, remembering the separator passed last (the
                // answer if the leaf holds nothing at or before the probe) and the one after the
                // leaf (its upper fence, for the next probe).
                var node = root
                var high: ArraySlice<UInt8>?
                var candidate: (node: BTreeNode, index: Int)?
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
                    if passed < node.entries.count { high = node.key(at: passed) }
                    node = node.children[passed]
                }
                if let (node, position) = candidate { try body(index, node.key(at: position), node.value(at: position)) }
            }
        }
    }

    /// The leaf of the previous answer and where in it that answer lay.
    private struct LeafFinger {
        let node: BTreeNode
        /// The first key after the leaf (nil: none).
        let high: ArraySlice<UInt8>?
        /// How many keys lie at or before the previous probe.
        var passed: Int
        /// How far the previous probe moved: with evenly spaced probes (a join's ids) the
        /// next one usually moves as far, so that spot is tried first.
        var step = 0

        /// Where the answer lies if `probe` lies between the leaf's first key and `high`, else nil.
        mutating func answer(for probe: UnsafeRawBufferPointer) -> (node: BTreeNode, index: Int)? {
            if let high, compareBytes(high, probe) <= 0 { return nil }
            let count = node.count(atOrBefore: probe, from: 0, guess: passed + step)
            // Before the leaf's first key: the answer lies in an earlier leaf.
            guard count > 0 else { return nil }
            (passed, step) = (count, count - passed)
            return (node, count - 1)
        }
    }

    /// Calls `body` with every pair in ascending key order.
    /// - Complexity: O(n)
    func forEach(_ body: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) rethrows {
        try forEach(root, body)
    }

    // MARK: - Insertion

    private struct Split {
        var pair: BTreePair
        var right: BTreeNode
    }

    private func insert(_ pair: BTreePair, into node: BTreeNode) -> (old: [UInt8]?, split: Split?) {
        let (index, found) = node.search(pair.key)
        if found {
            return (node.setValue(pair.value, at: index), nil)
        }
        if node.isLeaf {
            node.insert(pair, at: index)
        } else {
            let (old, childSplit) = insert(pair, into: node.children[index])
            guard let childSplit else { return (old, nil) }
            node.insert(childSplit.pair, at: index)
            node.children.insert(childSplit.right, at: index + 1)
        }
        return (nil, node.entries.count > maximumKeys ? split(node) : nil)
    }

    /// Splits an overflowing node in two around its middle key, which moves up to the parent.
    private func split(_ node: BTreeNode) -> Split {
        let middle = node.entries.count / 2
        let right = BTreeNode(pairsOf: node, from: middle + 1,
                              children: node.isLeaf ? [] : Array(node.children[(middle + 1)...]))
        let result = Split(pair: node.pair(at: middle), right: right)
        node.removePairs(from: middle)
        if !node.isLeaf { node.children.removeSubrange((middle + 1)...) }
        return result
    }

    // MARK: - Deletion

    /// Removes `key` from the subtree at `node`, which holds at least t keys (or is the root),
    /// and returns its value.
    private func remove(_ key: ArraySlice<UInt8>, from node: BTreeNode) -> [UInt8]? {
        let (index, found) = node.search(key)
        if node.isLeaf {
            guard found else { return nil }
            return Array(node.remove(at: index).value)
        }
        guard found else {
            return remove(key, from: makeRoomInChild(of: node, at: index))
        }
        // The key sits in an inner node: replace it with its neighbour from a child that can
        // spare a key, or merge the two children around it and delete from the merged node.
        let old = Array(node.value(at: index))
        let left = node.children[index]
        let right = node.children[index + 1]
        if left.entries.count >= minimumDegree, let predecessor = left.lastPair {
            if let value = remove(predecessor.key, from: left) {
                node.replace(at: index, with: BTreePair(key: predecessor.key, value: value[...]))
            }
        } else if right.entries.count >= minimumDegree, let successor = right.firstPair {
            if let value = remove(successor.key, from: right) {
                node.replace(at: index, with: BTreePair(key: successor.key, value: value[...]))
            }
        } else {
            merge(node, at: index)
            _ = remove(key, from: left)
        }
        return old
    }

    /// Ensures `node.children[index]` holds at least t keys before the deletion descends into
    /// it, and returns the child to descend into (a merge may replace it).
    private func makeRoomInChild(of node: BTreeNode, at index: Int) -> BTreeNode {
        let child = node.children[index]
        if child.entries.count >= minimumDegree { return child }
        if index > 0, node.children[index - 1].entries.count >= minimumDegree {
            // Rotate right: the parent's separator moves down, the left sibling's last key up.
            let left = node.children[index - 1]
            child.insert(node.pair(at: index - 1), at: 0)
            node.replace(at: index - 1, with: left.remove(at: left.entries.count - 1))
            if !left.isLeaf { child.children.insert(left.children.removeLast(), at: 0) }
            return child
        }
        if index + 1 < node.children.count, node.children[index + 1].entries.count >= minimumDegree {
            // Rotate left: the mirror image.
            let right = node.children[index + 1]
            child.insert(node.pair(at: index), at: child.entries.count)
            node.replace(at: index, with: right.remove(at: 0))
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
    private func merge(_ node: BTreeNode, at index: Int) {
        let left = node.children[index]
        let right = node.children.remove(at: index + 1)
        left.absorb(separator: node.remove(at: index), right)
    }

    // MARK: - Traversal

    /// Calls `body` with each pair inside the bounds, ascending (or descending when `reverse`),
    /// until it returns false: a scan that needs no array of the pairs it passes over.
    /// - Complexity: O(log n) plus O(1) per pair visited
    func walk(from start: KeyRange.Bound, to end: KeyRange.Bound, reverse: Bool,
              _ body: (_ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Bool) rethrows {
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
        _ node: BTreeNode, from start: KeyRange.Bound,
        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) throws -> Bool
    ) rethrows -> Bool {
        // `first` is the first key to report; `firstChild` the bound for children[first], or
        // nil when that child lies entirely before the start.
        var first = 0
        var firstChild: KeyRange.Bound? = .unbounded
        switch start {
        case .unbounded: break
        case .included(let key):
            let (index, found) = node.search(key[...])
            first = index
            firstChild = found ? nil : start
        case .excluded(let key):
            let (index, found) = node.search(key[...])
            first = found ? index + 1 : index
            firstChild = found ? .unbounded : start
        }
        // Local copies of the node's arrays: reading a class's array property inside the loop
        // would retain and release its buffer for every pair.
        let (entries, bytes, children) = (node.entries, node.bytes, node.children)
        if !children.isEmpty, let bound = firstChild {
            if try !visitForward(children[first], from: bound, body) { return false }
        }
        var index = first
        while index < entries.count {
            let entry = entries[index]
            if try !body(bytes[entry.start..<entry.keyEnd], bytes[entry.keyEnd..<entry.end]) { return false }
            if !children.isEmpty, try !visitForward(children[index + 1], from: .unbounded, body) { return false }
            index += 1
        }
        return true
    }

    /// Reverse in-order walk of the keys that satisfy `end`; returns false once `body` stops.
    private func visitReverse(
        _ node: BTreeNode, from end: KeyRange.Bound,
        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) throws -> Bool
    ) rethrows -> Bool {
        // `past` counts the keys that satisfy the end bound; `lastChild` is the bound for
        // children[past], or nil when that child lies entirely after the end.
        var past = node.entries.count
        var lastChild: KeyRange.Bound? = .unbounded
        switch end {
        case .unbounded: break
        case .included(let key):
            let (index, found) = node.search(key[...])
            past = found ? index + 1 : index
            lastChild = found ? nil : end
        case .excluded(let key):
            let (index, found) = node.search(key[...])
            past = index
            lastChild = found ? .unbounded : end
        }
        let (entries, bytes, children) = (node.entries, node.bytes, node.children)  // see visitForward
        if !children.isEmpty, let bound = lastChild {
            if try !visitReverse(children[past], from: bound, body) { return false }
        }
        var index = past - 1
        while index >= 0 {
            let entry = entries[index]
            if try !body(bytes[entry.start..<entry.keyEnd], bytes[entry.keyEnd..<entry.end]) { return false }
            if !children.isEmpty, try !visitReverse(children[index], from: .unbounded, body) { return false }
            index -= 1
        }
        return true
    }

    private func forEach(_ node: BTreeNode, _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) throws -> Void) rethrows {
        for index in node.entries.indices {
            if !node.isLeaf { try forEach(node.children[index], body) }
            let pair = node.pair(at: index)
            try body(pair.key, pair.value)
        }
        if let last = node.children.last { try forEach(last, body) }
    }

    // MARK: - Checking (tests)

    /// Checks the B-tree invariants: keys strictly ascending across the whole tree, every
    /// non-root node holding t - 1…2t - 1 keys, inner nodes one more child than keys, every
    /// leaf at the same depth, and each node's buffer, shared bytes and comparison words in
    /// step with its entries. Returns a description of the first violation, or nil.
    func invariantViolation() -> String? {
        var leafDepth: Int?
        var previous: ArraySlice<UInt8>?
        var seen = 0
        func check(_ node: BTreeNode, depth: Int, isRoot: Bool) -> String? {
            if !isRoot, node.entries.count < minimumDegree - 1 { return "underfull node (\(node.entries.count) keys)" }
            if node.entries.count > maximumKeys { return "overfull node (\(node.entries.count) keys)" }
            if let problem = node.layoutViolation() { return problem }
            if node.isLeaf {
                if let leafDepth, leafDepth != depth { return "leaves at depths \(leafDepth) and \(depth)" }
                leafDepth = depth
            } else if node.children.count != node.entries.count + 1 {
                return "inner node with \(node.entries.count) keys has \(node.children.count) children"
            }
            for index in node.entries.indices {
                if !node.isLeaf, let problem = check(node.children[index], depth: depth + 1, isRoot: false) { return problem }
                let key = node.key(at: index)
                if let previous, compareBytes(previous, key) >= 0 { return "keys out of order" }
                previous = key
                seen += 1
            }
            if let last = node.children.last { return check(last, depth: depth + 1, isRoot: false) }
            return nil
        }
        if let problem = check(root, depth: 0, isRoot: true) { return problem }
        return seen == count ? nil : "count is \(count) but the tree holds \(seen) keys"
    }
}
