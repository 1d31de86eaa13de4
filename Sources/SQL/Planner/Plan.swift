/// What a statement will do, as a value: the planner builds it from the AST, the optimizer
/// rewrites it pass by pass, the executor runs it, and `.explain` draws it.
///
/// Queries are trees of `Node`s. Each node produces rows; its parent pulls them one at a time
/// (the Volcano model), so a `LIMIT 10` over a huge scan stops the scan after ten rows.
/// Expressions inside a node refer to the columns of the node's *input* by position;
/// `Node.columns` names each position so plans can be drawn and names resolved.
public enum Plan: Sendable, Hashable {
    /// A query: run the node tree and return its rows.
    case select(Node)
    case createTable(Table)
    /// Create a keyless table named `name` with these columns and insert the rows `source`
    /// produces (CREATE TABLE … AS SELECT). A nil type is settled by the rows at run time.
    case createTableAs(name: String, columns: [String], types: [DataType?], source: Node)
    case dropTable(name: String, ifExists: Bool)
    case createIndex(name: String, table: String, column: String, unique: Bool)
    case dropIndex(name: String, ifExists: Bool)
    /// Insert rows of constant expressions, already in table column order (defaults filled in).
    case insert(table: Table, rows: [[Expression]])
    /// Insert the rows `source` produces, already in table column order (INSERT … SELECT).
    case insertQuery(table: Table, source: Node)
    /// For each row of `source` (rows of `table`), set `assignments` (column position →
    /// expression over the old row) and write it back.
    case update(table: Table, source: Node, assignments: [Assignment])
    /// Delete every row `source` produces (rows of `table`).
    case delete(table: Table, source: Node)

    /// The query tree of a statement that reads rows (SELECT, UPDATE, DELETE), if any.
    public var root: Node? {
        switch self {
        case .select(let node): node
        case .update(_, let source, _), .delete(_, let source), .insertQuery(_, let source),
             .createTableAs(_, _, _, let source): source
        default: nil
        }
    }

    /// The same plan with its query tree replaced (for optimizer passes).
    public func replacingRoot(_ node: Node) -> Plan {
        switch self {
        case .select: .select(node)
        case .update(let table, _, let assignments): .update(table: table, source: node, assignments: assignments)
        case .delete(let table, _): .delete(table: table, source: node)
        case .insertQuery(let table, _): .insertQuery(table: table, source: node)
        case .createTableAs(let name, let columns, let types, _):
            .createTableAs(name: name, columns: columns, types: types, source: node)
        default: self
        }
    }
}

/// `column = expression` in an UPDATE, with the column as a position in the table.
public struct Assignment: Sendable, Hashable {
    public var column: Int
    public var expression: Expression
    public init(column: Int, expression: Expression) {
        self.column = column
        self.expression = expression
    }
}

/// The name of one output column of a node: `table.column`, a bare name, or nothing (`?`).
public struct Label: Sendable, Hashable, CustomStringConvertible {
    /// The table or alias the column comes from, if it is a table column.
    public var table: String?
    /// The column name or select alias; nil for an unnamed expression.
    public var name: String?

    public init(table: String? = nil, name: String? = nil) {
        self.table = table
        self.name = name
    }

    public static let none = Label()

    /// `a.value`, `value` or `?`.
    public var description: String {
        switch (table, name) {
        case (let t?, let n?): "\(t).\(n)"
        case (nil, let n?): n
        default: "?"
        }
    }
}

/// The aggregate functions.
public enum AggregateFunction: String, Sendable, Hashable, CaseIterable {
    case count = "COUNT", sum = "SUM", avg = "AVG", min = "MIN", max = "MAX"
}

/// One aggregate computed per group: `COUNT(DISTINCT x)` is `.count` over `x` with `distinct`.
/// `COUNT(*)` counts the constant TRUE, which is never NULL.
public struct Aggregate: Sendable, Hashable {
    public var function: AggregateFunction
    public var argument: Expression
    public var distinct: Bool
    public init(_ function: AggregateFunction, _ argument: Expression, distinct: Bool = false) {
        self.function = function
        self.argument = argument
        self.distinct = distinct
    }
}

/// Sort direction of an ORDER BY key.
public enum Direction: String, Sendable, Hashable {
    case ascending = "ASC", descending = "DESC"
}

/// One ORDER BY key.
public struct OrderKey: Sendable, Hashable {
    public var expression: Expression
    public var direction: Direction
    public init(_ expression: Expression, _ direction: Direction) {
        self.expression = expression
        self.direction = direction
    }
}

/// A node of a query tree. Each produces rows pulled by its parent.
public indirect enum Node: Sendable, Hashable {
    /// Every row of `table` (in key order) for which `filter` is TRUE (pushed into the engine).
    case scan(table: Table, alias: String?, filter: Expression?)
    /// The rows of `table` with these primary keys: O(log n) each, no scan.
    case keyLookup(table: Table, alias: String?, ids: [Value])
    /// The rows of `table` whose indexed `column` holds one of `values`.
    case indexLookup(table: Table, alias: String?, column: Int, values: [Value])
    /// The input rows for which `predicate` is TRUE.
    case filter(source: Node, predicate: Expression)
    /// One output row per input row, computing `expressions` named `labels`.
    case projection(source: Node, expressions: [Expression], labels: [Label])
    /// For every left row, every right row for which `predicate` holds (all if nil); `outer`
    /// keeps left rows with no match, padding the right side with NULLs (LEFT JOIN).
    case nestedLoopJoin(left: Node, right: Node, predicate: Expression?, outer: Bool)
    /// An equi-join `left[leftColumn] = right[rightColumn]`: the right side is loaded into a
    /// hash table once, then each left row probes it (O(n + m) instead of O(n·m)).
    case hashJoin(left: Node, leftColumn: Int, right: Node, rightColumn: Int, outer: Bool)
    /// For each left row, the rows of `table` whose `column` (its primary key or an indexed
    /// column) equals `left[leftColumn]`, fetched by key — no scan of `table` at all — and kept
    /// if `filter` (over the table's row) holds; `outer` pads unmatched left rows with NULLs.
    case lookupJoin(left: Node, leftColumn: Int, table: Table, alias: String?, column: Int,
                    filter: Expression?, outer: Bool)
    /// For each `source` row, runs `subquery` with that row bound to the subquery's outer
    /// references and appends one column with the answer (see `SubqueryKind`).
    case apply(source: Node, subquery: Node, kind: SubqueryKind)
    /// The left rows that have (`anti`: that have no) right row with `left[leftColumn] =
    /// right[rightColumn]`: the right side is hashed once. What IN and EXISTS become when the
    /// optimizer decorrelates them. Outputs the left columns only.
    case semiJoin(left: Node, leftColumn: Int, right: Node, rightColumn: Int, anti: Bool)
    /// `left UNION/INTERSECT/EXCEPT [ALL] right`; both sides have the same number of columns.
    case setOperation(left: Node, right: Node, operation: AST.SetOperator, all: Bool)
    /// Groups by `groupBy` and computes `aggregates`; outputs group values, then aggregates.
    case aggregate(source: Node, groupBy: [Expression], aggregates: [Aggregate])
    /// Sorts all input rows (stable) by `keys`.
    case order(source: Node, keys: [OrderKey])
    /// The first `count` rows.
    case limit(source: Node, count: Int)
    /// All but the first `count` rows.
    case offset(source: Node, count: Int)
    /// The input rows without duplicates (first occurrence kept).
    case distinct(source: Node)
    /// Constant rows (SELECT without FROM is one empty row).
    case values(rows: [[Expression]], labels: [Label])
    /// No rows at all (an always-false filter or LIMIT 0 made the input irrelevant).
    case nothing(labels: [Label])

    /// The names of the columns this node outputs, one per position.
    public var columns: [Label] {
        switch self {
        case .scan(let table, let alias, _), .keyLookup(let table, let alias, _),
             .indexLookup(let table, let alias, _, _):
            let qualifier = alias ?? table.name
            return table.columns.map { Label(table: qualifier, name: $0.name) }
        case .filter(let source, _), .order(let source, _), .limit(let source, _),
             .offset(let source, _), .distinct(let source):
            return source.columns
        case .projection(_, _, let labels), .values(_, let labels), .nothing(let labels):
            return labels
        case .nestedLoopJoin(let left, let right, _, _), .hashJoin(let left, _, let right, _, _):
            return left.columns + right.columns
        case .apply(let source, _, let kind):
            return source.columns + [Label(name: kind.columnName)]
        case .lookupJoin(let left, _, let table, let alias, _, _, _):
            let qualifier = alias ?? table.name
            return left.columns + table.columns.map { Label(table: qualifier, name: $0.name) }
        case .semiJoin(let left, _, _, _, _), .setOperation(let left, _, _, _):
            return left.columns
        case .aggregate(let source, let groupBy, let aggregates):
            let input = source.columns
            let groups = groupBy.map { e -> Label in
                if case .column(let i) = e, input.indices.contains(i) { return input[i] }
                return Label(name: e.display(input))
            }
            return groups + aggregates.map { Label(name: $0.display(input)) }
        }
    }

    /// How many nodes the tree has (this one included).
    public var nodeCount: Int { 1 + children.reduce(0) { $0 + $1.nodeCount } }

    /// The direct children, left to right.
    public var children: [Node] {
        switch self {
        case .scan, .keyLookup, .indexLookup, .values, .nothing: []
        case .filter(let s, _), .projection(let s, _, _), .aggregate(let s, _, _), .order(let s, _),
             .limit(let s, _), .offset(let s, _), .distinct(let s), .lookupJoin(let s, _, _, _, _, _, _): [s]
        case .nestedLoopJoin(let l, let r, _, _), .hashJoin(let l, _, let r, _, _),
             .semiJoin(let l, _, let r, _, _), .setOperation(let l, let r, _, _): [l, r]
        case .apply(let source, let subquery, _): [source, subquery]
        }
    }

    /// The node with its children replaced (same count and order as `children`).
    public func withChildren(_ new: [Node]) -> Node {
        guard new.count == children.count else { return self }
        switch self {
        case .scan, .keyLookup, .indexLookup, .values, .nothing: return self
        case .filter(_, let p): return .filter(source: new[0], predicate: p)
        case .projection(_, let e, let l): return .projection(source: new[0], expressions: e, labels: l)
        case .aggregate(_, let g, let a): return .aggregate(source: new[0], groupBy: g, aggregates: a)
        case .order(_, let k): return .order(source: new[0], keys: k)
        case .limit(_, let c): return .limit(source: new[0], count: c)
        case .offset(_, let c): return .offset(source: new[0], count: c)
        case .distinct: return .distinct(source: new[0])
        case .nestedLoopJoin(_, _, let p, let o):
            return .nestedLoopJoin(left: new[0], right: new[1], predicate: p, outer: o)
        case .hashJoin(_, let lc, _, let rc, let o):
            return .hashJoin(left: new[0], leftColumn: lc, right: new[1], rightColumn: rc, outer: o)
        case .apply(_, _, let kind): return .apply(source: new[0], subquery: new[1], kind: kind)
        case .lookupJoin(_, let lc, let table, let alias, let column, let filter, let outer):
            return .lookupJoin(left: new[0], leftColumn: lc, table: table, alias: alias, column: column,
                               filter: filter, outer: outer)
        case .semiJoin(_, let lc, _, let rc, let anti):
            return .semiJoin(left: new[0], leftColumn: lc, right: new[1], rightColumn: rc, anti: anti)
        case .setOperation(_, _, let operation, let all):
            return .setOperation(left: new[0], right: new[1], operation: operation, all: all)
        }
    }

    /// Rewrites the tree bottom-up: children first, then `transform` on the rebuilt node.
    public func transformedUp(_ transform: (Node) throws(SQLError) -> Node) throws(SQLError) -> Node {
        var newChildren: [Node] = []
        for child in children { newChildren.append(try child.transformedUp(transform)) }
        return try transform(withChildren(newChildren))
    }

    /// Rewrites the tree top-down: `transform` on the node, then on the result's children.
    public func transformedDown(_ transform: (Node) throws(SQLError) -> Node) throws(SQLError) -> Node {
        let node = try transform(self)
        var newChildren: [Node] = []
        for child in node.children { newChildren.append(try child.transformedDown(transform)) }
        return node.withChildren(newChildren)
    }
}

/// What an `apply` node computes from its subquery's rows for each outer row.
public enum SubqueryKind: Sendable, Hashable {
    /// The one value of the one row (NULL for no row; more than one row is an error).
    case scalar
    /// Whether there is any row.
    case exists
    /// `operand IN (rows)` with SQL's NULL rules; `operand` is over the source row.
    case `in`(Expression)

    /// The name of the column the apply node appends.
    var columnName: String {
        switch self {
        case .scalar: "subquery"
        case .exists: "exists"
        case .in: "in"
        }
    }
}
