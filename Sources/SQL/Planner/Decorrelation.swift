/// **Decorrelation**: a subquery that WHERE tests with IN or EXISTS becomes a join.
///
/// Run as written, `WHERE x IN (SELECT y FROM u)` or `WHERE EXISTS (SELECT … FROM u WHERE u.a
/// = t.b)` runs the subquery for each outer row (an `Apply` node). When the test only keeps or
/// drops rows, the same answer comes from one pass over `u`: hash its join column once, then
/// keep each outer row that finds a match (a semi-join) or, for `NOT EXISTS`, that finds none
/// (an anti-join). The simple shapes qualify:
///
/// - `x IN (SELECT y …)` with no outer references inside: semi-join on `x = y`.
/// - `[NOT] EXISTS (SELECT … FROM … WHERE inner = outer AND …)`, where that one equality is the
///   subquery's only outer reference: semi-join (anti-join) on `outer = inner`.
///
/// `NOT IN` stays an Apply: with a NULL among the subquery's values it is never TRUE, which no
/// anti-join expresses.
enum Decorrelation {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in rewrite(n) }
    }

    private static func rewrite(_ node: Node) -> Node {
        guard case .filter(.apply(let source, let subquery, let kind), let predicate) = node else { return node }
        let answer = source.columns.count
        var conjuncts = predicate.conjuncts
        guard let i = conjuncts.firstIndex(where: { $0 == .column(answer) || $0 == .not(.column(answer)) }) else {
            return node
        }
        let negated = conjuncts[i] != .column(answer)
        conjuncts.remove(at: i)
        guard !conjuncts.contains(where: { $0.referencedColumns.contains(answer) }),
              let join = semiJoin(source, subquery, kind, negated: negated) else { return node }
        // The answer column stays (constant for every kept row) so the columns above don't move.
        let kept = Expression.conjunction(conjuncts).map { Node.filter(source: join, predicate: $0) } ?? join
        return .projection(source: kept,
                           expressions: (0..<answer).map(Expression.column) + [.constant(.boolean(!negated))],
                           labels: node.columns)
    }

    private static func semiJoin(_ source: Node, _ subquery: Node, _ kind: SubqueryKind, negated: Bool) -> Node? {
        switch kind {
        case .in(.column(let column)) where !negated:
            guard subquery.columns.count == 1, outerReferences(subquery) == 0 else { return nil }
            return .semiJoin(left: source, leftColumn: column, right: subquery, rightColumn: 0, anti: false)
        case .exists:
            // What an EXISTS subquery selects does not matter: look below its projections.
            var inner = subquery
            while case .projection(let below, _, _) = inner { inner = below }
            guard outerReferences(inner) == 1 else { return nil }
            switch inner {
            case .scan(let table, let alias, let filter?):
                guard let (rest, innerColumn, outerColumn) = correlation(filter) else { return nil }
                let right = Node.scan(table: table, alias: alias, filter: rest)
                return .semiJoin(left: source, leftColumn: outerColumn, right: right, rightColumn: innerColumn, anti: negated)
            case .filter(let below, let predicate):
                guard let (rest, innerColumn, outerColumn) = correlation(predicate) else { return nil }
                let right = rest.map { Node.filter(source: below, predicate: $0) } ?? below
                return .semiJoin(left: source, leftColumn: outerColumn, right: right, rightColumn: innerColumn, anti: negated)
            default:
                return nil
            }
        default:
            return nil
        }
    }

    /// In `predicate`, the conjunct `inner = outer(…)` of the row one level out: the other
    /// conjuncts, and the two columns.
    private static func correlation(_ predicate: Expression) -> (Expression?, Int, Int)? {
        var conjuncts = predicate.conjuncts
        for (i, c) in conjuncts.enumerated() {
            switch c {
            case .equal(.column(let inner), .outer(1, let outer, _)), .equal(.outer(1, let outer, _), .column(let inner)):
                conjuncts.remove(at: i)
                return (Expression.conjunction(conjuncts), inner, outer)
            default:
                continue
            }
        }
        return nil
    }

    /// How many outer references the tree holds, at any level.
    private static func outerReferences(_ node: Node) -> Int {
        var count = 0
        _ = node.mappingExpressions { e in
            e.contains { x in
                if case .outer = x { count += 1 }
                return false
            }
            return e
        }
        return node.children.reduce(count) { $0 + outerReferences($1) }
    }
}
