/// The optimizer: a list of named passes, each a pure function from plan to plan.
///
/// The planner's tree is correct but naive: it filters after scanning everything and joins by
/// trying every pair of rows. Each pass rewrites it into an equivalent, cheaper tree:
///
/// 1. **ConstantFolding** evaluates what needs no row (`1 + 2` → `3`, `x AND FALSE` → `FALSE`).
/// 2. **FilterPushdown** moves conditions as close to the data as possible: into scans (so the
///    engine drops rows before they are even decoded into the executor) and into the sides of
///    joins, leaving in a join's predicate only what needs both sides.
/// 3. **Decorrelation** turns `IN (SELECT …)` and `[NOT] EXISTS (SELECT …)` tests in WHERE
///    into semi- and anti-joins, so the subquery runs once instead of once per row.
/// 4. **IndexLookup** turns a scan filtered on `pk = c`, `pk IN (…)` (or an indexed column) into
///    direct lookups: O(log n) per key instead of reading the whole table.
/// 5. **JoinOrder** joins the tables of a long FROM list in an order where each is tied by an
///    equality to those joined before it (see `JoinOrder`).
/// 6. **HashJoin** replaces a nested-loop join on `a.x = b.y` with a hash join: O(n + m)
///    instead of O(n·m).
/// 7. **LookupJoin** turns a hash join whose one side is a table keyed (primary key or index)
///    on the join column into lookups by key per row of the other side: no scan of that table.
/// 8. **ShortCircuit** removes work that cannot matter: always-TRUE filters, identity
///    projections, and — for always-FALSE filters or LIMIT 0 — the whole subtree, replaced by
///    `Nothing`.
///
/// Because every pass is pure, `.explain steps` can show the plan after each one.
public struct OptimizerPass: Sendable {
    public let name: String
    /// Why the pass is worth running, in one line (`.explain steps` prints it when it acts).
    public let why: String
    let rewrite: @Sendable (Node) throws(SQLError) -> Node

    /// Applies the pass to a plan's query tree (plans without one are returned unchanged).
    public func apply(_ plan: Plan) throws(SQLError) -> Plan {
        guard let root = plan.root else { return plan }
        return plan.replacingRoot(try rewrite(root))
    }
}

/// The optimizer's passes and how to run them.
public enum Optimizer {
    /// The passes, in the order they run.
    public static let passes: [OptimizerPass] = [
        OptimizerPass(name: "ConstantFolding", why: "what needs no row is worked out once, not per row",
                      rewrite: ConstantFolding.apply),
        OptimizerPass(name: "FilterPushdown", why: "rows dropped near the data are never carried up the tree",
                      rewrite: FilterPushdown.apply),
        OptimizerPass(name: "Decorrelation", why: "a subquery run once as a join beats running it per outer row",
                      rewrite: Decorrelation.apply),
        OptimizerPass(name: "IndexLookup", why: "looking keys up reads a few rows instead of the whole table",
                      rewrite: IndexLookup.apply),
        OptimizerPass(name: "JoinOrder", why: "joining tables a predicate ties together never builds a cross product",
                      rewrite: JoinOrder.apply),
        OptimizerPass(name: "HashJoin", why: "a hash table joins in O(n + m) instead of trying every pair",
                      rewrite: HashJoinPass.apply),
        OptimizerPass(name: "LookupJoin", why: "a few outer rows look their matches up by key instead of hashing a table",
                      rewrite: LookupJoinPass.apply),
        OptimizerPass(name: "ShortCircuit", why: "work whose result cannot matter is not done at all",
                      rewrite: ShortCircuit.apply),
    ]

    /// The plan after every pass.
    public static func optimize(_ plan: Plan) throws(SQLError) -> Plan {
        var plan = plan
        for pass in passes { plan = try pass.apply(plan) }
        return plan
    }
}

// MARK: - Constant folding

enum ConstantFolding {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in n.mappingExpressions(fold) }
    }

    /// Folds constant subexpressions; a constant that fails to evaluate (`1 / 0`) is left for
    /// the executor, so the error appears when (and only if) the expression runs.
    static func fold(_ e: Expression) -> Expression {
        (try? e.transformed { e throws(SQLError) -> Expression in
            if case .constant = e { return e }
            if e.isConstant {
                // A constant that fails to evaluate stays as it is, to fail when it runs.
                if let value = try? e.evaluate([]) { return .constant(value) }
                return e
            }
            switch e {
            case .and(let list): return foldLogic(list, decisive: false) { .and($0) }
            case .or(let list): return foldLogic(list, decisive: true) { .or($0) }
            default: return e
            }
        }) ?? e
    }
}

extension ConstantFolding {
    /// `… AND FALSE AND …` is FALSE (`… OR TRUE …` is TRUE); `x AND TRUE` is x, but only if x is
    /// a boolean (or NULL): `1 AND TRUE` must still fail.
    static func foldLogic(_ list: [Expression], decisive: Bool,
                          rebuild: ([Expression]) -> Expression) -> Expression {
        if list.contains(.constant(.boolean(decisive))) { return .constant(.boolean(decisive)) }
        let neutral = Expression.constant(.boolean(!decisive))
        let rest = list.filter { $0 != neutral }
        guard rest.count < list.count, rest.allSatisfy(\.isBoolean) else { return rebuild(list) }
        switch rest.count {
        case 0: return neutral
        case 1: return rest[0]
        default: return rebuild(rest)
        }
    }
}

extension Node {
    /// The node with `transform` applied to each of its own expressions (not its children's).
    func mappingExpressions(_ transform: (Expression) -> Expression) -> Node {
        switch self {
        case .scan(let table, let alias, let filter):
            return .scan(table: table, alias: alias, filter: filter.map(transform))
        case .filter(let source, let predicate):
            return .filter(source: source, predicate: transform(predicate))
        case .projection(let source, let expressions, let labels):
            return .projection(source: source, expressions: expressions.map(transform), labels: labels)
        case .nestedLoopJoin(let left, let right, let predicate, let outer):
            return .nestedLoopJoin(left: left, right: right, predicate: predicate.map(transform), outer: outer)
        case .aggregate(let source, let groupBy, let aggregates):
            return .aggregate(source: source, groupBy: groupBy.map(transform),
                              aggregates: aggregates.map { Aggregate($0.function, transform($0.argument), distinct: $0.distinct) })
        case .order(let source, let keys):
            return .order(source: source, keys: keys.map { OrderKey(transform($0.expression), $0.direction) })
        case .values(let rows, let labels):
            return .values(rows: rows.map { $0.map(transform) }, labels: labels)
        case .lookupJoin(let left, let lc, let table, let alias, let column, let filter, let outer):
            return .lookupJoin(left: left, leftColumn: lc, table: table, alias: alias, column: column,
                               filter: filter.map(transform), outer: outer)
        case .apply(let source, let subquery, .in(let operand)):
            return .apply(source: source, subquery: subquery, kind: .in(transform(operand)))
        case .keyLookup, .indexLookup, .hashJoin, .limit, .offset, .distinct, .nothing, .apply, .semiJoin,
             .setOperation:
            return self
        }
    }
}

// MARK: - Filter pushdown

enum FilterPushdown {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedDown { n throws(SQLError) in push(n) }
    }

    private static func push(_ node: Node) -> Node {
        switch node {
        // A filter over a scan becomes the scan's own filter (evaluated inside the engine).
        case .filter(.scan(let table, let alias, let existing), let predicate):
            let combined = Expression.conjunction((existing?.conjuncts ?? []) + predicate.conjuncts)
            return .scan(table: table, alias: alias, filter: combined)
        case .filter(.filter(let source, let inner), let outer):
            return push(.filter(source: source, predicate: .and(inner.conjuncts + outer.conjuncts)))
        // Conditions that don't test a subquery's answer are checked before it runs.
        case .filter(.apply(let source, let subquery, let kind), let predicate):
            let width = source.columns.count
            var below: [Expression] = []
            var above: [Expression] = []
            for c in predicate.conjuncts {
                if c.referencedColumns.contains(where: { $0 >= width }) { above.append(c) } else { below.append(c) }
            }
            guard let pushed = Expression.conjunction(below) else { return node }
            let applied = Node.apply(source: push(.filter(source: source, predicate: pushed)), subquery: subquery, kind: kind)
            return Expression.conjunction(above).map { Node.filter(source: applied, predicate: $0) } ?? applied
        case .filter(.nestedLoopJoin(let left, let right, let joinPredicate, let outerJoin), let predicate):
            let leftWidth = left.columns.count
            var above: [Expression] = []
            var toLeft: [Expression] = []
            var toJoin: [Expression] = []
            for c in predicate.conjuncts {
                let columns = c.referencedColumns
                if !columns.isEmpty && columns.allSatisfy({ $0 < leftWidth }) {
                    toLeft.append(c)
                } else if outerJoin {
                    // Above a LEFT JOIN, a condition on the right side also sees the NULL-padded
                    // rows; moving it into the join would keep rows it should drop.
                    above.append(c)
                } else {
                    toJoin.append(c)
                }
            }
            let newLeft = Expression.conjunction(toLeft).map { Node.filter(source: left, predicate: $0) } ?? left
            let newPredicate = Expression.conjunction((joinPredicate?.conjuncts ?? []) + toJoin)
            let join = push(.nestedLoopJoin(left: newLeft, right: right, predicate: newPredicate, outer: outerJoin))
            return Expression.conjunction(above).map { Node.filter(source: join, predicate: $0) } ?? join
        // A join predicate's conditions that need only one side go down to that side.
        case .nestedLoopJoin(let left, let right, let predicate?, let outerJoin):
            let leftWidth = left.columns.count
            var keep: [Expression] = []
            var toLeft: [Expression] = []
            var toRight: [Expression] = []
            for c in predicate.conjuncts {
                let columns = c.referencedColumns
                if !columns.isEmpty && columns.allSatisfy({ $0 < leftWidth }) && !outerJoin {
                    toLeft.append(c)
                } else if !columns.isEmpty && columns.allSatisfy({ $0 >= leftWidth }) {
                    // For a LEFT JOIN an ON condition on the right side just narrows what can
                    // match, exactly as filtering the right side first does.
                    toRight.append(c.shiftingColumns { $0 - leftWidth })
                } else {
                    keep.append(c)
                }
            }
            if toLeft.isEmpty && toRight.isEmpty { return node }
            let newLeft = Expression.conjunction(toLeft).map { Node.filter(source: left, predicate: $0) } ?? left
            let newRight = Expression.conjunction(toRight).map { Node.filter(source: right, predicate: $0) } ?? right
            return .nestedLoopJoin(left: newLeft, right: newRight, predicate: Expression.conjunction(keep),
                                   outer: outerJoin)
        default:
            return node
        }
    }
}

// MARK: - Index lookup

enum IndexLookup {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in
            guard case .scan(let table, let alias, let filter?) = n else { return n }
            let conjuncts = filter.conjuncts
            // Prefer the primary key, then any indexed column.
            for (i, c) in conjuncts.enumerated() {
                guard let (column, values) = lookupValues(c, table), column == table.primaryKey else { continue }
                var rest = conjuncts
                rest.remove(at: i)
                let lookup = Node.keyLookup(table: table, alias: alias, ids: values)
                return Expression.conjunction(rest).map { Node.filter(source: lookup, predicate: $0) } ?? lookup
            }
            for (i, c) in conjuncts.enumerated() {
                guard let (column, values) = lookupValues(c, table), table.columns[column].isIndexed else { continue }
                var rest = conjuncts
                rest.remove(at: i)
                let lookup = Node.indexLookup(table: table, alias: alias, column: column, values: values)
                return Expression.conjunction(rest).map { Node.filter(source: lookup, predicate: $0) } ?? lookup
            }
            return n
        }
    }

    /// If `e` is `col = c`, `col IN (c, …)` or an OR of those on one column, the column and the
    /// values. Only values of the column's own type qualify, so a type error stays an error.
    static func lookupValues(_ e: Expression, _ table: Table) -> (Int, [Value])? {
        var column: Int?
        var values: [Value] = []
        func add(_ col: Int, _ value: Value) -> Bool {
            guard table.columns.indices.contains(col), column == nil || column == col else { return false }
            if value == .null { column = col; return true }   // `= NULL` matches nothing
            guard value.dataType == table.columns[col].dataType else { return false }
            if case .float(let f) = value, f.isNaN { column = col; return true }   // NaN = NaN is FALSE
            column = col
            values.append(value)
            return true
        }
        for d in e.disjuncts {
            switch d {
            case .equal(.column(let col), .constant(let v)), .equal(.constant(let v), .column(let col)):
                guard add(col, v) else { return nil }
            case .inList(.column(let col), let list):
                for item in list {
                    guard case .constant(let v) = item, add(col, v) else { return nil }
                }
            default:
                return nil
            }
        }
        guard let column else { return nil }
        return (column, values)
    }
}

// MARK: - Hash join

enum HashJoinPass {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in
            guard case .nestedLoopJoin(let left, let right, let predicate?, let outer) = n else { return n }
            let leftWidth = left.columns.count
            let conjuncts = predicate.conjuncts
            for (i, c) in conjuncts.enumerated() {
                guard case .equal(.column(let a), .column(let b)) = c else { continue }
                let (l, r): (Int, Int)
                if a < leftWidth && b >= leftWidth { (l, r) = (a, b) }
                else if b < leftWidth && a >= leftWidth { (l, r) = (b, a) }
                else { continue }
                var rest = conjuncts
                rest.remove(at: i)
                // For an outer join the remaining conditions decide what matches, so they
                // cannot move above the join: keep the nested loop then.
                if outer && !rest.isEmpty { return n }
                let join = Node.hashJoin(left: left, leftColumn: l, right: right, rightColumn: r - leftWidth, outer: outer)
                return Expression.conjunction(rest).map { Node.filter(source: join, predicate: $0) } ?? join
            }
            return n
        }
    }
}

// MARK: - Short circuit

enum ShortCircuit {
    static func apply(_ node: Node) throws(SQLError) -> Node {
        try node.transformedUp { n throws(SQLError) in simplify(n) }
    }

    private static func isFalseOrNull(_ e: Expression) -> Bool {
        e == .constant(.boolean(false)) || e == .constant(.null)
    }

    private static func isNothing(_ n: Node) -> Bool {
        if case .nothing = n { return true }
        return false
    }

    /// Whether `outer` only picks columns of `inner`, and every `inner` expression it leaves out
    /// is a column or a constant (so dropping it can't hide an error).
    private static func isSelection(_ outer: [Expression], of inner: [Expression]) -> Bool {
        var picked = Set<Int>()
        for e in outer {
            guard case .column(let i) = e, inner.indices.contains(i) else { return false }
            picked.insert(i)
        }
        return inner.indices.allSatisfy { i in
            if picked.contains(i) { return true }
            switch inner[i] {
            case .column, .constant: return true
            default: return false
            }
        }
    }

    private static func simplify(_ node: Node) -> Node {
        let nothing = Node.nothing(labels: node.columns)
        switch node {
        case .filter(let source, let predicate):
            if predicate == .constant(.boolean(true)) { return source }
            if isFalseOrNull(predicate) || isNothing(source) { return nothing }
        case .scan(let table, let alias, let filter?):
            if filter == .constant(.boolean(true)) { return .scan(table: table, alias: alias, filter: nil) }
            if isFalseOrNull(filter) { return nothing }
        case .keyLookup(_, _, let ids) where ids.isEmpty:
            return nothing
        case .indexLookup(_, _, _, let values) where values.isEmpty:
            return nothing
        case .nestedLoopJoin(let left, let right, let predicate, let outer):
            if isNothing(left) { return nothing }
            if !outer && isNothing(right) { return nothing }
            if predicate == .constant(.boolean(true)) {
                return .nestedLoopJoin(left: left, right: right, predicate: nil, outer: outer)
            }
            if let predicate, isFalseOrNull(predicate), !outer { return nothing }
        case .hashJoin(let left, _, let right, _, let outer):
            if isNothing(left) || (!outer && isNothing(right)) { return nothing }
        case .semiJoin(let left, _, let right, _, let anti):
            if isNothing(left) || (!anti && isNothing(right)) { return nothing }
            if anti && isNothing(right) { return left }
        case .apply(let source, _, _), .lookupJoin(let source, _, _, _, _, _, _):
            if isNothing(source) { return nothing }
        case .projection(.projection(let inner, let innerExpressions, _), let expressions, let labels)
            where isSelection(expressions, of: innerExpressions):
            // A projection that only picks columns of another: one projection picking from the
            // inner one's input (what it drops is plain columns or constants, which can't fail).
            let merged = expressions.compactMap { e -> Expression? in
                if case .column(let i) = e { return innerExpressions[i] }
                return nil
            }
            return simplify(.projection(source: inner, expressions: merged, labels: labels))
        case .projection(let source, let expressions, let labels):
            if isNothing(source) { return nothing }
            // A projection that passes every column through unchanged, under the same names.
            if expressions == (0..<source.columns.count).map(Expression.column), labels == source.columns {
                return source
            }
        case .aggregate(let source, let groupBy, _):
            // Without GROUP BY, aggregates over nothing still produce one row (COUNT = 0).
            if isNothing(source) && !groupBy.isEmpty { return nothing }
        case .limit(let source, let count):
            if count == 0 || isNothing(source) { return nothing }
        case .order(let source, _), .offset(let source, _), .distinct(let source):
            if isNothing(source) { return nothing }
        default:
            break
        }
        return node
    }
}
