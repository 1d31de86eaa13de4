extension Expression {
    /// The expression as SQL text, naming columns by `labels` (the input's column labels):
    /// `test.value = 'b' AND a.id > 3`. Parentheses appear only where precedence needs them.
    public func display(_ labels: [Label]) -> String {
        render(labels, parent: 0)
    }

    /// Binding strength, higher binds tighter: the parser's levels, so that displayed text
    /// parses back to the same expression.
    private var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .not(.isNull), .not(.isNaN), .not(.isDistinctFrom): 4
        case .not(.like), .not(.inList), .not(.between): 5
        case .not: 3
        case .isNull, .isNaN, .isDistinctFrom: 4
        case .equal, .notEqual, .like, .inList, .between: 5
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual: 6
        case .concat: 7
        case .add, .subtract: 8
        case .multiply, .divide, .remainder: 9
        case .exponentiate: 10
        case .factorial: 11
        case .identity, .negate: 12
        case .constant, .column, .outer, .caseWhen, .function, .cast: 13
        }
    }

    private func render(_ labels: [Label], parent: Int) -> String {
        let p = precedence
        func sub(_ e: Expression, _ min: Int? = nil) -> String { e.render(labels, parent: min ?? p) }
        // Left-associative operators: the right operand needs parentheses at equal precedence.
        func infix(_ a: Expression, _ op: String, _ b: Expression) -> String {
            "\(sub(a)) \(op) \(sub(b, p + 1))"
        }
        let text: String
        switch self {
        case .constant(let v): text = v.sqlLiteral
        case .column(let i):
            text = labels.indices.contains(i) && labels[i] != .none ? labels[i].description : "#\(i)"
        case .outer(_, _, let label): text = "outer(\(label))"
        case .cast(let a, let type): text = "CAST(\(a.render(labels, parent: 0)) AS \(type.rawValue))"
        // Every operand at a tighter level, so a nested chain keeps its parentheses.
        case .and(let list): text = list.map { sub($0, p + 1) }.joined(separator: " AND ")
        case .or(let list): text = list.map { sub($0, p + 1) }.joined(separator: " OR ")
        // Negated forms read as written: `x IS NOT NULL`, `x NOT IN (…)`, `a NOT LIKE b`.
        case .not(.isNull(let a)): text = "\(sub(a, p + 1)) IS NOT NULL"
        case .not(.isNaN(let a)): text = "\(sub(a, p + 1)) IS NOT NAN"
        case .not(.isDistinctFrom(let a, let b)): text = "\(sub(a)) IS NOT DISTINCT FROM \(sub(b, p + 1))"
        case .not(.like(let a, let b)): text = "\(sub(a)) NOT LIKE \(sub(b, p + 1))"
        case .not(.inList(let a, let list)):
            text = "\(sub(a, p + 1)) NOT IN (\(list.map { $0.render(labels, parent: 0) }.joined(separator: ", ")))"
        case .not(.between(let a, let low, let high)):
            text = "\(sub(a, p + 1)) NOT BETWEEN \(sub(low, p + 1)) AND \(sub(high, p + 1))"
        case .not(let a): text = "NOT \(sub(a))"
        case .equal(let a, let b): text = infix(a, "=", b)
        case .notEqual(let a, let b): text = infix(a, "!=", b)
        case .greaterThan(let a, let b): text = infix(a, ">", b)
        case .greaterThanOrEqual(let a, let b): text = infix(a, ">=", b)
        case .lessThan(let a, let b): text = infix(a, "<", b)
        case .lessThanOrEqual(let a, let b): text = infix(a, "<=", b)
        case .isNull(let a): text = "\(sub(a, p + 1)) IS NULL"
        case .isNaN(let a): text = "\(sub(a, p + 1)) IS NAN"
        case .isDistinctFrom(let a, let b): text = infix(a, "IS DISTINCT FROM", b)
        case .inList(let a, let list):
            text = "\(sub(a, p + 1)) IN (\(list.map { $0.render(labels, parent: 0) }.joined(separator: ", ")))"
        case .between(let a, let low, let high):
            text = "\(sub(a, p + 1)) BETWEEN \(sub(low, p + 1)) AND \(sub(high, p + 1))"
        case .add(let a, let b): text = infix(a, "+", b)
        case .subtract(let a, let b): text = infix(a, "-", b)
        case .multiply(let a, let b): text = infix(a, "*", b)
        case .divide(let a, let b): text = infix(a, "/", b)
        case .remainder(let a, let b): text = infix(a, "%", b)
        // ^ is right-associative: parentheses on the left at equal precedence.
        case .exponentiate(let a, let b): text = "\(sub(a, p + 1)) ^ \(sub(b))"
        case .factorial(let a): text = "\(sub(a))!"
        // `-(-3)`, never `--3`, which would read as a comment.
        case .identity(let a):
            let inner = sub(a)
            text = inner.hasPrefix("+") || inner.hasPrefix("-") ? "+(\(inner))" : "+\(inner)"
        case .negate(let a):
            let inner = sub(a)
            text = inner.hasPrefix("-") || inner.hasPrefix("+") ? "-(\(inner))" : "-\(inner)"
        case .like(let a, let b): text = infix(a, "LIKE", b)
        case .concat(let a, let b): text = infix(a, "||", b)
        case .caseWhen(let operand, let branches, let otherwise):
            var parts = ["CASE"]
            if let operand { parts.append(operand.render(labels, parent: 0)) }
            for b in branches {
                parts.append("WHEN \(b.when.render(labels, parent: 0)) THEN \(b.then.render(labels, parent: 0))")
            }
            if let otherwise { parts.append("ELSE \(otherwise.render(labels, parent: 0))") }
            parts.append("END")
            text = parts.joined(separator: " ")
        case .function(let f, let args):
            text = "\(f.rawValue)(\(args.map { $0.render(labels, parent: 0) }.joined(separator: ", ")))"
        }
        return p < parent ? "(\(text))" : text
    }
}

extension Aggregate {
    /// `COUNT(DISTINCT test.id)`, `SUM(x)`; COUNT(*) shows as `COUNT(*)`.
    public func display(_ labels: [Label]) -> String {
        if function == .count, argument == .constant(.boolean(true)), !distinct { return "COUNT(*)" }
        return "\(function.rawValue)(\(distinct ? "DISTINCT " : "")\(argument.display(labels)))"
    }
}
