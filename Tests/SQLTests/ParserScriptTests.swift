import Foundation
import ScriptTesting
import SQL
import Testing

/// Golden tests for the lexer, parser and splitter: each file in `Tests/Scripts/Parser/` is a
/// story of inputs and the exact output they must produce. The prefix says what to do with
/// the input (a `...> ` line continues it on a new line):
///
///     > SELECT 1 + 2 * 3             parse a statement, print its AST (or the rendered error)
///     expr> -2 ^ 2                   parse a lone expression
///     tokens> SELECT 'a'             print the lexer's tokens with positions
///     split> SELECT 1; SELECT        print StatementSplitter's statements and remainder
///     positions> SELECT a FROM t     print every name and expression with its position
@Suite("Parser scripts")
struct ParserScriptTests {
    static let area = "Parser"

    @Test("script files exist")
    func scriptsExist() {
        #expect(GoldenScripts.files(Self.area).count >= 5, "no parser scripts found")
    }

    @Test("golden script", arguments: GoldenScripts.files(area))
    func run(script name: String) throws {
        try GoldenScripts.check(Self.area, name, with: ParserScriptInterpreter())
    }
}

/// Parses each command's input the way its prefix asks.
struct ParserScriptInterpreter: ScriptInterpreter {
    func run(prefix: String, command input: String) -> [String] {
        do {
            switch prefix {
            case "":
                return [try Parser.parse(input).description]
            case "expr":
                return [try Parser.parseExpression(input).description]
            case "tokens":
                return try Lexer.tokenize(input).map { "\($0.position) \($0)" }
            case "split":
                let (statements, remainder) = StatementSplitter.split(input)
                return statements.map { "statement: \(Self.visible($0))" } + ["remainder: \(Self.visible(remainder))"]
            case "positions":
                return ParserScriptPositions.list(try Parser.parse(input))
            default:
                return ["unknown command \(prefix)"]
            }
        } catch {
            return error.rendered(in: input).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// Newlines shown as ⏎ so a multi-line statement stays on one output line.
    static func visible(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "⏎")
    }
}

/// Lists every name and expression node of a statement with its position, outermost first.
enum ParserScriptPositions {
    static func list(_ statement: Statement) -> [String] {
        var out: [String] = []
        func name(_ n: AST.Name?, _ role: String) {
            if let n { out.append("\(n.position) \(role) \(n.value)") }
        }
        func expression(_ e: AST.Expression?) {
            guard let e else { return }
            out.append("\(e.position) expression \(e)")
            if case .column(let table, let column) = e.kind {
                name(table, "table")
                name(column, "column")
            }
            if case .function(let function, _, _) = e.kind { name(function, "function") }
            e.kind.children.forEach(expression)
            switch e.kind {
            case .subquery(let query), .exists(let query), .inSubquery(_, let query, _): selectStatement(query)
            default: break
            }
        }
        func from(_ item: AST.FromItem) {
            switch item {
            case .table(let table, let alias):
                name(table, "table")
                name(alias, "alias")
            case .join(let left, let right, _, let condition):
                from(left)
                from(right)
                expression(condition)
            case .subquery(let query, let alias):
                selectStatement(query)
                name(alias, "alias")
            }
        }
        func selectStatement(_ select: AST.SelectStatement) {
            out.append("\(select.position) SELECT")
            for item in select.projection {
                switch item {
                case .all(let position): out.append("\(position) *")
                case .allColumns(let table): name(table, "table.*")
                case .expression(let e, let alias):
                    expression(e)
                    name(alias, "alias")
                }
            }
            select.from.forEach(from)
            expression(select.where)
            select.groupBy.forEach(expression)
            expression(select.having)
            for part in select.compound {
                out.append("\(part.position) \(part.operation.rawValue)\(part.all ? " ALL" : "")")
                selectStatement(part.select)
            }
            select.orderBy.forEach { expression($0.expression) }
            expression(select.limit)
            expression(select.offset)
        }
        switch statement {
        case .select(let query):
            selectStatement(query)
        case .insertSelect(let table, let columns, let query):
            name(table, "table")
            columns?.forEach { name($0, "column") }
            selectStatement(query)
        case .createTableAs(let table, let query):
            name(table, "table")
            selectStatement(query)
        case .createTable(let table, let columns):
            name(table, "table")
            for column in columns {
                name(column.name, "column")
                expression(column.defaultValue)
                name(column.references, "references")
            }
        case .insert(let table, let columns, let rows):
            name(table, "table")
            columns?.forEach { name($0, "column") }
            rows.forEach { $0.forEach(expression) }
        case .update(let table, let set, let condition):
            name(table, "table")
            for assignment in set {
                name(assignment.column, "column")
                expression(assignment.value)
            }
            expression(condition)
        case .delete(let table, let condition):
            name(table, "table")
            expression(condition)
        case .createIndex(let index, let table, let column, _):
            name(index, "index")
            name(table, "table")
            name(column, "column")
        case .dropTable(let table, _):
            name(table, "table")
        case .dropIndex(let index, _):
            name(index, "index")
        case .begin, .commit, .rollback, .explain:
            out.append(statement.description)
        }
        return out
    }
}
