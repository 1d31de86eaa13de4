import Foundation
import Testing
import SQL

/// Golden tests for the lexer, parser and splitter: each file in `Tests/Scripts/Parser/` is a
/// story of inputs and the exact output they must produce.
///
/// Script format (one case = a command line, optional `...>` continuation lines, then the
/// expected output up to the next blank line; `#` lines are comments):
///
///     sql> SELECT 1 + 2 * 3          parse a statement, print its AST (or the rendered error)
///     expr> -2 ^ 2                   parse a lone expression
///     tokens> SELECT 'a'             print the lexer's tokens with positions
///     split> SELECT 1; SELECT        print StatementSplitter's statements and remainder
///     positions> SELECT a FROM t     print every name and expression with its position
///     ...> more text                 continues the previous command's input on a new line
///
/// Run with `UPDATE_GOLDEN=1` to rewrite the expected output from the actual output
/// (then read the diff: the point is to check it, not to accept it).
@Suite("Parser scripts")
struct ParserScriptTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts/Parser")

    static var scripts: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".script") }.sorted()
    }

    @Test("script files exist")
    func scriptsExist() {
        #expect(Self.scripts.count >= 5, "no parser scripts found in \(Self.directory.path)")
    }

    @Test("golden script", arguments: scripts)
    func run(script name: String) throws {
        let url = Self.directory.appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        let cases = ParserScriptCase.parse(text)
        #expect(!cases.isEmpty, "\(name) has no cases")
        var rewritten: [String] = []
        for scriptCase in cases {
            let actual = scriptCase.run()
            #expect(actual == scriptCase.expected, """
                \(name):\(scriptCase.line): \(scriptCase.command)> \(scriptCase.input)
                --- expected
                \(scriptCase.expected.joined(separator: "\n"))
                --- actual
                \(actual.joined(separator: "\n"))
                """)
            let separator = scriptCase.leading.isEmpty && !rewritten.isEmpty ? [""] : []
            rewritten.append(contentsOf: separator + scriptCase.leading + scriptCase.commandLines + actual)
        }
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            let trailing = ParserScriptCase.trailingComments(text)
            try (rewritten + trailing).joined(separator: "\n").appending("\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }
}

/// One command of a golden script with its expected output.
struct ParserScriptCase {
    var line: Int
    /// Comment and blank lines before the command, kept when rewriting.
    var leading: [String]
    var command: String
    var commandLines: [String]
    var input: String
    var expected: [String]

    static let commands = ["sql", "expr", "tokens", "split", "positions"]

    static func parse(_ text: String) -> [ParserScriptCase] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var cases: [ParserScriptCase] = []
        var pending: [String] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard let (command, rest) = commandPrefix(line) else {
                if i == lines.count - 1 && line.isEmpty { break }
                pending.append(line)
                i += 1
                continue
            }
            var scriptCase = ParserScriptCase(line: i + 1, leading: pending, command: command,
                                        commandLines: [line], input: rest, expected: [])
            pending = []
            i += 1
            while i < lines.count, lines[i].hasPrefix("...> ") || lines[i] == "...>" {
                scriptCase.input += "\n" + String(lines[i].dropFirst(min(5, lines[i].count)))
                scriptCase.commandLines.append(lines[i])
                i += 1
            }
            while i < lines.count, !lines[i].isEmpty, commandPrefix(lines[i]) == nil {
                scriptCase.expected.append(lines[i])
                i += 1
            }
            cases.append(scriptCase)
        }
        return cases
    }

    /// Comments after the last case, so rewriting keeps them.
    static func trailingComments(_ text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let last = lines.lastIndex(where: { commandPrefix($0) != nil }) else { return [] }
        var tail = Array(lines[(last + 1)...])
        while let first = tail.first, !first.isEmpty, !first.hasPrefix("#") { tail.removeFirst() }
        while tail.last == "" { tail.removeLast() }
        return tail
    }

    static func commandPrefix(_ line: String) -> (String, String)? {
        for command in commands where line.hasPrefix(command + "> ") || line == command + ">" {
            return (command, String(line.dropFirst(min(command.count + 2, line.count))))
        }
        return nil
    }

    func run() -> [String] {
        do {
            switch command {
            case "sql":
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
                return ["unknown command \(command)"]
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
            }
        }
        switch statement {
        case .select(let select):
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
            select.orderBy.forEach { expression($0.expression) }
            expression(select.limit)
            expression(select.offset)
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
