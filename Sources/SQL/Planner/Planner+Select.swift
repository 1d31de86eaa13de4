extension Planner {
    /// Plans a whole query: a SELECT, or a compound of several joined by set operations, with
    /// ORDER BY, LIMIT and OFFSET for the whole. `outer`: the scopes of the queries around a
    /// subquery, nearest first.
    func planQuery(_ query: AST.SelectStatement, outer: [Scope] = []) throws(SQLError) -> Node {
        guard !query.compound.isEmpty else { return try planSelect(query, outer: outer) }
        var first = query
        first.compound = []
        first.orderBy = []
        first.limit = nil
        first.offset = nil
        var node = try planSelect(first, outer: outer)
        // Per output column, the first type the plan knows on any side so far.
        var known = node.columns.indices.map { Planner.staticType(node, $0) }
        for part in query.compound {
            let right = try planSelect(part.select, outer: outer)
            let (l, r) = (node.columns.count, right.columns.count)
            guard l == r else {
                throw SQLError(.semantic, "each side of \(part.operation.rawValue) must have the same number of columns: "
                               + "the left has \(l), the right \(r)", at: part.position)
            }
            // Types known from the plan (columns, constants, typed expressions) must agree
            // before anything runs; others are checked per row.
            for i in 0..<l {
                guard let b = Planner.staticType(right, i) else { continue }
                guard let a = known[i] else { known[i] = b; continue }
                if !a.isComparable(with: b) {
                    throw SQLError(.type, "\(part.operation.rawValue) column \(i + 1) is \(a.rawValue) on the left "
                                   + "but \(b.rawValue) on the right",
                                   at: Planner.columnPosition(part.select, i) ?? part.position)
                }
            }
            node = .setOperation(left: node, right: right, operation: part.operation, all: part.all)
        }
        // ORDER BY of a compound names its output columns, by name or position.
        let labels = node.columns
        var keys: [OrderKey] = []
        for item in query.orderBy {
            let direction: Direction = item.direction == .descending ? .descending : .ascending
            let e = item.expression
            switch e.kind {
            case .literal(.integer(let position)):
                guard position >= 1 && position <= Int64(labels.count) else {
                    throw SQLError(.semantic, "ORDER BY position \(position) is not in the select list (1...\(labels.count))",
                                   at: e.position)
                }
                keys.append(OrderKey(.column(Int(position) - 1), direction))
            case .column(nil, let name):
                let matches = labels.indices.filter { labels[$0].name == name.value }
                guard let match = matches.first else {
                    throw SQLError(.semantic, "unknown column '\(name.value)': ORDER BY of a compound query names its output columns"
                                   + Scope.suggestion(name.value, labels.compactMap(\.name)), at: name.position)
                }
                if matches.count > 1 { throw SQLError(.semantic, "ambiguous column \(name.value)", at: name.position) }
                keys.append(OrderKey(.column(match), direction))
            default:
                throw SQLError(.semantic, "ORDER BY of a compound query takes output column names or positions",
                               at: e.position)
            }
        }
        if !keys.isEmpty { node = .order(source: node, keys: keys) }
        if let offset = query.offset { node = .offset(source: node, count: try constantCount(offset, "offset")) }
        if let limit = query.limit { node = .limit(source: node, count: try constantCount(limit, "limit")) }
        return node
    }

    /// Where output column `column` of `select` is written, when each select item is one
    /// column (no `*`), for errors about that column.
    static func columnPosition(_ select: AST.SelectStatement, _ column: Int) -> SourcePosition? {
        guard select.projection.indices.contains(column) else { return nil }
        for item in select.projection {
            if case .expression = item { continue }
            return nil
        }
        guard case .expression(let e, _) = select.projection[column] else { return nil }
        return e.position
    }

    /// Plans a SELECT into a query tree (see the order of clauses in `Planner`'s docs).
    func planSelect(_ select: AST.SelectStatement, outer: [Scope] = []) throws(SQLError) -> Node {
        // FROM: scans and joins; comma-separated items are cross joined.
        var node: Node = .values(rows: [[]], labels: [])
        var scope = Scope()
        var seenTables: [String] = []
        for (i, item) in select.from.enumerated() {
            let (itemNode, itemScope) = try planFrom(item, &seenTables, outer: outer, beside: i == 0 ? nil : scope)
            if i == 0 {
                (node, scope) = (itemNode, itemScope)
            } else {
                node = .nestedLoopJoin(left: node, right: itemNode, predicate: nil, outer: false)
                scope = scope.joined(with: itemScope)
            }
        }
        scope.outer = outer

        if let predicate = select.where {
            let subqueries = SubqueryList(planner: self)
            let built = try ExpressionBuilder(scope: scope, clause: "WHERE", subqueries: subqueries).build(predicate)
            node = try filter(node, built, subqueries)
        }

        // GROUP BY and aggregates: expressions after this point see the aggregate's output.
        let aggregating = !select.groupBy.isEmpty
            || select.having.map(ExpressionBuilder.containsAggregate) == true
            || select.orderBy.contains { ExpressionBuilder.containsAggregate($0.expression) }
            || select.projection.contains { item in
                if case .expression(let e, _) = item { return ExpressionBuilder.containsAggregate(e) }
                return false
            }
        var aggregation: Aggregation?
        if aggregating {
            var groupBy: [Expression] = []
            let groupBuilder = ExpressionBuilder(scope: scope, clause: "GROUP BY")
            for e in select.groupBy { groupBy.append(try groupBuilder.build(e)) }
            aggregation = Aggregation(input: scope, groupBy: groupBy)
        }
        // Subqueries in the select list and ORDER BY are answered just before the projection.
        let selectSubqueries = SubqueryList(planner: self)
        func builder(_ clause: String) -> ExpressionBuilder {
            ExpressionBuilder(scope: scope, clause: clause, aggregation: aggregation, subqueries: selectSubqueries)
        }

        // The select list.
        var expressions: [Expression] = []
        var aliases: [String?] = []
        for item in select.projection {
            switch item {
            case .all(let position):
                if select.from.isEmpty {
                    throw SQLError(.semantic, "SELECT * needs a FROM clause", at: position)
                }
                for i in scope.labels.indices where scope.labels[i].name != Table.rowIDName {
                    expressions.append(try aggregation?.column(i) ?? .column(i))
                    aliases.append(nil)
                }
            case .allColumns(let table):
                guard scope.tables.contains(table.value) else {
                    throw SQLError(.semantic, "unknown table '\(table.value)'" + Scope.suggestion(table.value, scope.tables),
                                   at: table.position)
                }
                for i in scope.labels.indices
                where scope.labels[i].table == table.value && scope.labels[i].name != Table.rowIDName {
                    expressions.append(try aggregation?.column(i) ?? .column(i))
                    aliases.append(nil)
                }
            case .expression(let e, let alias):
                expressions.append(try builder("the select list").build(e))
                aliases.append(alias?.value)
            }
        }
        let visible = expressions.count

        let havingSubqueries = SubqueryList(planner: self)
        let having: Expression? = try select.having.map { e throws(SQLError) in
            try ExpressionBuilder(scope: scope, clause: "HAVING", aggregation: aggregation,
                                  subqueries: havingSubqueries).build(e)
        }

        // ORDER BY: a position, a select alias, a selected expression, or anything else the
        // input can compute — which becomes a hidden column dropped after sorting.
        var keys: [OrderKey] = []
        for item in select.orderBy {
            let direction: Direction = item.direction == .descending ? .descending : .ascending
            let e = item.expression
            if case .literal(.integer(let position)) = e.kind {
                guard position >= 1 && position <= Int64(visible) else {
                    throw SQLError(.semantic, "ORDER BY position \(position) is not in the select list (1...\(visible))",
                                   at: e.position)
                }
                keys.append(OrderKey(.column(Int(position) - 1), direction))
                continue
            }
            if case .column(nil, let name) = e.kind {
                let matches = aliases.indices.filter { aliases[$0] == name.value }
                if matches.count > 1 {
                    throw SQLError(.semantic, "ambiguous column \(name.value)", at: name.position)
                }
                if let match = matches.first {
                    keys.append(OrderKey(.column(match), direction))
                    continue
                }
            }
            let planned = try builder("ORDER BY").build(e)
            if let existing = expressions.firstIndex(of: planned) {
                keys.append(OrderKey(.column(existing), direction))
            } else {
                expressions.append(planned)
                aliases.append(nil)
                keys.append(OrderKey(.column(expressions.count - 1), direction))
            }
        }

        // With DISTINCT, rows that differ only in a hidden sort column collapse into one, so
        // which of their sort values counts would be arbitrary (PostgreSQL refuses it too).
        if select.distinct && expressions.count > visible {
            throw SQLError(.semantic, "for SELECT DISTINCT, ORDER BY expressions must appear in the select list",
                           at: select.orderBy.first?.expression.position)
        }
        if let aggregation {
            node = .aggregate(source: node, groupBy: aggregation.groupBy, aggregates: aggregation.aggregates)
        }
        if let having { node = try filter(node, having, havingSubqueries) }
        let (withApplies, renumber) = try selectSubqueries.attach(to: node)
        node = withApplies
        expressions = expressions.map(renumber)

        let inputLabels = node.columns
        let labels = expressions.enumerated().map { i, e -> Label in
            if let alias = aliases[i] { return Label(name: alias) }
            if case .column(let c) = e, inputLabels.indices.contains(c) { return inputLabels[c] }
            return Label(name: e.display(inputLabels))
        }
        node = .projection(source: node, expressions: expressions, labels: labels)
        if !keys.isEmpty { node = .order(source: node, keys: keys) }
        if expressions.count > visible {
            node = .projection(source: node, expressions: (0..<visible).map(Expression.column),
                               labels: Array(labels.prefix(visible)))
        }
        if select.distinct { node = .distinct(source: node) }
        if let offset = select.offset {
            node = .offset(source: node, count: try constantCount(offset, "offset"))
        }
        if let limit = select.limit {
            node = .limit(source: node, count: try constantCount(limit, "limit"))
        }
        return node
    }

    /// `node` filtered by `predicate`, with the subqueries it uses answered first (and their
    /// columns dropped again after the filter).
    func filter(_ node: Node, _ predicate: Expression, _ subqueries: SubqueryList) throws(SQLError) -> Node {
        guard !subqueries.isEmpty else { return .filter(source: node, predicate: predicate) }
        let labels = node.columns
        let (withApplies, renumber) = try subqueries.attach(to: node)
        let filtered = Node.filter(source: withApplies, predicate: renumber(predicate))
        return .projection(source: filtered, expressions: labels.indices.map(Expression.column), labels: labels)
    }

    /// Plans one FROM item, returning its node and the names it makes visible. `outer`: the
    /// scopes of the queries around this one, which an ON condition or a subquery in FROM may
    /// refer to. `beside`: the FROM items before this one, which a subquery in FROM may not
    /// (they are not rows yet), named so that the error can say so.
    private func planFrom(_ item: AST.FromItem, _ seen: inout [String], outer: [Scope],
                          beside: Scope? = nil) throws(SQLError) -> (Node, Scope) {
        switch item {
        case .table(let name, let alias):
            let table = try lookup(name)
            let qualifier = alias ?? name
            if seen.contains(qualifier.value) {
                throw SQLError(.semantic, "duplicate table name \(qualifier.value)", at: qualifier.position)
            }
            seen.append(qualifier.value)
            return (.scan(table: table, alias: alias?.value, filter: nil), Scope(table: table, alias: alias?.value))
        case .subquery(let query, let alias):
            if seen.contains(alias.value) {
                throw SQLError(.semantic, "duplicate table name \(alias.value)", at: alias.position)
            }
            seen.append(alias.value)
            // Last, so the levels of the real outer queries stay as they are.
            var besideScope = beside
            besideScope?.isBeside = true
            let inner = try planQuery(query, outer: outer + (besideScope.map { [$0] } ?? []))
            let labels = inner.columns.map { Label(table: alias.value, name: $0.name) }
            let node = Node.projection(source: inner, expressions: labels.indices.map(Expression.column), labels: labels)
            return (node, Scope(labels: labels, tables: [alias.value]))
        case .join(let left, let right, let kind, let on):
            let (leftNode, leftScope) = try planFrom(left, &seen, outer: outer, beside: beside)
            let (rightNode, rightScope) = try planFrom(right, &seen, outer: outer,
                                                       beside: beside.map { $0.joined(with: leftScope) } ?? leftScope)
            let scope = leftScope.joined(with: rightScope)
            var onScope = scope
            onScope.outer = outer
            // An inner join's ON is a filter of the pairs, so its subqueries are answered per
            // pair like WHERE's; an outer join's ON also decides which rows get NULLs, which a
            // filter above the join can't express.
            let inner = kind == .inner || kind == .cross
            let subqueries = SubqueryList(planner: self)
            let predicate = try on.map { e throws(SQLError) in
                try ExpressionBuilder(scope: onScope, clause: inner ? "ON" : "the ON of an outer join",
                                      subqueries: inner ? subqueries : nil).build(e)
            }
            switch kind {
            case .inner, .cross:
                if let predicate, !subqueries.isEmpty {
                    let pairs = Node.nestedLoopJoin(left: leftNode, right: rightNode, predicate: nil, outer: false)
                    return (try filter(pairs, predicate, subqueries), scope)
                }
                return (.nestedLoopJoin(left: leftNode, right: rightNode, predicate: predicate, outer: false), scope)
            case .left:
                return (.nestedLoopJoin(left: leftNode, right: rightNode, predicate: predicate, outer: true), scope)
            case .right:
                // A RIGHT JOIN is a LEFT JOIN with the sides swapped, then the columns put back
                // in the order the query wrote them.
                let leftWidth = leftScope.labels.count, rightWidth = rightScope.labels.count
                let swapped = predicate?.shiftingColumns { $0 < leftWidth ? $0 + rightWidth : $0 - leftWidth }
                let join = Node.nestedLoopJoin(left: rightNode, right: leftNode, predicate: swapped, outer: true)
                let reorder = (0..<leftWidth).map { Expression.column(rightWidth + $0) }
                    + (0..<rightWidth).map { Expression.column($0) }
                return (.projection(source: join, expressions: reorder, labels: scope.labels), scope)
            }
        }
    }

    /// LIMIT and OFFSET: a constant, non-negative integer.
    func constantCount(_ e: AST.Expression, _ what: String) throws(SQLError) -> Int {
        let value = try ExpressionBuilder(scope: .constant, clause: what.uppercased()).build(e).evaluate([])
        guard case .integer(let n) = value, n >= 0 else {
            throw SQLError(.semantic, "invalid \(what) \(value): must be a non-negative integer", at: e.position)
        }
        return Int(n)
    }
}
