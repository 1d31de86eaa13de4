/// An expression after planning: column references are resolved to positions in the input row.
/// The planner builds it from the AST; the executor and engines evaluate it against rows.
public indirect enum Expression: Sendable, Hashable {
    case constant(Value)
    /// The value at this position of the input row.
    case column(Int)
    /// A correlated reference: column `column` of the row of the query `level` levels out
    /// (1: the query this subquery sits in), named `label` for drawings. Replaced by a constant
    /// before the subquery runs.
    case outer(level: Int, column: Int, label: Label)

    /// `a AND b AND …`: a flat list (two or more), so a long chain is wide, not deep.
    case and([Expression])
    /// `a OR b OR …`: a flat list (two or more), like AND.
    case or([Expression])
    case not(Expression)

    case equal(Expression, Expression)
    case notEqual(Expression, Expression)
    case greaterThan(Expression, Expression)
    case greaterThanOrEqual(Expression, Expression)
    case lessThan(Expression, Expression)
    case lessThanOrEqual(Expression, Expression)
    case isNull(Expression)
    case isNaN(Expression)
    /// `a IS DISTINCT FROM b`: NULL-safe inequality (never NULL itself).
    case isDistinctFrom(Expression, Expression)
    /// `x IN (a, b, …)`: TRUE if equal to one, NULL if none matched but one was NULL.
    case inList(Expression, [Expression])
    /// `x BETWEEN low AND high` (inclusive).
    case between(Expression, low: Expression, high: Expression)

    case add(Expression, Expression)
    case subtract(Expression, Expression)
    case multiply(Expression, Expression)
    case divide(Expression, Expression)
    case remainder(Expression, Expression)
    case exponentiate(Expression, Expression)
    case factorial(Expression)
    case identity(Expression)
    case negate(Expression)

    case like(Expression, Expression)
    /// `a || b`: string concatenation.
    case concat(Expression, Expression)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    case caseWhen(operand: Expression?, branches: [CaseBranch], otherwise: Expression?)
    /// A scalar function call (`abs`, `round`, `upper`, …).
    case function(ScalarFunction, [Expression])
    /// `CAST(x AS type)`: converts between the four types, or fails for values that don't convert.
    case cast(Expression, DataType)
}

/// One `WHEN condition THEN result` arm of a CASE expression.
public struct CaseBranch: Sendable, Hashable {
    public var when: Expression
    public var then: Expression
    public init(when: Expression, then: Expression) {
        self.when = when
        self.then = then
    }
}

/// The built-in scalar functions, with how many arguments each accepts.
public enum ScalarFunction: String, Sendable, Hashable, CaseIterable {
    case abs, round, upper, lower, length, substr, coalesce, nullif, sqrt

    /// Whether the function accepts `count` arguments.
    public func accepts(_ count: Int) -> Bool {
        switch self {
        case .abs, .upper, .lower, .length, .sqrt: count == 1
        case .round: count == 1 || count == 2
        case .substr: count == 2 || count == 3
        case .nullif: count == 2
        case .coalesce: count >= 1
        }
    }
}

extension Expression {
    /// Calls `visit` on this expression and every subexpression, parents first; stops early
    /// (returning true) when `visit` returns true.
    @discardableResult
    public func contains(where visit: (Expression) -> Bool) -> Bool {
        if visit(self) { return true }
        return children.contains { $0.contains(where: visit) }
    }

    /// The direct subexpressions.
    public var children: [Expression] {
        switch self {
        case .constant, .column, .outer: return []
        case .and(let list), .or(let list): return list
        case .equal(let a, let b), .notEqual(let a, let b),
             .greaterThan(let a, let b), .greaterThanOrEqual(let a, let b), .lessThan(let a, let b),
             .lessThanOrEqual(let a, let b), .isDistinctFrom(let a, let b), .add(let a, let b),
             .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b),
             .remainder(let a, let b), .exponentiate(let a, let b), .like(let a, let b),
             .concat(let a, let b):
            return [a, b]
        case .not(let a), .isNull(let a), .isNaN(let a), .factorial(let a), .identity(let a),
             .negate(let a), .cast(let a, _):
            return [a]
        case .inList(let a, let list): return [a] + list
        case .between(let a, let low, let high): return [a, low, high]
        case .caseWhen(let operand, let branches, let otherwise):
            var all: [Expression] = operand.map { [$0] } ?? []
            for branch in branches { all += [branch.when, branch.then] }
            if let otherwise { all.append(otherwise) }
            return all
        case .function(_, let args): return args
        }
    }

    /// Rebuilds the expression bottom-up, applying `transform` to each node after its children.
    public func transformed(_ transform: (Expression) throws(SQLError) -> Expression) throws(SQLError) -> Expression {
        func t(_ e: Expression) throws(SQLError) -> Expression { try e.transformed(transform) }
        let rebuilt: Expression
        switch self {
        case .constant, .column, .outer: rebuilt = self
        case .cast(let a, let type): rebuilt = .cast(try t(a), type)
        case .and(let list):
            var items: [Expression] = []
            items.reserveCapacity(list.count)
            for item in list { items.append(try t(item)) }
            rebuilt = .and(items)
        case .or(let list):
            var items: [Expression] = []
            items.reserveCapacity(list.count)
            for item in list { items.append(try t(item)) }
            rebuilt = .or(items)
        case .not(let a): rebuilt = .not(try t(a))
        case .equal(let a, let b): rebuilt = .equal(try t(a), try t(b))
        case .notEqual(let a, let b): rebuilt = .notEqual(try t(a), try t(b))
        case .greaterThan(let a, let b): rebuilt = .greaterThan(try t(a), try t(b))
        case .greaterThanOrEqual(let a, let b): rebuilt = .greaterThanOrEqual(try t(a), try t(b))
        case .lessThan(let a, let b): rebuilt = .lessThan(try t(a), try t(b))
        case .lessThanOrEqual(let a, let b): rebuilt = .lessThanOrEqual(try t(a), try t(b))
        case .isNull(let a): rebuilt = .isNull(try t(a))
        case .isNaN(let a): rebuilt = .isNaN(try t(a))
        case .isDistinctFrom(let a, let b): rebuilt = .isDistinctFrom(try t(a), try t(b))
        case .inList(let a, let list):
            var items: [Expression] = []
            for item in list { items.append(try t(item)) }
            rebuilt = .inList(try t(a), items)
        case .between(let a, let low, let high): rebuilt = .between(try t(a), low: try t(low), high: try t(high))
        case .add(let a, let b): rebuilt = .add(try t(a), try t(b))
        case .subtract(let a, let b): rebuilt = .subtract(try t(a), try t(b))
        case .multiply(let a, let b): rebuilt = .multiply(try t(a), try t(b))
        case .divide(let a, let b): rebuilt = .divide(try t(a), try t(b))
        case .remainder(let a, let b): rebuilt = .remainder(try t(a), try t(b))
        case .exponentiate(let a, let b): rebuilt = .exponentiate(try t(a), try t(b))
        case .factorial(let a): rebuilt = .factorial(try t(a))
        case .identity(let a): rebuilt = .identity(try t(a))
        case .negate(let a): rebuilt = .negate(try t(a))
        case .like(let a, let b): rebuilt = .like(try t(a), try t(b))
        case .concat(let a, let b): rebuilt = .concat(try t(a), try t(b))
        case .caseWhen(let operand, let branches, let otherwise):
            var newBranches: [CaseBranch] = []
            for branch in branches {
                newBranches.append(CaseBranch(when: try t(branch.when), then: try t(branch.then)))
            }
            rebuilt = .caseWhen(operand: try operand.map(t), branches: newBranches,
                                otherwise: try otherwise.map(t))
        case .function(let f, let args):
            var newArgs: [Expression] = []
            for arg in args { newArgs.append(try t(arg)) }
            rebuilt = .function(f, newArgs)
        }
        return try transform(rebuilt)
    }

    /// The same expression with every column reference moved by `offset` (or remapped).
    public func shiftingColumns(_ map: (Int) -> Int) -> Expression {
        // `transformed` cannot throw here: the closure never throws.
        (try? transformed { e throws(SQLError) in
            if case .column(let i) = e { return .column(map(i)) }
            return e
        }) ?? self
    }

    /// Whether the expression reads no columns, of this row or an outer one (so it can be
    /// folded to a constant).
    public var isConstant: Bool {
        !contains { e in
            switch e {
            case .column, .outer: true
            default: false
            }
        }
    }

    /// The column positions it reads.
    public var referencedColumns: Set<Int> {
        var set = Set<Int>()
        contains { e in
            if case .column(let i) = e { set.insert(i) }
            return false
        }
        return set
    }

    /// Whether the expression always yields a boolean or NULL (comparisons, logic, IS, LIKE…).
    public var isBoolean: Bool {
        switch self {
        case .constant(.boolean), .constant(.null): true
        case .and, .or, .not, .equal, .notEqual, .greaterThan, .greaterThanOrEqual, .lessThan,
             .lessThanOrEqual, .isNull, .isNaN, .isDistinctFrom, .inList, .between, .like: true
        default: false
        }
    }

    /// Splits `a AND b AND c` into `[a, b, c]`.
    public var conjuncts: [Expression] {
        if case .and(let list) = self { return list.flatMap(\.conjuncts) }
        return [self]
    }

    /// Splits `a OR b OR c` into `[a, b, c]`.
    public var disjuncts: [Expression] {
        if case .or(let list) = self { return list.flatMap(\.disjuncts) }
        return [self]
    }

    /// Joins expressions with AND (nil for none).
    public static func conjunction(_ list: [Expression]) -> Expression? {
        switch list.count {
        case 0: return nil
        case 1: return list[0]
        default: return .and(list)
        }
    }
}
