/// SELECT: the select list, FROM with joins, and the clauses in SQL's fixed order
/// (WHERE, GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET).
extension Parser {
    /// Keywords that may follow a select item or a table; an implicit alias that is a near-miss
    /// of one of them ("form", "wher") and is followed by more names is almost certainly a typo.
    private static let clauseKeywords: [Keyword] = [.from, .where, .group, .having, .order, .limit, .offset,
                                                    .union, .intersect, .except]
    private static let joinKeywords: [Keyword] = [.join, .inner, .left, .right, .cross, .on]

    /// A whole query: one SELECT, any `UNION`/`INTERSECT`/`EXCEPT` steps, then ORDER BY,
    /// LIMIT and OFFSET for the whole. The SELECT keyword is next.
    mutating func select() throws(SQLError) -> AST.SelectStatement {
        queryNesting += 1
        defer { queryNesting -= 1 }
        guard queryNesting <= Parser.maxQueryNesting else {
            throw SQLError(.syntax, "subqueries nested too deeply (more than \(Parser.maxQueryNesting) levels)",
                           at: peek.position)
        }
        var select = try selectCore()
        while let operation = setOperator() {
            let token = advance()
            let all = accept(.all)
            if !all { _ = accept(.distinct) }
            guard check(.select) else { throw unexpected() }
            let part = try selectCore()
            select.compound.append(AST.CompoundPart(operation: operation, all: all, select: part,
                                                    position: token.position))
        }
        if accept(.order, label: "ORDER BY") {
            try expect(.by)
            repeat {
                let expression = try expression()
                var direction = AST.OrderDirection.ascending
                if !accept(.asc), accept(.desc) { direction = .descending }
                select.orderBy.append(AST.OrderItem(expression, direction))
            } while accept(.comma)
        }
        if accept(.limit) { select.limit = try expression() }
        if accept(.offset) { select.offset = try expression() }
        return select
    }

    /// The set operator at the next token, if any (noted for "expected ..." messages).
    private mutating func setOperator() -> AST.SetOperator? {
        if check(.union) { return .union }
        if check(.intersect) { return .intersect }
        if check(.except) { return .except }
        return nil
    }

    /// One SELECT up to HAVING: the part a set operation combines.
    private mutating func selectCore() throws(SQLError) -> AST.SelectStatement {
        let start = advance()
        var select = AST.SelectStatement(position: start.position, projection: [])
        select.distinct = accept(.distinct)
        if !select.distinct { _ = accept(.all) }
        repeat {
            select.projection.append(try selectItem())
        } while accept(.comma)

        if accept(.from) {
            repeat {
                select.from.append(try fromItem())
            } while accept(.comma)
        }
        if accept(.where) { select.where = try expression() }
        if accept(.group, label: "GROUP BY") {
            try expect(.by)
            repeat {
                select.groupBy.append(try expression())
            } while accept(.comma)
        }
        if accept(.having) { select.having = try expression() }
        return select
    }

    /// `*`, `t.*`, or `expr [[AS] alias]`.
    private mutating func selectItem() throws(SQLError) -> AST.SelectItem {
        let token = peek
        if accept(.asterisk) {
            try rejectTypo(of: Parser.clauseKeywords)
            if peek.kind == .keyword(.as) || peekIsIdentifier {
                throw SQLError(.syntax, "can't give * an alias: it stands for several columns", at: peek.position)
            }
            return .all(token.position)
        }
        if peekIsIdentifier, peekSecond.kind == .symbol(.period),
           peek(ahead: 2).kind == .symbol(.asterisk) {
            let table = try identifier("table name")
            advance()
            advance()
            return .allColumns(table: table)
        }
        let expression = try expression()
        if accept(.as) { return .expression(expression, alias: try identifier("alias")) }
        if peekIsIdentifier {
            try rejectTypo(of: Parser.clauseKeywords)
            return .expression(expression, alias: try identifier("alias"))
        }
        return .expression(expression, alias: nil)
    }

    /// `SELECT name form users`: 'form' would parse as an alias, and then 'users' makes no sense.
    /// When the next word is a near-miss of one of `keywords` and what follows it could not
    /// follow an alias, report the likely typo instead of the confusing follow-on error.
    private func rejectTypo(of keywords: [Keyword]) throws(SQLError) {
        let token = peek
        guard case .identifier(let word, false) = token.kind else { return }
        switch peekSecond.kind {
        case .identifier, .number, .string, .symbol(.openParen), .symbol(.period), .keyword(.by): break
        default: return
        }
        if let keyword = keywords.first(where: { Parser.isMisspelling(word, of: $0.rawValue) }) {
            throw SQLError(.syntax, "expected \(keyword.rawValue), found \(token)", at: token.position)
        }
    }

    /// A table followed by any number of joins, grouped to the left: `a JOIN b ON .. JOIN c ON ..`
    /// is `(a JOIN b) JOIN c`.
    private mutating func fromItem() throws(SQLError) -> AST.FromItem {
        var item = try tableReference()
        var joins = 0
        while let kind = try joinKind() {
            joins += 1
            guard joins <= Parser.maxDepth else {
                throw SQLError(.syntax, "too many joins (more than \(Parser.maxDepth))", at: peek.position)
            }
            let right = try tableReference()
            var condition: AST.Expression?
            if kind == .cross {
                if peek.kind == .keyword(.on) {
                    throw SQLError(.syntax, "CROSS JOIN takes no ON condition (use JOIN ... ON)", at: peek.position)
                }
            } else {
                try expect(.on)
                condition = try expression()
            }
            item = .join(left: item, right: right, kind: kind, on: condition)
        }
        return item
    }

    /// `[INNER] JOIN`, `LEFT [OUTER] JOIN`, `RIGHT [OUTER] JOIN`, `CROSS JOIN`, or nil.
    private mutating func joinKind() throws(SQLError) -> AST.JoinKind? {
        if accept(.join) { return .inner }
        let kind: AST.JoinKind
        if accept(.inner) {
            kind = .inner
        } else if accept(.cross) {
            kind = .cross
        } else if accept(.left) {
            kind = .left
            _ = accept(.outer)
        } else if accept(.right) {
            kind = .right
            _ = accept(.outer)
        } else {
            return nil
        }
        try expect(.join)
        return kind
    }

    /// `table [[AS] alias]`.
    private mutating func tableReference() throws(SQLError) -> AST.FromItem {
        if peek.kind == .symbol(.openParen) {
            let open = peek
            guard peekSecond.kind == .keyword(.select) else {
                throw SQLError(.syntax, "parenthesized joins are not supported in FROM", at: open.position)
            }
            advance()
            let query = try select()
            try expect(.closeParen)
            _ = accept(.as)
            guard peekIsIdentifier else {
                throw SQLError(.syntax, "a subquery in FROM needs a name: (SELECT ...) AS name", at: peek.position)
            }
            return .subquery(query, alias: try identifier("alias"))
        }
        let name = try identifier("table name")
        if accept(.as) { return .table(name: name, alias: try identifier("alias")) }
        if peekIsIdentifier {
            try rejectTypo(of: Parser.clauseKeywords + Parser.joinKeywords)
            return .table(name: name, alias: try identifier("alias"))
        }
        return .table(name: name, alias: nil)
    }

}
