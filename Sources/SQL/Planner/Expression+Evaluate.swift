import Foundation

extension Expression {
    /// Evaluates the expression against `row`, following SQL's three-valued logic.
    ///
    /// - Throws: `SQLError` of kind `.type` (operands of the wrong type), `.arithmetic`
    ///   (integer overflow, integer division by zero) or `.semantic` (a column out of range,
    ///   which only a planner bug can cause).
    public func evaluate(_ row: Row) throws(SQLError) -> Value {
        switch self {
        case .constant(let value): return value
        case .column(let index):
            guard row.indices.contains(index) else {
                throw SQLError(.semantic, "column #\(index) is out of range")
            }
            return row[index]

        case .outer(_, _, let label):
            throw SQLError(.semantic, "outer column \(label) was not bound before the subquery ran")
        case .cast(let a, let type):
            return try Cast.convert(try a.evaluate(row), to: type)

        case .and(let list):
            // Every operand is evaluated (as in toyDB), so `FALSE AND 1` is still a type error
            // rather than depending on evaluation order.
            return try Expression.logic(list, row, "AND", decisive: false)
        case .or(let list):
            return try Expression.logic(list, row, "OR", decisive: true)
        case .not(let a):
            switch try a.evaluate(row) {
            case .boolean(let b): return .boolean(!b)
            case .null: return .null
            case let v: throw SQLError(.type, "can't NOT \(v)")
            }

        case .equal(let a, let b): return try compare(a, b, row) { $0 == .equal }
        case .notEqual(let a, let b): return try compare(a, b, row) { $0 != .equal }
        case .greaterThan(let a, let b): return try compare(a, b, row) { $0 == .greater }
        case .greaterThanOrEqual(let a, let b):
            return try compare(a, b, row) { $0 == .greater || $0 == .equal }
        case .lessThan(let a, let b): return try compare(a, b, row) { $0 == .less }
        case .lessThanOrEqual(let a, let b):
            return try compare(a, b, row) { $0 == .less || $0 == .equal }
        case .isNull(let a):
            if case .null = try a.evaluate(row) { return .boolean(true) }
            return .boolean(false)
        case .isNaN(let a):
            switch try a.evaluate(row) {
            case .float(let f): return .boolean(f.isNaN)
            case .null: return .null
            case let v: throw SQLError(.type, "IS NAN can't be used with \(v.dataType?.rawValue ?? "NULL")")
            }
        case .isDistinctFrom(let a, let b):
            return .boolean(!(try Value.notDistinct(try a.evaluate(row), try b.evaluate(row))))
        case .inList(let a, let list):
            let value = try a.evaluate(row)
            if case .null = value { return .null }
            var sawNull = false
            for item in list {
                let candidate = try item.evaluate(row)
                switch try Value.sqlOrder(value, candidate) {
                case nil: sawNull = true
                case .equal?: return .boolean(true)
                default: break
                }
            }
            return sawNull ? .null : .boolean(false)
        case .between(let a, let low, let high):
            return try Expression.and([.greaterThanOrEqual(a, low), .lessThanOrEqual(a, high)]).evaluate(row)

        case .add(let a, let b): return try Arithmetic.add(try a.evaluate(row), try b.evaluate(row))
        case .subtract(let a, let b): return try Arithmetic.subtract(try a.evaluate(row), try b.evaluate(row))
        case .multiply(let a, let b): return try Arithmetic.multiply(try a.evaluate(row), try b.evaluate(row))
        case .divide(let a, let b): return try Arithmetic.divide(try a.evaluate(row), try b.evaluate(row))
        case .remainder(let a, let b): return try Arithmetic.remainder(try a.evaluate(row), try b.evaluate(row))
        case .exponentiate(let a, let b): return try Arithmetic.power(try a.evaluate(row), try b.evaluate(row))
        case .factorial(let a): return try Arithmetic.factorial(try a.evaluate(row))
        case .identity(let a):
            switch try a.evaluate(row) {
            case .null: return .null
            case .integer(let i): return .integer(i)
            case .float(let f): return .float(f)
            case let v: throw SQLError(.type, "can't take the identity of \(v)")
            }
        case .negate(let a):
            switch try a.evaluate(row) {
            case .null: return .null
            case .integer(let i):
                let (r, overflow) = Int64(0).subtractingReportingOverflow(i)
                if overflow { throw SQLError(.arithmetic, "integer overflow") }
                return .integer(r)
            case .float(let f): return .float(-f)
            case let v: throw SQLError(.type, "can't negate \(v)")
            }

        case .like(let a, let b):
            switch (try a.evaluate(row), try b.evaluate(row)) {
            case (.string(let s), .string(let p)): return .boolean(Like.matches(s, pattern: p))
            case (.null, .string), (.string, .null), (.null, .null): return .null
            case let (l, r): throw SQLError(.type, "can't LIKE \(l) and \(r)")
            }
        case .concat(let a, let b):
            switch (try a.evaluate(row), try b.evaluate(row)) {
            case (.null, _), (_, .null): return .null
            case let (l, r): return .string(l.displayText + r.displayText)
            }
        case .caseWhen(let operand, let branches, let otherwise):
            let subject = try operand?.evaluate(row)
            for branch in branches {
                let condition = try branch.when.evaluate(row)
                let hit: Bool
                if let subject {
                    hit = try Value.sqlOrder(subject, condition) == .equal
                } else {
                    switch condition {
                    case .boolean(let b): hit = b
                    case .null: hit = false
                    default: throw SQLError(.type, "CASE WHEN condition returned \(condition), expected boolean")
                    }
                }
                if hit { return try branch.then.evaluate(row) }
            }
            return try otherwise?.evaluate(row) ?? .null
        case .function(let function, let args):
            var values: [Value] = []
            values.reserveCapacity(args.count)
            if function == .coalesce {
                // Lazily: later arguments are not evaluated once a non-NULL value is found.
                for arg in args {
                    let v = try arg.evaluate(row)
                    if v != .null { return v }
                }
                return .null
            }
            for arg in args { values.append(try arg.evaluate(row)) }
            return try Functions.call(function, values)
        }
    }

    /// AND (`decisive` FALSE) or OR (`decisive` TRUE) over a list: the decisive value if any
    /// operand has it, else NULL if any is NULL, else the other boolean.
    private static func logic(_ list: [Expression], _ row: Row, _ name: String,
                              decisive: Bool) throws(SQLError) -> Value {
        var sawDecisive = false
        var sawNull = false
        var first: Value?
        for item in list {
            let value = try item.evaluate(row)
            switch value {
            case .boolean(let b): if b == decisive { sawDecisive = true }
            case .null: sawNull = true
            default:
                // Two operands are named both, as `a AND b` always was; longer chains the culprit.
                if list.count == 2 {
                    let second = first == nil ? try list[1].evaluate(row) : value
                    throw SQLError(.type, "can't \(name) \(first ?? value) and \(second)")
                }
                throw SQLError(.type, "can't \(name) \(value)")
            }
            first = first ?? value
        }
        if sawDecisive { return .boolean(decisive) }
        return sawNull ? .null : .boolean(!decisive)
    }

    private func compare(_ a: Expression, _ b: Expression, _ row: Row,
                         _ test: (Value.ComparisonResult) -> Bool) throws(SQLError) -> Value {
        guard let order = try Value.sqlOrder(try a.evaluate(row), try b.evaluate(row)) else { return .null }
        // NaN compares unordered: every comparison but != is FALSE.
        return .boolean(test(order))
    }

    /// Evaluates a filter predicate: TRUE keeps the row, FALSE or NULL drops it.
    ///
    /// - Throws: a type error if the predicate yields something other than a boolean or NULL.
    public func test(_ row: Row) throws(SQLError) -> Bool {
        switch try evaluate(row) {
        case .boolean(let b): return b
        case .null: return false
        case let v: throw SQLError(.type, "filter returned \(v), expected boolean")
        }
    }
}

/// LIKE matching: `%` matches any run of characters, `_` exactly one; everything else itself.
enum Like {
    static func matches(_ text: String, pattern: String) -> Bool {
        let s = Array(text), p = Array(pattern)
        // Iterative matcher with backtracking to the last %: O(|s|·|p|) worst case.
        var si = 0, pi = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "_" || (p[pi] != "%" && p[pi] == s[si])) {
                si += 1; pi += 1
            } else if pi < p.count && p[pi] == "%" {
                starP = pi; starS = si; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "%" { pi += 1 }
        return pi == p.count
    }
}
