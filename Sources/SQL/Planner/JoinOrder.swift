/// **JoinOrder**: a FROM list of many tables is joined in an order where each next table is
/// tied by an equality to what is already joined, never a cross product in written order.
///
/// Generated test suites write `FROM t43, t61, t41, … WHERE b44 = a16 AND b64 = a62 AND …`:
/// in written order t43 and t61 share no condition, so joining them first makes every pair of
/// their rows, and every further table multiplies that. The pass flattens a tree of inner joins
/// into its tables and conditions, then rebuilds it left-deep: start with the first table, and
/// repeatedly add the first (in written order) table that a condition connects to the joined
/// ones — only when none is connected does a cross product remain. Each condition sits on the
/// join that adds its last table, where the HashJoin and LookupJoin passes find it. A projection
/// on top puts the columns back in written order.
enum JoinOrder {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedDown { n throws(SQLError) in reorder(n) }
    }

    /// A table (or any non-join input) of the flattened join, with where its columns start.
    private struct Leaf {
        var node: Node
        var offset: Int
        var width: Int
    }

    private static func flatten(_ node: Node, offset: Int, _ leaves: inout [Leaf], _ conditions: inout [Expression]) {
        if case .nestedLoopJoin(let left, let right, let predicate, false) = node {
            let leftWidth = left.columns.count
            flatten(left, offset: offset, &leaves, &conditions)
            flatten(right, offset: offset + leftWidth, &leaves, &conditions)
            for c in predicate?.conjuncts ?? [] { conditions.append(c.shiftingColumns { $0 + offset }) }
        } else {
            leaves.append(Leaf(node: node, offset: offset, width: node.columns.count))
        }
    }

    private static func reorder(_ node: Node) -> Node {
        guard case .nestedLoopJoin(_, _, _, false) = node else { return node }
        var leaves: [Leaf] = []
        var conditions: [Expression] = []
        flatten(node, offset: 0, &leaves, &conditions)
        guard leaves.count >= 3 else { return node }

        // Which leaf a column belongs to, and which leaves each condition needs.
        var leafOf: [Int] = []
        for (i, leaf) in leaves.enumerated() { leafOf += Array(repeating: i, count: leaf.width) }
        let needs: [Set<Int>] = conditions.map { c in
            Set(c.referencedColumns.compactMap { leafOf.indices.contains($0) ? leafOf[$0] : nil })
        }
        // Leaves an equality between two of them connects.
        var neighbours = Array(repeating: Set<Int>(), count: leaves.count)
        for (i, c) in conditions.enumerated() where needs[i].count == 2 {
            guard case .equal = c else { continue }
            let pair = Array(needs[i])
            neighbours[pair[0]].insert(pair[1])
            neighbours[pair[1]].insert(pair[0])
        }

        var order = [0]
        var joined: Set<Int> = [0]
        while order.count < leaves.count {
            let next = leaves.indices.first { !joined.contains($0) && !neighbours[$0].isDisjoint(with: joined) }
                ?? leaves.indices.first { !joined.contains($0) } ?? 0
            order.append(next)
            joined.insert(next)
        }
        if order == Array(leaves.indices) { return node }

        // Old column position → new one.
        var newPosition = Array(repeating: 0, count: leafOf.count)
        var position = 0
        for i in order {
            for c in 0..<leaves[i].width { newPosition[leaves[i].offset + c] = position + c }
            position += leaves[i].width
        }
        let remap: (Int) -> Int = { newPosition.indices.contains($0) ? newPosition[$0] : $0 }

        var placed = Array(repeating: false, count: conditions.count)
        var tree = leaves[order[0]].node
        joined = [order[0]]
        for i in order.dropFirst() {
            joined.insert(i)
            var here: [Expression] = []
            for (c, condition) in conditions.enumerated() where !placed[c] && needs[c].isSubset(of: joined) {
                placed[c] = true
                here.append(condition.shiftingColumns(remap))
            }
            tree = .nestedLoopJoin(left: tree, right: leaves[i].node, predicate: Expression.conjunction(here), outer: false)
        }
        let restore = (0..<leafOf.count).map { Expression.column(newPosition[$0]) }
        return .projection(source: tree, expressions: restore, labels: node.columns)
    }
}
