/// Expressions, parsed by precedence climbing.
///
/// `expression(min)` parses one operand, then keeps absorbing operators whose precedence is at
/// least `min`; an operator's right operand is parsed with `min` one above the operator's own
/// precedence (left-associative) or equal to it (right-associative `^`). So `1 + 2 * 3` groups
/// as `1 + (2 * 3)` and `1 - 2 - 3` as `(1 - 2) - 3`.
///
/// Operator precedence, tightest first (the README's SQL reference shows the same table):
///
/// | level | operators                                                       | kind            |
/// |------:|-----------------------------------------------------------------|-----------------|
/// |    12 | `+` `-`                                                         | prefix          |
/// |    11 | `!` (factorial)                                                 | postfix         |
/// |    10 | `^`                                                             | infix, right    |
/// |     9 | `*` `/` `%`                                                     | infix, left     |
/// |     8 | `+` `-`                                                         | infix, left     |
/// |     7 | `\|\|`                                                          | infix, left     |
/// |     6 | `<` `<=` `>` `>=`                                               | infix, left     |
/// |     5 | `=` `!=` `<>` `[NOT] LIKE` `[NOT] IN (...)` `[NOT] BETWEEN ... AND ...` | infix, left |
/// |     4 | `IS [NOT] NULL` `IS [NOT] NAN` · `IS [NOT] DISTINCT FROM`       | postfix · infix |
/// |     3 | `NOT`                                                           | prefix          |
/// |     2 | `AND`                                                           | infix, left     |
/// |     1 | `OR`                                                            | infix, left     |
///
/// Like toyDB, prefix `-` binds tighter than everything: `-2 ^ 2` is `(-2) ^ 2` = 4 and `-1!` is
/// `(-1)!` (an error). Unlike toyDB, the `IS` tests bind looser than arithmetic and comparison, as
/// in PostgreSQL, so `price * 2 IS NULL` means `(price * 2) IS NULL`.
extension Parser {
    private enum Level {
        static let or = 1, and = 2, not = 3, `is` = 4, equality = 5, comparison = 6,
                   concatenation = 7, sum = 8, product = 9, power = 10, factorial = 11, sign = 12
    }

    /// One expression whose operators all have at least `minPrecedence`.
    mutating func expression(_ minPrecedence: Int = Level.or) throws(SQLError) -> AST.Expression {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Parser.maxDepth else { throw tooDeep(at: peek.position) }

        var left = try prefixOrAtom()
        // The operands of an AND or OR chain being read: `a OR b OR c` becomes one flat list
        // (its operands were read at a tighter level, so nothing else can follow but more of
        // the same operator or a looser one).
        var chain: [AST.Expression] = []
        var chainOperator = AST.BinaryOperator.and
        func extend(_ op: AST.BinaryOperator, _ right: AST.Expression) throws(SQLError) {
            if !chain.isEmpty && chainOperator == op {
                chain.append(right)
                return
            }
            if !chain.isEmpty { left = try node(.logical(chainOperator, chain), at: left.position) }
            chain = [left, right]
            chainOperator = op
        }
        loop: while true {
            let token = peek
            switch token.kind {
            case .symbol(let symbol):
                if symbol == .exclamation, Level.factorial >= minPrecedence {
                    advance()
                    left = try node(.unary(.factorial, left), at: left.position)
                    continue
                }
                guard let (op, level) = Parser.infix(symbol), level >= minPrecedence else { break loop }
                advance()
                let right = try expression(op == .exponentiate ? level : level + 1)
                left = try node(.binary(op, left, right), at: left.position)

            case .keyword(.and) where Level.and >= minPrecedence:
                advance()
                try extend(.and, try expression(Level.and + 1))
            case .keyword(.or) where Level.or >= minPrecedence:
                advance()
                try extend(.or, try expression(Level.or + 1))
            case .keyword(.is) where Level.is >= minPrecedence:
                left = try isTest(left)
            case .keyword(.like), .keyword(.in), .keyword(.between):
                guard Level.equality >= minPrecedence else { break loop }
                left = try membership(left, negated: false)
            case .keyword(.not):
                // Infix NOT only as NOT LIKE / NOT IN / NOT BETWEEN; otherwise it is not ours.
                guard Level.equality >= minPrecedence,
                      [.keyword(.like), .keyword(.in), .keyword(.between)].contains(peekSecond.kind)
                else { break loop }
                advance()
                left = try membership(left, negated: true)
            default:
                break loop
            }
        }
        if chain.isEmpty { return left }
        return try node(.logical(chainOperator, chain), at: chain[0].position)
    }

    /// Infix operators spelled with symbols, with their precedence.
    private static func infix(_ symbol: Symbol) -> (AST.BinaryOperator, Int)? {
        switch symbol {
        case .caret: (.exponentiate, Level.power)
        case .asterisk: (.multiply, Level.product)
        case .slash: (.divide, Level.product)
        case .percent: (.remainder, Level.product)
        case .plus: (.add, Level.sum)
        case .minus: (.subtract, Level.sum)
        case .concatenate: (.concatenate, Level.concatenation)
        case .less: (.lessThan, Level.comparison)
        case .lessOrEqual: (.lessThanOrEqual, Level.comparison)
        case .greater: (.greaterThan, Level.comparison)
        case .greaterOrEqual: (.greaterThanOrEqual, Level.comparison)
        case .equal: (.equal, Level.equality)
        case .notEqual, .lessGreater: (.notEqual, Level.equality)
        case .period, .comma, .semicolon, .openParen, .closeParen, .exclamation: nil
        }
    }

    /// `IS [NOT] NULL`, `IS [NOT] NAN`, `IS [NOT] DISTINCT FROM right`.
    private mutating func isTest(_ left: AST.Expression) throws(SQLError) -> AST.Expression {
        advance()
        let negated = accept(.not)
        if accept(.null) { return try node(.unary(negated ? .isNotNull : .isNull, left), at: left.position) }
        if accept(.nan) { return try node(.unary(negated ? .isNotNaN : .isNaN, left), at: left.position) }
        if accept(.distinct, label: "DISTINCT FROM") {
            try expect(.from)
            let right = try expression(Level.is + 1)
            return try node(.binary(negated ? .isNotDistinctFrom : .isDistinctFrom, left, right), at: left.position)
        }
        throw unexpected()
    }

    /// `[NOT] LIKE pattern`, `[NOT] IN (list)`, `[NOT] BETWEEN low AND high` (the NOT consumed).
    private mutating func membership(_ left: AST.Expression, negated: Bool) throws(SQLError) -> AST.Expression {
        if accept(.like) {
            let pattern = try expression(Level.equality + 1)
            return try node(.binary(negated ? .notLike : .like, left, pattern), at: left.position)
        }
        if accept(.between) {
            // The bounds bind tighter than `=`, so the AND here is BETWEEN's, not a logical one.
            let low = try expression(Level.comparison)
            try expect(.and)
            let high = try expression(Level.comparison)
            return try node(.between(left, low: low, high: high, negated: negated), at: left.position)
        }
        try expect(.in)
        try expect(.openParen)
        if peek.kind == .keyword(.select) {
            let query = try select()
            try expect(.closeParen)
            return try node(.inSubquery(left, query, negated: negated), at: left.position)
        }
        var list: [AST.Expression] = []
        repeat {
            list.append(try expression())
        } while accept(.comma)
        try expect(.closeParen)
        return try node(.inList(left, list, negated: negated), at: left.position)
    }

    /// A prefix operator with its operand, or an atom.
    private mutating func prefixOrAtom() throws(SQLError) -> AST.Expression {
        let token = peek
        switch token.kind {
        case .symbol(.plus), .symbol(.minus):
            advance()
            let operand = try expression(Level.sign)
            return try node(.unary(token.kind == .symbol(.plus) ? .plus : .minus, operand), at: token.position)
        case .keyword(.not):
            advance()
            return try node(.unary(.not, try expression(Level.not)), at: token.position)
        default:
            return try atom()
        }
    }

    /// A literal, a column, a function call, a parenthesized expression or a CASE.
    private mutating func atom() throws(SQLError) -> AST.Expression {
        let token = peek
        let position = token.position
        switch token.kind {
        case .number(let text):
            advance()
            return AST.Expression(.literal(try Parser.number(text, at: position)), at: position)
        case .string(let value):
            advance()
            return AST.Expression(.literal(.string(value)), at: position)
        case .keyword(.true):
            advance()
            return AST.Expression(.literal(.boolean(true)), at: position)
        case .keyword(.false):
            advance()
            return AST.Expression(.literal(.boolean(false)), at: position)
        case .keyword(.null):
            advance()
            return AST.Expression(.literal(.null), at: position)
        case .keyword(.infinity):
            advance()
            return AST.Expression(.literal(.float(.infinity)), at: position)
        case .keyword(.nan):
            advance()
            return AST.Expression(.literal(.float(.nan)), at: position)
        case .keyword(.case):
            return try caseExpression()
        case .keyword(.exists):
            advance()
            try expect(.openParen)
            guard check(.select) else { throw unexpected() }
            let query = try select()
            try expect(.closeParen)
            return AST.Expression(.exists(query), at: position)
        case .keyword(.cast):
            advance()
            try expect(.openParen)
            let operand = try expression()
            try expect(.as)
            let type = try dataType()
            try expect(.closeParen)
            return try node(.cast(operand, type), at: position)
        case .keyword(.default):
            throw SQLError(.syntax, "DEFAULT is only allowed as a whole value in INSERT ... VALUES or UPDATE ... SET", at: position)
        case .symbol(.openParen):
            advance()
            if peek.kind == .keyword(.select) {
                let query = try select()
                try expect(.closeParen)
                return AST.Expression(.subquery(query), at: position)
            }
            let inner = try expression()
            try expect(.closeParen)
            return inner
        case .symbol(.asterisk):
            throw SQLError(.syntax, "unsupported use of *: it may stand for all columns in the select list, or in COUNT(*)", at: position)
        default:
            guard peekIsIdentifier else { throw unexpected(expectedInstead: "an expression") }
            let name = try identifier("an expression")
            // Not `check`/`accept`: after a name, '(' and '.' are possible but not worth
            // listing in every "expected ..." message.
            if peek.kind == .symbol(.openParen) { return try functionCall(name) }
            if peek.kind == .symbol(.period) {
                advance()
                if peek.kind == .symbol(.asterisk) {
                    throw SQLError(.syntax, "unsupported use of \(name.value).*: it may only stand for columns in the select list", at: peek.position)
                }
                let column = try identifier("column name")
                return AST.Expression(.column(table: name, name: column), at: position)
            }
            return AST.Expression(.column(table: nil, name: name), at: position)
        }
    }

    /// `name(args)`, `name(DISTINCT arg)`, `COUNT(*)`; the '(' is next.
    private mutating func functionCall(_ name: AST.Name) throws(SQLError) -> AST.Expression {
        advance()
        if peek.kind == .symbol(.asterisk) {
            guard name.value == "count" else {
                throw SQLError(.syntax, "unsupported use of *: only COUNT(*) takes *", at: peek.position)
            }
            let star = advance()
            try expect(.closeParen)
            let all = AST.Expression(.all, at: star.position)
            return try node(.function(name: name, args: [all], distinct: false), at: name.position)
        }
        let distinct = accept(.distinct)
        var args: [AST.Expression] = []
        if distinct || !accept(.closeParen) {
            repeat {
                args.append(try expression())
            } while accept(.comma)
            try expect(.closeParen)
        }
        return try node(.function(name: name, args: args, distinct: distinct), at: name.position)
    }

    /// `CASE [operand] WHEN w THEN t ... [ELSE e] END`.
    private mutating func caseExpression() throws(SQLError) -> AST.Expression {
        let start = advance()
        let operand = check(.when) ? nil : try expression()
        var whens: [AST.WhenClause] = []
        while accept(.when) {
            let condition = try expression()
            try expect(.then)
            whens.append(AST.WhenClause(when: condition, then: try expression()))
        }
        guard !whens.isEmpty else { throw unexpected() }
        let elseResult = accept(.else) ? try expression() : nil
        try expect(.end)
        return try node(.case(operand: operand, whens: whens, else: elseResult), at: start.position)
    }

    /// A number token's value: an integer if it has no `.` or exponent, else a float.
    static func number(_ text: String, at position: SourcePosition) throws(SQLError) -> Value {
        // The UTF-8 view: iterating Characters here was a fifth of parsing a bulk INSERT.
        if text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            guard let value = Double(text) else {
                throw SQLError(.syntax, "invalid number '\(text)'", at: position)
            }
            return .float(value)
        }
        guard let value = Int64(text) else {
            throw SQLError(.syntax, "integer \(text) is too large: integers are 64-bit, at most \(Int64.max) (write \(text).0 for a float)", at: position)
        }
        return .integer(value)
    }

    /// Builds a node, refusing trees deeper than `maxDepth`.
    private func node(_ kind: AST.Expression.Kind, at position: SourcePosition) throws(SQLError) -> AST.Expression {
        let expression = AST.Expression(kind, at: position)
        guard expression.depth <= Parser.maxDepth else { throw tooDeep(at: position) }
        return expression
    }

    func tooDeep(at position: SourcePosition) -> SQLError {
        SQLError(.syntax, "expression nested too deeply (more than \(Parser.maxDepth) levels)", at: position)
    }
}
