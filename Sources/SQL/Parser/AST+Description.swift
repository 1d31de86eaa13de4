/// A compact, fully parenthesized rendering of the syntax tree, so a reader (or a golden test)
/// sees exactly how a statement was grouped: `SELECT ((1 + (2 * 3)) AS x) FROM t`.
///
/// Every operator application gets its own parentheses; names that would not survive re-lexing
/// as they are (keywords, upper case, spaces) are double-quoted; strings are single-quoted with
/// `''` escapes; floats always show a `.`, an exponent, `INFINITY` or `NAN`, so `3.0` never looks
/// like `3`. The text parses back to the same tree (the fuzz test checks this round trip).
extension Statement: CustomStringConvertible {
    public var description: String {
        switch self {
        case .begin(let readOnly, let asOf):
            var text = "BEGIN"
            if readOnly { text += " READ ONLY" }
            if let asOf { text += " AS OF SYSTEM TIME \(asOf)" }
            return text
        case .commit: return "COMMIT"
        case .rollback: return "ROLLBACK"
        case .explain(let statement, let analyze):
            return "EXPLAIN \(analyze ? "ANALYZE " : "")\(statement)"
        case .createTable(let name, let columns):
            return "CREATE TABLE \(name.quotedIfNeeded) (\(columns.map(\.description).joined(separator: ", ")))"
        case .createTableAs(let name, let query):
            return "CREATE TABLE \(name.quotedIfNeeded) AS \(query)"
        case .dropTable(let name, let ifExists):
            return "DROP TABLE \(ifExists ? "IF EXISTS " : "")\(name.quotedIfNeeded)"
        case .createIndex(let name, let table, let column, let unique):
            return "CREATE \(unique ? "UNIQUE " : "")INDEX \(name.quotedIfNeeded) ON \(table.quotedIfNeeded) (\(column.quotedIfNeeded))"
        case .dropIndex(let name, let ifExists):
            return "DROP INDEX \(ifExists ? "IF EXISTS " : "")\(name.quotedIfNeeded)"
        case .insertSelect(let table, let columns, let query):
            return "INSERT INTO \(table.quotedIfNeeded)"
                + (columns.map { " (" + $0.map(\.quotedIfNeeded).joined(separator: ", ") + ")" } ?? "")
                + " \(query)"
        case .insert(let table, let columns, let rows):
            var text = "INSERT INTO \(table.quotedIfNeeded)"
            if let columns { text += " (\(columns.map(\.quotedIfNeeded).joined(separator: ", ")))" }
            let values = rows.map { "(\($0.map(\.description).joined(separator: ", ")))" }
            return text + " VALUES " + values.joined(separator: ", ")
        case .update(let table, let assignments, let condition):
            let set = assignments.map { "\($0.column.quotedIfNeeded) = \($0.value)" }.joined(separator: ", ")
            return "UPDATE \(table.quotedIfNeeded) SET \(set)" + (condition.map { " WHERE \($0)" } ?? "")
        case .delete(let table, let condition):
            return "DELETE FROM \(table.quotedIfNeeded)" + (condition.map { " WHERE \($0)" } ?? "")
        case .select(let select):
            return select.description
        }
    }
}

extension AST.Name {
    /// The name as it would have to be typed: bare if that reads back the same, else quoted.
    public var quotedIfNeeded: String { AST.Name.quotedIfNeeded(value) }

    /// `name` as it would have to be typed (`.schema` writes names back with this, so its
    /// output pastes back): bare if that reads back the same, else double-quoted.
    public static func quotedIfNeeded(_ name: String) -> String {
        let bare = name.first?.isLetter == true && name.allSatisfy(\.isIdentifierCharacter)
            && name == name.lowercased() && Keyword(word: name) == nil
        if bare { return name }
        var quoted = "\""
        for character in name {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    /// The name a typed word means, by the rules of the lexer: `"Order"` is `Order` exactly,
    /// an unquoted `Order` is `order`. Dot-commands read table names with this, like SQL does.
    public static func typed(_ word: String) -> String {
        if let tokens = try? Lexer.tokenize(word), tokens.count == 2, case .identifier(let name, _) = tokens[0].kind {
            return name
        }
        return word.lowercased()
    }
}

extension AST.ColumnSpec: CustomStringConvertible {
    public var description: String {
        var text = "\(name.quotedIfNeeded) \(type.rawValue)"
        if primaryKey { text += " PRIMARY KEY" }
        if let nullable { text += nullable ? " NULL" : " NOT NULL" }
        if let defaultValue { text += " DEFAULT \(defaultValue)" }
        if unique { text += " UNIQUE" }
        if index { text += " INDEX" }
        if let references { text += " REFERENCES \(references.quotedIfNeeded)" }
        return text
    }
}

extension AST.SelectStatement: CustomStringConvertible {
    public var description: String {
        var text = distinct ? "SELECT DISTINCT " : "SELECT "
        text += projection.map(\.description).joined(separator: ", ")
        if !from.isEmpty { text += " FROM " + from.map(\.description).joined(separator: ", ") }
        if let `where` { text += " WHERE \(`where`)" }
        if !groupBy.isEmpty { text += " GROUP BY " + groupBy.map(\.description).joined(separator: ", ") }
        if let having { text += " HAVING \(having)" }
        for part in compound {
            text += " \(part.operation.rawValue)\(part.all ? " ALL" : "") \(part.select)"
        }
        if !orderBy.isEmpty {
            text += " ORDER BY " + orderBy.map { "\($0.expression) \($0.direction.rawValue)" }.joined(separator: ", ")
        }
        if let limit { text += " LIMIT \(limit)" }
        if let offset { text += " OFFSET \(offset)" }
        return text
    }
}

extension AST.SelectItem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .all: "*"
        case .allColumns(let table): "\(table.quotedIfNeeded).*"
        case .expression(let expression, let alias):
            alias.map { "\(expression) AS \($0.quotedIfNeeded)" } ?? expression.description
        }
    }
}

extension AST.FromItem: CustomStringConvertible {
    public var description: String {
        switch self {
        case .table(let name, let alias):
            return name.quotedIfNeeded + (alias.map { " AS \($0.quotedIfNeeded)" } ?? "")
        case .join(let left, let right, let kind, let condition):
            // Joins only chain to the left, so no parentheses are needed (or parseable).
            return "\(left) \(kind.rawValue) JOIN \(right)" + (condition.map { " ON \($0)" } ?? "")
        case .subquery(let query, let alias):
            return "(\(query)) AS \(alias.quotedIfNeeded)"
        }
    }
}

extension AST.Expression: CustomStringConvertible {
    public var description: String {
        switch kind {
        case .literal(let value): return AST.Expression.literal(value)
        case .column(let table, let name):
            return (table.map { $0.quotedIfNeeded + "." } ?? "") + name.quotedIfNeeded
        case .function(let name, let args, let distinct):
            return "\(name.quotedIfNeeded)(\(distinct ? "DISTINCT " : "")\(args.map(\.description).joined(separator: ", ")))"
        case .all: return "*"
        case .default: return "DEFAULT"
        case .unary(let op, let operand):
            return op.isPostfix ? "(\(operand) \(op.rawValue))" : "(\(op.rawValue) \(operand))"
        case .binary(let op, let left, let right):
            return "(\(left) \(op.rawValue) \(right))"
        case .logical(let op, let operands):
            return "(" + operands.map(\.description).joined(separator: " \(op.rawValue) ") + ")"
        case .inList(let operand, let list, let negated):
            return "(\(operand) \(negated ? "NOT IN" : "IN") (\(list.map(\.description).joined(separator: ", "))))"
        case .between(let operand, let low, let high, let negated):
            return "(\(operand) \(negated ? "NOT BETWEEN" : "BETWEEN") \(low) AND \(high))"
        case .case(let operand, let whens, let elseResult):
            var text = "(CASE"
            if let operand { text += " \(operand)" }
            for clause in whens { text += " WHEN \(clause.when) THEN \(clause.then)" }
            if let elseResult { text += " ELSE \(elseResult)" }
            return text + " END)"
        case .subquery(let query): return "(\(query))"
        case .exists(let query): return "(EXISTS (\(query)))"
        case .inSubquery(let operand, let query, let negated):
            return "(\(operand) \(negated ? "NOT IN" : "IN") (\(query)))"
        case .cast(let operand, let type): return "CAST(\(operand) AS \(type.rawValue))"
        }
    }

    /// A literal as SQL would print it back.
    static func literal(_ value: Value) -> String {
        switch value {
        case .null: "NULL"
        case .boolean(let bool): bool ? "TRUE" : "FALSE"
        case .integer(let integer): "\(integer)"
        case .float(let float):
            if float.isNaN { "NAN" } else if float.isInfinite { float < 0 ? "(- INFINITY)" : "INFINITY" } else { "\(float)" }
        case .string(let string):
            "'" + string.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        }
    }
}
