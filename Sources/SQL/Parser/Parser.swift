/// Parses one SQL statement into a `Statement` (the syntax tree), or says precisely why not.
///
/// A hand-written recursive-descent parser: one function per grammar rule (`select()`,
/// `createTable()`, `expression()`), each consuming the tokens its rule covers. Statements are
/// simple to parse this way because each starts with a keyword that decides which rule applies.
/// Expressions use *precedence climbing* (see `Parser+Expression.swift`).
///
/// Errors say what was expected and what was found, at the offending token's position:
/// `syntax error at 1:10: expected FROM, found identifier 'form'`. To know what "expected" is, the
/// parser remembers every keyword or symbol it tried at the current token; when none matched,
/// that list is the message.
///
/// Nothing the user types can crash it: expressions nested deeper than `maxDepth` are refused
/// with "expression nested too deeply" instead of overflowing the stack.
public struct Parser {
    /// The deepest expression tree (and the most nested parentheses) accepted.
    public static let maxDepth = 200
    /// The deepest nesting of subqueries accepted (each is planned recursively).
    public static let maxQueryNesting = 32

    private var tokens: [Token]
    private var index = 0
    /// How many `expression()` calls are active, to bound recursion on `((((...))))`.
    var nesting = 0
    /// How many `select()` calls are active, to bound nested subqueries.
    var queryNesting = 0
    /// What was tried at token `expectedIndex`, for "expected X, found Y".
    private var expected: [Expectation] = []
    private var expectedIndex = -1

    /// Something the parser tried at a token; only turned into text when an error needs it.
    enum Expectation: Equatable {
        case keyword(Keyword)
        case symbol(Symbol)
        case label(String)

        var text: String {
            switch self {
            case .keyword(let keyword): keyword.rawValue
            case .symbol(let symbol): "'\(symbol.rawValue)'"
            case .label(let label): label
            }
        }
    }

    private init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses exactly one statement; a trailing `;` is optional.
    /// - Throws: `SQLError(.syntax)` with the position of the offending token.
    public static func parse(_ text: String) throws(SQLError) -> Statement {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        if parser.peek.kind == .end || parser.peek.kind == .symbol(.semicolon) {
            throw SQLError(.syntax, "empty statement: expected SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, BEGIN, COMMIT, ROLLBACK or EXPLAIN", at: parser.peek.position)
        }
        let statement = try parser.statement()
        try parser.endOfStatement()
        return statement
    }

    /// Parses a lone expression (`1 + 2`, `name LIKE 'a%'`), as the expression runner and tests use.
    public static func parseExpression(_ text: String) throws(SQLError) -> AST.Expression {
        var parser = Parser(tokens: try Lexer.tokenize(text))
        let expression = try parser.expression()
        try parser.endOfStatement()
        return expression
    }

    private mutating func endOfStatement() throws(SQLError) {
        if accept(.semicolon) {
            if peek.kind != .end {
                throw SQLError(.syntax, "unexpected \(peek) after ';': one statement at a time", at: peek.position)
            }
            return
        }
        guard peek.kind == .end else {
            note(.label("end of statement"))
            throw unexpected()
        }
    }

    // MARK: - Statements

    private mutating func statement() throws(SQLError) -> Statement {
        let token = peek
        guard case .keyword(let keyword) = token.kind else {
            throw unexpected(expectedInstead: "a statement (SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, BEGIN, COMMIT, ROLLBACK or EXPLAIN)",
                             suggesting: Parser.statementKeywords)
        }
        switch keyword {
        case .select: return .select(try select())
        case .insert: return try insert()
        case .update: return try update()
        case .delete: return try delete()
        case .create: return try create()
        case .drop: return try drop()
        case .begin: return try begin()
        case .commit:
            advance()
            return .commit
        case .rollback:
            advance()
            return .rollback
        case .explain: return try explain()
        default:
            throw unexpected(expectedInstead: "a statement (SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, BEGIN, COMMIT, ROLLBACK or EXPLAIN)",
                             suggesting: Parser.statementKeywords)
        }
    }

    /// `EXPLAIN [ANALYZE] statement`.
    private mutating func explain() throws(SQLError) -> Statement {
        advance()
        let analyze = accept(.analyze)
        let start = peek
        let inner = try statement()
        switch inner {
        case .explain, .begin, .commit, .rollback:
            let word = if case .keyword(let keyword) = start.kind { keyword.rawValue } else { "\(start)" }
            throw SQLError(.syntax, "EXPLAIN can't be used with \(word): it explains SELECT, INSERT, UPDATE, DELETE, CREATE and DROP", at: start.position)
        default:
            return .explain(inner, analyze: analyze)
        }
    }

    /// `BEGIN [TRANSACTION] [READ ONLY | READ WRITE] [AS OF SYSTEM TIME n]`.
    private mutating func begin() throws(SQLError) -> Statement {
        advance()
        _ = accept(.transaction)
        var readOnly = false
        if accept(.read) {
            if accept(.only) {
                readOnly = true
            } else {
                try expect(.write)
            }
        }
        var asOf: UInt64?
        if peek.kind == .keyword(.as) {
            let asToken = advance()
            try expect(.of)
            try expect(.system)
            try expect(.time)
            let versionToken = peek
            guard case .number(let text) = versionToken.kind, let version = UInt64(text) else {
                throw SQLError(.syntax, "expected a version number after AS OF SYSTEM TIME, found \(versionToken)", at: versionToken.position)
            }
            advance()
            guard readOnly else {
                throw SQLError(.syntax, "AS OF SYSTEM TIME needs a read-only transaction: write BEGIN READ ONLY AS OF SYSTEM TIME \(version)", at: asToken.position)
            }
            asOf = version
        }
        return .begin(readOnly: readOnly, asOf: asOf)
    }

    /// `CREATE TABLE ...` or `CREATE [UNIQUE] INDEX ...`.
    private mutating func create() throws(SQLError) -> Statement {
        advance()
        if accept(.table) { return try createTable() }
        if accept(.unique) {
            try expect(.index)
            return try createIndex(unique: true)
        }
        if accept(.index) { return try createIndex(unique: false) }
        throw unexpected()
    }

    /// `CREATE TABLE name (column type constraints..., ...)` or `CREATE TABLE name AS SELECT …`.
    private mutating func createTable() throws(SQLError) -> Statement {
        let name = try identifier("table name")
        if accept(.as) {
            // `select()` takes the SELECT keyword as read; check it is there.
            guard check(.select) else { throw unexpected() }
            return .createTableAs(name: name, query: try select())
        }
        try expect(.openParen)
        var columns: [AST.ColumnSpec] = []
        repeat {
            columns.append(try columnSpec())
        } while accept(.comma)
        try expect(.closeParen)
        return .createTable(name: name, columns: columns)
    }

    private mutating func columnSpec() throws(SQLError) -> AST.ColumnSpec {
        let name = try identifier("column name")
        let type = try dataType()
        var column = AST.ColumnSpec(name: name, type: type)
        var seen: Set<String> = []
        // Each constraint once; the loop ends at the ',' or ')' after the column.
        func once(_ constraint: String, _ token: Token) throws(SQLError) {
            guard seen.insert(constraint).inserted else {
                throw SQLError(.syntax, "\(constraint) given twice for column \(name.value)", at: token.position)
            }
        }
        while true {
            let token = peek
            if accept(.primary) {
                try expect(.key)
                try once("PRIMARY KEY", token)
                column.primaryKey = true
            } else if accept(.not) {
                try expect(.null)
                try once("NULL or NOT NULL", token)
                column.nullable = false
            } else if accept(.null) {
                try once("NULL or NOT NULL", token)
                column.nullable = true
            } else if accept(.default) {
                try once("DEFAULT", token)
                column.defaultValue = try expression()
            } else if accept(.unique) {
                try once("UNIQUE", token)
                column.unique = true
            } else if accept(.index) {
                try once("INDEX", token)
                column.index = true
            } else if accept(.references) {
                try once("REFERENCES", token)
                column.references = try identifier("table name")
            } else if check(.comma) || check(.closeParen) {
                return column
            } else {
                throw unexpected()
            }
        }
    }

    mutating func dataType() throws(SQLError) -> DataType {
        let token = peek
        if case .keyword(let keyword) = token.kind {
            let type: DataType? = switch keyword {
            case .bool, .boolean: .boolean
            case .int, .integer: .integer
            case .float, .double: .float
            case .string, .text, .varchar: .string
            default: nil
            }
            if let type {
                advance()
                return type
            }
        }
        throw unexpected(expectedInstead: "a column type (BOOLEAN, INTEGER, FLOAT or STRING)",
                         suggesting: [.boolean, .integer, .float, .string, .bool, .int, .double, .text, .varchar])
    }

    /// `CREATE [UNIQUE] INDEX name ON table (column)`.
    private mutating func createIndex(unique: Bool) throws(SQLError) -> Statement {
        let name = try identifier("index name")
        try expect(.on)
        let table = try identifier("table name")
        try expect(.openParen)
        let column = try identifier("column name")
        if check(.comma) {
            throw SQLError(.syntax, "an index covers one column; create one index per column", at: peek.position)
        }
        try expect(.closeParen)
        return .createIndex(name: name, table: table, column: column, unique: unique)
    }

    /// `DROP TABLE [IF EXISTS] name` or `DROP INDEX [IF EXISTS] name`.
    private mutating func drop() throws(SQLError) -> Statement {
        advance()
        let isTable: Bool
        if accept(.table) {
            isTable = true
        } else if accept(.index) {
            isTable = false
        } else {
            throw unexpected()
        }
        var ifExists = false
        if accept(.if) {
            try expect(.exists)
            ifExists = true
        }
        if isTable { return .dropTable(name: try identifier("table name"), ifExists: ifExists) }
        return .dropIndex(name: try identifier("index name"), ifExists: ifExists)
    }

    /// `INSERT INTO table [(columns)] VALUES (values), ...`.
    private mutating func insert() throws(SQLError) -> Statement {
        advance()
        try expect(.into)
        let table = try identifier("table name")
        var columns: [AST.Name]?
        if accept(.openParen) {
            var names: [AST.Name] = []
            repeat {
                names.append(try identifier("column name"))
            } while accept(.comma)
            try expect(.closeParen)
            columns = names
        }
        if check(.select) { return .insertSelect(table: table, columns: columns, query: try select()) }
        try expect(.values)
        var rows: [[AST.Expression]] = []
        var width = 0
        repeat {
            try expect(.openParen)
            var row: [AST.Expression] = []
            row.reserveCapacity(width)
            repeat {
                row.append(try insertValue())
            } while accept(.comma)
            try expect(.closeParen)
            width = row.count
            rows.append(row)
        } while accept(.comma)
        return .insert(table: table, columns: columns, rows: rows)
    }

    /// One value of a VALUES row. A lone literal followed by ',' or ')' — what bulk loads are
    /// made of — is taken directly, skipping the climb through every precedence level that
    /// `expression()` makes for it (the same tree and the same errors, a fraction of the work).
    private mutating func insertValue() throws(SQLError) -> AST.Expression {
        let token = peek
        if case .symbol(let after) = peekSecond.kind, after == .comma || after == .closeParen {
            let literal: Value? = switch token.kind {
            case .number(let text): try Parser.number(text, at: token.position)
            case .string(let value): .string(value)
            case .keyword(.null): .null
            case .keyword(.true): .boolean(true)
            case .keyword(.false): .boolean(false)
            default: nil
            }
            if let literal {
                advance()
                return AST.Expression(.literal(literal), at: token.position)
            }
        }
        return try valueOrDefault()
    }

    /// `UPDATE table SET column = value, ... [WHERE condition]`.
    private mutating func update() throws(SQLError) -> Statement {
        advance()
        let table = try identifier("table name")
        try expect(.set)
        var assignments: [AST.Assignment] = []
        repeat {
            let column = try identifier("column name")
            try expect(.equal)
            assignments.append(AST.Assignment(column: column, value: try valueOrDefault()))
        } while accept(.comma)
        let condition = accept(.where) ? try expression() : nil
        return .update(table: table, set: assignments, where: condition)
    }

    /// `DELETE FROM table [WHERE condition]`.
    private mutating func delete() throws(SQLError) -> Statement {
        advance()
        try expect(.from)
        let table = try identifier("table name")
        let condition = accept(.where) ? try expression() : nil
        return .delete(table: table, where: condition)
    }

    /// An expression, or the keyword DEFAULT (as a whole value in INSERT or UPDATE).
    private mutating func valueOrDefault() throws(SQLError) -> AST.Expression {
        let token = peek
        if accept(.default) { return AST.Expression(.default, at: token.position) }
        return try expression()
    }

    // MARK: - Tokens

    var peek: Token {
        // The lexer always ends the list with `.end`, and `advance` never moves past it.
        tokens[min(index, tokens.count - 1)]
    }

    /// The token after the next one (or `.end`).
    var peekSecond: Token { peek(ahead: 1) }

    /// The token `ahead` places after the next one (or `.end`).
    func peek(ahead: Int) -> Token { tokens[min(index + ahead, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = peek
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    /// Records that `what` would have been acceptable at the current token.
    mutating func note(_ what: Expectation) {
        if index != expectedIndex {
            expected.removeAll(keepingCapacity: true)
            expectedIndex = index
        }
        if !expected.contains(what) { expected.append(what) }
    }

    /// Whether the next token is `keyword`; notes it as expected.
    mutating func check(_ keyword: Keyword) -> Bool {
        note(.keyword(keyword))
        return peek.kind == .keyword(keyword)
    }

    /// Whether the next token is `symbol`; notes it as expected.
    mutating func check(_ symbol: Symbol) -> Bool {
        note(.symbol(symbol))
        return peek.kind == .symbol(symbol)
    }

    /// Consumes the next token if it is `keyword`. Only a miss is noted: once the token is
    /// consumed, what was tried at it can no longer be reported (a bulk INSERT accepts
    /// millions of tokens).
    mutating func accept(_ keyword: Keyword) -> Bool {
        guard peek.kind == .keyword(keyword) else {
            note(.keyword(keyword))
            return false
        }
        advance()
        return true
    }

    /// Consumes the next token if it is `keyword`, noting it under `label` (e.g. "GROUP BY").
    mutating func accept(_ keyword: Keyword, label: String) -> Bool {
        note(.label(label))
        guard peek.kind == .keyword(keyword) else { return false }
        advance()
        return true
    }

    /// Consumes the next token if it is `symbol` (only a miss is noted, as for keywords).
    mutating func accept(_ symbol: Symbol) -> Bool {
        guard peek.kind == .symbol(symbol) else {
            note(.symbol(symbol))
            return false
        }
        advance()
        return true
    }

    mutating func expect(_ keyword: Keyword) throws(SQLError) {
        guard accept(keyword) else { throw unexpected() }
    }

    mutating func expect(_ symbol: Symbol) throws(SQLError) {
        guard accept(symbol) else { throw unexpected() }
    }

    /// A name: an identifier, or a non-reserved keyword used as one (`time`, `key`).
    /// `what` names the role in the error ("expected table name, found keyword TABLE").
    mutating func identifier(_ what: String) throws(SQLError) -> AST.Name {
        let token = peek
        switch token.kind {
        case .identifier(let name, _):
            advance()
            return AST.Name(name, at: token.position)
        case .keyword(let keyword) where !keyword.isReserved:
            advance()
            return AST.Name(keyword.rawValue.lowercased(), at: token.position)
        case .keyword(let keyword):
            throw SQLError(.syntax, "expected \(what), found keyword \(keyword.rawValue) (to use it as a name, quote it: \"\(keyword.rawValue.lowercased())\")", at: token.position)
        default:
            throw unexpected(expectedInstead: what)
        }
    }

    /// Whether the next token can be used as a name (see `identifier`).
    var peekIsIdentifier: Bool {
        switch peek.kind {
        case .identifier: true
        case .keyword(let keyword): !keyword.isReserved
        default: false
        }
    }

    // MARK: - Errors

    /// The keywords a statement can start with, for "did you mean SELECT?".
    static let statementKeywords: [Keyword] = [.select, .insert, .update, .delete, .create, .drop, .begin,
                                               .commit, .rollback, .explain]

    /// "expected X, Y or Z, found T" at the current token, from what was tried there; `what` is
    /// one more alternative in words, and a misspelling of one of `keywords` gets a suggestion.
    func unexpected(expectedInstead what: String? = nil, suggesting keywords: [Keyword] = []) -> SQLError {
        let token = peek
        var alternatives = index == expectedIndex ? expected.map(\.text) : []
        if let what { alternatives.append(what) }
        if token.kind == .end || index == tokens.count - 1 {
            // At the end, a ';' would not have helped: don't offer it.
            alternatives.removeAll { $0 == "';'" }
        }
        // A misspelt keyword ("form" for FROM) gets the one keyword it was probably meant to be.
        if case .identifier(let word, false) = token.kind,
           let guess = alternatives.first(where: { Parser.isMisspelling(word, of: $0) }) {
            return SQLError(.syntax, "expected \(guess), found \(token)", at: token.position)
        }
        var hint = ""
        if case .identifier(let word, false) = token.kind,
           let guess = keywords.first(where: { Parser.isMisspelling(word, of: $0.rawValue) }) {
            hint = " (did you mean \(guess.rawValue)?)"
        }
        guard !alternatives.isEmpty else {
            return SQLError(.syntax, "unexpected \(token)\(hint)", at: token.position)
        }
        return SQLError(.syntax, "expected \(Parser.list(alternatives)), found \(token)\(hint)", at: token.position)
    }

    /// "A", "A or B", "A, B or C".
    static func list(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        if items.count == 1 { return last }
        return items.dropLast().joined(separator: ", ") + " or " + last
    }

    /// Whether `word` looks like a typo of the keyword `candidate` (which is uppercase, as noted).
    static func isMisspelling(_ word: String, of candidate: String) -> Bool {
        guard candidate.count >= 3, candidate.allSatisfy({ $0.isLetter && $0.isUppercase }) else { return false }
        let distance = editDistance(Array(word.uppercased()), Array(candidate))
        return distance > 0 && distance <= (candidate.count <= 4 ? 1 : 2)
    }

    /// Edits (insert, delete, substitute, swap two neighbours) to turn `a` into `b`.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [Int](repeating: 0, count: b.count + 1)
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }
}
