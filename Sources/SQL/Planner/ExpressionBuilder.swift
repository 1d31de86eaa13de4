/// Turns AST expressions into planned `Expression`s: names become column positions (through a
/// `Scope`), operators become expression cases, and — after GROUP BY — aggregate calls and
/// grouped expressions become references to the aggregate node's output columns.
final class ExpressionBuilder {
    let scope: Scope
    /// The clause being planned, for "aggregate functions are not allowed in WHERE".
    let clause: String
    /// Set when building expressions that run after aggregation (select list, HAVING, ORDER BY).
    let aggregation: Aggregation?
    /// Where subqueries go, in clauses that allow them; nil elsewhere.
    let subqueries: SubqueryList?

    init(scope: Scope, clause: String, aggregation: Aggregation? = nil, subqueries: SubqueryList? = nil) {
        self.scope = scope
        self.clause = clause
        self.aggregation = aggregation
        self.subqueries = subqueries
    }

    func build(_ e: AST.Expression) throws(SQLError) -> Expression {
        if let aggregation {
            if let replaced = try aggregation.replace(e) { return replaced }
        }
        switch e.kind {
        case .literal(let value): return .constant(value)
        case .column(let table, let name):
            // Unknown or ambiguous names are reported before the GROUP BY rule.
            let reference = try scope.reference(table: table, name: name)
            // An outer column is one value for the whole subquery run, like a constant.
            guard case .column = reference, aggregation != nil else { return reference }
            // Grouped columns were replaced above; a bare column reaching here is not grouped.
            let written = table.map { "\($0.value).\(name.value)" } ?? name.value
            throw Scope.notGrouped(written, at: name.position)
        case .function(let name, let args, let distinct):
            if AggregateFunction(rawValue: name.value.uppercased()) != nil, args.count == 1 {
                let message = clause == "an aggregate"
                    ? "aggregate functions can't be nested"
                    : "aggregate function \(name.value) is not allowed in \(clause)"
                throw SQLError(.semantic, message, at: name.position)
            }
            if distinct {
                throw SQLError(.semantic, "DISTINCT is only allowed in aggregate functions", at: name.position)
            }
            guard let function = ScalarFunction(rawValue: name.value) else {
                let known = ScalarFunction.allCases.map(\.rawValue) + AggregateFunction.allCases.map { $0.rawValue.lowercased() }
                let near = Scope.nearest(name.value, known).map { "; did you mean \($0)()?" } ?? ""
                throw SQLError(.semantic, "there is no function \(name.value)()" + near, at: name.position)
            }
            guard function.accepts(args.count) else {
                throw SQLError(.semantic, "\(name.value)() can't take \(args.count) argument\(args.count == 1 ? "" : "s")",
                               at: name.position)
            }
            var built: [Expression] = []
            for arg in args { built.append(try build(arg)) }
            return .function(function, built)
        case .all:
            throw SQLError(.semantic, "unsupported use of *", at: e.position)
        case .default:
            throw SQLError(.semantic, "DEFAULT is only allowed as a value in INSERT or UPDATE", at: e.position)
        case .unary(let op, let operand):
            let a = try build(operand)
            switch op {
            case .plus: return .identity(a)
            case .minus: return .negate(a)
            case .not: return .not(a)
            case .factorial: return .factorial(a)
            case .isNull: return .isNull(a)
            case .isNotNull: return .not(.isNull(a))
            case .isNaN: return .isNaN(a)
            case .isNotNaN: return .not(.isNaN(a))
            }
        case .binary(let op, let lhs, let rhs):
            let a = try build(lhs), b = try build(rhs)
            switch op {
            case .or: return .or([a, b])
            case .and: return .and([a, b])
            case .equal: return .equal(a, b)
            case .notEqual: return .notEqual(a, b)
            case .isDistinctFrom: return .isDistinctFrom(a, b)
            case .isNotDistinctFrom: return .not(.isDistinctFrom(a, b))
            case .like: return .like(a, b)
            case .notLike: return .not(.like(a, b))
            case .lessThan: return .lessThan(a, b)
            case .lessThanOrEqual: return .lessThanOrEqual(a, b)
            case .greaterThan: return .greaterThan(a, b)
            case .greaterThanOrEqual: return .greaterThanOrEqual(a, b)
            case .concatenate: return .concat(a, b)
            case .add: return .add(a, b)
            case .subtract: return .subtract(a, b)
            case .multiply: return .multiply(a, b)
            case .divide: return .divide(a, b)
            case .remainder: return .remainder(a, b)
            case .exponentiate: return .exponentiate(a, b)
            }
        case .inList(let operand, let list, let negated):
            let a = try build(operand)
            var items: [Expression] = []
            for item in list { items.append(try build(item)) }
            return negated ? .not(.inList(a, items)) : .inList(a, items)
        case .subquery(let query):
            return try subquery(query, .scalar, at: e.position)
        case .exists(let query):
            return try subquery(query, .exists, at: e.position)
        case .inSubquery(let operand, let query, let negated):
            let test = try subquery(query, .in(try build(operand)), at: e.position)
            return negated ? .not(test) : test
        case .cast(let operand, let type):
            return .cast(try build(operand), type)
        case .logical(let op, let operands):
            var items: [Expression] = []
            items.reserveCapacity(operands.count)
            for operand in operands { items.append(try build(operand)) }
            return op == .or ? .or(items) : .and(items)
        case .between(let operand, let low, let high, let negated):
            let between = Expression.between(try build(operand), low: try build(low), high: try build(high))
            return negated ? .not(between) : between
        case .case(let operand, let whens, let otherwise):
            var branches: [CaseBranch] = []
            for w in whens { branches.append(CaseBranch(when: try build(w.when), then: try build(w.then))) }
            return .caseWhen(operand: try operand.map { e throws(SQLError) in try build(e) },
                             branches: branches,
                             otherwise: try otherwise.map { e throws(SQLError) in try build(e) })
        }
    }

    /// Plans a subquery and registers it; its answer is a placeholder column (see `SubqueryList`).
    private func subquery(_ query: AST.SelectStatement, _ kind: SubqueryKind,
                          at position: SourcePosition) throws(SQLError) -> Expression {
        guard let subqueries, !scope.constantOnly else {
            throw SQLError(.semantic, "subqueries are not allowed in \(clause)", at: position)
        }
        // After GROUP BY the row the subquery is bound to is the aggregate's: it may refer to
        // the grouped columns only, which the aggregation's scope maps to that row.
        let outer = [aggregation?.scopeForSubqueries ?? scope] + scope.outer
        let node = try subqueries.planner.planQuery(query, outer: outer)
        if kind != .exists && node.columns.count != 1 {
            throw SQLError(.semantic, "subquery must return one column, found \(node.columns.count)",
                           at: query.position)
        }
        return subqueries.add(node, kind, at: position)
    }

    /// Whether the expression contains an aggregate function call.
    static func containsAggregate(_ e: AST.Expression) -> Bool {
        switch e.kind {
        case .literal, .column, .all, .default, .subquery, .exists: return false
        case .inSubquery(let a, _, _), .cast(let a, _): return containsAggregate(a)
        case .logical(_, let operands): return operands.contains(where: containsAggregate)
        case .function(let name, let args, _):
            if AggregateFunction(rawValue: name.value.uppercased()) != nil, args.count == 1 { return true }
            return args.contains(where: containsAggregate)
        case .unary(_, let a): return containsAggregate(a)
        case .binary(_, let a, let b): return containsAggregate(a) || containsAggregate(b)
        case .inList(let a, let list, _): return containsAggregate(a) || list.contains(where: containsAggregate)
        case .between(let a, let l, let h, _):
            return containsAggregate(a) || containsAggregate(l) || containsAggregate(h)
        case .case(let operand, let whens, let otherwise):
            return (operand.map(containsAggregate) ?? false)
                || whens.contains { containsAggregate($0.when) || containsAggregate($0.then) }
                || (otherwise.map(containsAggregate) ?? false)
        }
    }
}

/// The state of planning a grouped query: the GROUP BY expressions (over the input) and the
/// aggregates found so far. The aggregate node outputs the group values first, then one column
/// per aggregate, so `groupBy[i]` is output column i and `aggregates[j]` is `groupBy.count + j`.
final class Aggregation {
    let input: Scope
    let groupBy: [Expression]
    private(set) var aggregates: [Aggregate] = []

    init(input: Scope, groupBy: [Expression]) {
        self.input = input
        self.groupBy = groupBy
    }

    /// The output column for `e` if it is an aggregate call or a grouped expression, else nil.
    func replace(_ e: AST.Expression) throws(SQLError) -> Expression? {
        if case .function(let name, let args, let distinct) = e.kind,
           let function = AggregateFunction(rawValue: name.value.uppercased()), args.count == 1 {
            let argument: Expression
            if case .all = args[0].kind {
                guard function == .count else {
                    throw SQLError(.semantic, "unsupported use of *", at: args[0].position)
                }
                argument = .constant(.boolean(true))
            } else {
                argument = try ExpressionBuilder(scope: input, clause: "an aggregate").build(args[0])
                // SQL evaluates an aggregate of only outer columns over the *outer* query's rows
                // (`(SELECT max(t.x) FROM u)` is t's maximum); run here it would aggregate one
                // outer value per row instead. Refused rather than answered differently.
                let outerOnly = argument.contains { if case .outer = $0 { return true } else { return false } }
                    && !argument.contains { if case .column = $0 { return true } else { return false } }
                if outerOnly {
                    throw SQLError(.semantic, "\(name.value)() uses only an outer query's columns, so it would aggregate "
                                   + "that query's rows (not supported); compute it in the outer query", at: name.position)
                }
            }
            return .column(groupBy.count + add(Aggregate(function, argument, distinct: distinct)))
        }
        if !groupBy.isEmpty, !ExpressionBuilder.containsAggregate(e),
           let planned = try? ExpressionBuilder(scope: input, clause: "GROUP BY").build(e),
           let index = groupBy.firstIndex(of: planned) {
            return .column(index)
        }
        return nil
    }

    /// The output column for input column `index`, for `SELECT *` over a grouped query.
    func column(_ index: Int) throws(SQLError) -> Expression {
        if let grouped = groupBy.firstIndex(of: .column(index)) { return .column(grouped) }
        let label = input.labels.indices.contains(index) ? input.labels[index].description : "#\(index)"
        throw Scope.notGrouped(label, at: nil)
    }

    /// The grouped query as a subquery in its select list, HAVING or ORDER BY sees it: the
    /// input's names, of which only the grouped columns may be used (as the aggregate's
    /// output columns, which is the row the subquery runs for).
    var scopeForSubqueries: Scope {
        var scope = input
        var grouped: [Int: Int] = [:]
        for (output, e) in groupBy.enumerated() {
            if case .column(let column) = e, grouped[column] == nil { grouped[column] = output }
        }
        scope.groupedColumns = grouped
        return scope
    }

    /// Registers an aggregate (reusing an identical one) and returns its index.
    func add(_ aggregate: Aggregate) -> Int {
        if let existing = aggregates.firstIndex(of: aggregate) { return existing }
        aggregates.append(aggregate)
        return aggregates.count - 1
    }
}

/// The subqueries found while building one clause's expressions.
///
/// A subquery's answer becomes a column that an `apply` node appends to the clause's input. How
/// wide that input is may not be known yet (after GROUP BY the aggregates are still being
/// collected), so each answer is first a placeholder column far past any real one, and
/// `attach` renumbers the placeholders once the input is final.
final class SubqueryList {
    static let placeholderBase = 1 << 40
    let planner: Planner
    private var pending: [(node: Node, kind: SubqueryKind, position: SourcePosition)] = []

    init(planner: Planner) {
        self.planner = planner
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Registers a planned subquery written at `position`; returns the placeholder for its answer.
    func add(_ node: Node, _ kind: SubqueryKind, at position: SourcePosition) -> Expression {
        pending.append((node, kind, position))
        return .column(SubqueryList.placeholderBase + pending.count - 1)
    }

    /// `node` under one apply per subquery, and the function that turns placeholders in
    /// expressions over `node` into the columns the applies add.
    ///
    /// - Throws: a type error for `x IN (SELECT …)` when the plan knows that x and the
    ///   subquery's values can't be compared: run as a semi-join, it would find no match
    ///   rather than fail as `=` does.
    func attach(to node: Node) throws(SQLError) -> (Node, (Expression) -> Expression) {
        let width = node.columns.count
        let base = SubqueryList.placeholderBase
        let renumber: (Expression) -> Expression = { e in e.shiftingColumns { $0 >= base ? width + ($0 - base) : $0 } }
        var result = node
        for subquery in pending {
            var kind = subquery.kind
            if case .in(let operand) = kind {
                kind = .in(renumber(operand))
                if let a = Planner.staticType(of: renumber(operand), over: node),
                   let b = Planner.staticType(subquery.node, 0), !a.isComparable(with: b) {
                    throw SQLError(.type, "IN can't compare \(a.rawValue) with the subquery's \(b.rawValue) values",
                                   at: subquery.position)
                }
            }
            result = .apply(source: result, subquery: subquery.node, kind: kind)
        }
        return (result, renumber)
    }
}
