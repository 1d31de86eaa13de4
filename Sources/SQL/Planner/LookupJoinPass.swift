/// A hash join reads its whole right side into a hash table. When one side is a plain table
/// keyed on the join column — its primary key, or an indexed column — looking each row of the
/// other side up by that key reads only the rows that match: a one-row left side costs one
/// lookup instead of a scan of the table. Sides are swapped (inner joins only) to put the
/// keyed table on the looked-up side. A primary key beats an index; two sides keyed equally
/// well give no reason to choose, and stay a hash join.
enum LookupJoinPass {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in rewrite(n) }
    }

    /// The table of a plain scan keyed on `column`, and how well: 2 by its primary key, 1 by an index.
    private static func keyed(_ node: Node, _ column: Int) -> (table: Table, alias: String?, filter: Expression?, rank: Int)? {
        guard case .scan(let table, let alias, let filter) = node, table.columns.indices.contains(column) else { return nil }
        if column == table.primaryKey { return (table, alias, filter, 2) }
        return table.columns[column].isIndexed ? (table, alias, filter, 1) : nil
    }

    private static func rewrite(_ node: Node) -> Node {
        guard case .hashJoin(let left, let leftColumn, let right, let rightColumn, let outer) = node else { return node }
        let leftKeyed = keyed(left, leftColumn), rightKeyed = keyed(right, rightColumn)
        let leftRank = leftKeyed?.rank ?? 0, rightRank = rightKeyed?.rank ?? 0
        // The better-keyed side is looked up; equally keyed sides give no reason to choose.
        if let r = rightKeyed, rightRank > leftRank {
            return .lookupJoin(left: left, leftColumn: leftColumn, table: r.table, alias: r.alias, column: rightColumn,
                               filter: r.filter, outer: outer)
        }
        if let l = leftKeyed, leftRank > rightRank, !outer {
            // Look the left table up from the right side, then put the columns back in order.
            let leftWidth = left.columns.count, rightWidth = right.columns.count
            let join = Node.lookupJoin(left: right, leftColumn: rightColumn, table: l.table, alias: l.alias,
                                       column: leftColumn, filter: l.filter, outer: false)
            let reorder = (0..<leftWidth).map { Expression.column(rightWidth + $0) } + (0..<rightWidth).map(Expression.column)
            return .projection(source: join, expressions: reorder, labels: node.columns)
        }
        return node
    }
}
