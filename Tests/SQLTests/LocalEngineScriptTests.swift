import Foundation
import ScriptTesting
@testable import SQL
import Storage
import Testing

/// Golden stories for `LocalEngine`, driven straight through the `Engine`/`Transaction` API
/// (no SQL parser involved): each file in `Tests/Scripts/LocalEngine/` is a transcript of
/// commands (`> insert movies (1, 'Alien')`) and what they printed.
///
/// Commands (a `t1> ` prefix runs one in the named transaction, else each autocommits):
///     create T col TYPE [pk] [null] [notnull] [unique] [index] [ref=T] [default=V], …
///     drop T | insert T (v, …) (v, …) | update T id=(v, …) … | delete T id … | get T id …
///     scan T [col=V | col>V | col<V | col] | lookup T col v … | index NAME T col [unique] | dropindex NAME
///     schema | keys | raw (every stored pair, MVCC's too) | begin [readonly] | commit | rollback | savepoint | rollback to savepoint
struct LocalEngineScriptTests {
    static let area = "LocalEngine"

    @Test(arguments: GoldenScripts.files(area))
    func script(_ name: String) throws {
        try GoldenScripts.check(Self.area, name, with: EngineScriptRunner())
    }

    @Test func thereAreScripts() {
        #expect(GoldenScripts.files(Self.area).count >= 4)
    }
}

/// Replays a script against a fresh in-memory engine.
final class EngineScriptRunner: ScriptInterpreter {
    let engine: LocalEngine
    var transactions: [String: any Transaction] = [:]
    var savepoints: [String: Savepoint] = [:]

    init() throws {
        engine = try LocalEngine.memory()
    }

    /// Runs one command, in transaction `prefix` if there is one; errors print as their
    /// description.
    func run(prefix: String, command: String) -> [String] {
        do {
            return try dispatch(command, in: prefix.isEmpty ? nil : prefix)
        } catch let error as SQLError {
            return [error.description]  // "constraint violation: …", "type error: …"
        } catch let error as ScriptError {
            return ["script: \(error)"]
        } catch {
            return ["\(error)"]
        }
    }

    private func dispatch(_ command: String, in name: String?) throws -> [String] {
        let (word, rest) = split(command)
        if word == "raw" { return try raw() }
        guard let name else {
            if ["begin", "commit", "rollback", "savepoint"].contains(word) {
                throw ScriptError("\(word) needs a transaction name (t1> \(word))")
            }
            // Autocommit: a command of its own transaction, rolled back if it fails. Reads take
            // no version (read-only), so versions in the output count writing commands only.
            let reads: Set = ["scan", "get", "lookup", "schema", "keys"]
            let transaction = reads.contains(word) ? try engine.beginReadOnly(asOf: nil) : try engine.begin()
            do {
                let output = try perform(word, rest, transaction)
                try transaction.commit()
                return output
            } catch {
                try transaction.rollback()
                throw error
            }
        }
        switch word {
        case "begin":
            transactions[name] = rest == "readonly" ? try engine.beginReadOnly(asOf: nil) : try engine.begin()
            return ["ok"]
        case "commit":
            try transaction(name).commit()
            transactions[name] = nil
            return ["ok"]
        case "rollback" where rest.hasPrefix("to "):
            let label = String(rest.dropFirst(3))
            guard let savepoint = savepoints[name + label] else { throw ScriptError("no savepoint \(label)") }
            try transaction(name).rollback(to: savepoint)
            return ["ok"]
        case "rollback":
            try transaction(name).rollback()
            transactions[name] = nil
            return ["ok"]
        case "savepoint":
            savepoints[name + rest] = try transaction(name).savepoint()
            return ["ok"]
        default:
            return try perform(word, rest, transaction(name))
        }
    }

    private func transaction(_ name: String) throws -> any Transaction {
        guard let transaction = transactions[name] else { throw ScriptError("no transaction \(name)") }
        return transaction
    }

    private func perform(_ word: String, _ rest: String, _ txn: any Transaction) throws -> [String] {
        var parser = EngineScriptParser(rest)
        switch word {
        case "create":
            try txn.createTable(try parseTable(rest))
            return ["ok"]
        case "drop":
            return [try txn.dropTable(rest) ? "dropped" : "no such table"]
        case "insert":
            let table = parser.word()
            var rows: [Row] = []
            while !parser.isAtEnd { rows.append(try parser.row()) }
            try txn.insert(table: table, rows: rows)
            return ["ok"]
        case "update":
            let table = parser.word()
            var rows: [Value: Row] = [:]
            while !parser.isAtEnd {
                let id = try parser.value()
                try parser.expect("=")
                rows[id] = try parser.row()
            }
            try txn.update(table: table, rows: rows)
            return ["ok"]
        case "delete":
            let table = parser.word()
            try txn.delete(table: table, ids: try parser.values())
            return ["ok"]
        case "get":
            let table = parser.word()
            return try txn.get(table: table, ids: try parser.values()).map(show)
        case "scan":
            let table = parser.word()
            var filter: SQL.Expression?
            if !parser.isAtEnd {
                let column = parser.word(until: "=<>")
                guard let position = try txn.table(table)?.columnIndex(column) else {
                    throw ScriptError("no column \(column)")
                }
                let op = parser.symbol()
                if op.isEmpty {
                    filter = .column(position)
                } else {
                    let constant = SQL.Expression.constant(try parser.value())
                    switch op {
                    case "=": filter = .equal(.column(position), constant)
                    case ">": filter = .greaterThan(.column(position), constant)
                    case "<": filter = .lessThan(.column(position), constant)
                    default: throw ScriptError("unknown operator \(op)")
                    }
                }
            }
            let cursor = try txn.scan(table: table, filter: filter)
            var lines: [String] = []
            while let row = try cursor.next() { lines.append(show(row)) }
            return lines
        case "lookup":
            let table = parser.word()
            let column = parser.word()
            return [show(try txn.lookupIndex(table: table, column: column, values: try parser.values()))]
        case "index":
            let (name, table, column) = (parser.word(), parser.word(), parser.word())
            try txn.createIndex(name: name, table: table, column: column, unique: parser.word() == "unique")
            return ["ok"]
        case "dropindex":
            return [try txn.dropIndex(name: rest) ? "dropped" : "no such index"]
        case "schema":
            return try txn.tables().map(describe)
        case "keys":
            return try keys(txn)
        default:
            throw ScriptError("unknown command \(word)")
        }
    }

    /// Every pair the storage engine holds, as `LocalEngine.describe` puts it in words.
    private func raw() throws -> [String] {
        try engine.mvcc.rawScan(prefix: []).map { pair in
            let value = LocalEngine.describe(key: pair.key, value: pair.value).map { " → " + $0 } ?? ""
            return LocalEngine.describe(key: pair.key) + value
        }
    }

    /// Every SQL key the transaction sees, decoded, with its decoded value.
    private func keys(_ txn: any Transaction) throws -> [String] {
        guard let local = txn as? LocalTransaction else { throw ScriptError("not a LocalTransaction") }
        let cursor = try local.mvccTransaction.scanPrefix([])
        var lines: [String] = []
        while let pair = try cursor.next() {
            let key = try SQLKey.decode(pair.key)
            switch key {
            case .table: lines.append("\(key) → \(describe(try SchemaCodec.decode(pair.value)))")
            case .row: lines.append("\(key) → \(show(try RowCodec.decode(pair.value)))")
            case .index: lines.append("\(key) → \(show(try RowCodec.decodeIDs(pair.value)))")
            }
        }
        return lines
    }

    private func parseTable(_ text: String) throws -> Table {
        let (name, rest) = split(text)
        var columns: [Column] = []
        var primaryKey: Int?
        for definition in rest.split(separator: ",") {
            let words = definition.split(separator: " ").map(String.init)
            guard words.count >= 2, let type = DataType(rawValue: words[1]) else {
                throw ScriptError("bad column \(definition)")
            }
            let flags = Set(words.dropFirst(2))
            var column = Column(name: words[0], dataType: type, nullable: !flags.contains("notnull"))
            if flags.contains("pk") {
                primaryKey = primaryKey ?? columns.count
                column.nullable = flags.contains("null")
            }
            if flags.contains("unique") { column.unique = true }
            if flags.contains("index") { column.indexes = ["\(name)_\(column.name)_idx"] }
            for flag in flags {
                if flag.hasPrefix("ref=") { column.references = String(flag.dropFirst(4)) }
                if flag.hasPrefix("default=") {
                    var parser = EngineScriptParser(String(flag.dropFirst(8)))
                    column.defaultValue = try parser.value()
                }
            }
            if column.defaultValue == nil && column.nullable && !flags.contains("pk") { column.defaultValue = .null }
            columns.append(column)
        }
        return Table(name: name, primaryKey: primaryKey ?? -1, columns: columns)
    }

    private func describe(_ table: Table) -> String {
        let columns = table.columns.enumerated().map { position, c in
            var words = [c.name, c.dataType.rawValue]
            if position == table.primaryKey { words.append("PRIMARY KEY") }
            if !c.nullable && position != table.primaryKey { words.append("NOT NULL") }
            if let value = c.defaultValue { words.append("DEFAULT \(value)") }
            if c.unique { words.append("UNIQUE") }
            for index in c.indexes {
                words.append(c.uniqueIndexes.contains(index) ? "UNIQUE INDEX \(index)" : "INDEX \(index)")
            }
            if let target = c.references { words.append("REFERENCES \(target)") }
            return words.joined(separator: " ")
        }
        return "\(table.name) (\(columns.joined(separator: ", ")))"
    }

    private func show(_ row: [Value]) -> String {
        "[" + row.map(\.description).joined(separator: ", ") + "]"
    }

    private func split(_ text: String) -> (String, String) {
        guard let space = text.firstIndex(of: " ") else { return (text, "") }
        return (String(text[..<space]), String(text[text.index(after: space)...]))
    }
}

/// Reads the values of script commands: NULL, TRUE, FALSE, 42, -1.5, inf, NaN, 'it''s', and
/// parenthesized rows.
struct EngineScriptParser {
    private var text: [Character]
    private var at = 0

    init(_ text: String) { self.text = Array(text) }

    var isAtEnd: Bool {
        mutating get { skipSpaces(); return at >= text.count }
    }

    mutating func word(until stops: String = "") -> String {
        skipSpaces()
        var out = ""
        while at < text.count, text[at] != " ", !stops.contains(text[at]) { out.append(text[at]); at += 1 }
        return out
    }

    mutating func symbol() -> String {
        skipSpaces()
        guard at < text.count else { return "" }
        defer { at += 1 }
        return String(text[at])
    }

    mutating func expect(_ symbol: Character) throws {
        skipSpaces()
        guard at < text.count, text[at] == symbol else { throw ScriptError("expected \(symbol)") }
        at += 1
    }

    mutating func values() throws -> [Value] {
        var values: [Value] = []
        while !isAtEnd { values.append(try value()) }
        return values
    }

    mutating func row() throws -> Row {
        try expect("(")
        var row: Row = []
        skipSpaces()
        if at < text.count, text[at] == ")" { at += 1; return row }
        while true {
            row.append(try value())
            skipSpaces()
            guard at < text.count else { throw ScriptError("unclosed row") }
            if text[at] == ")" { at += 1; return row }
            try expect(",")
        }
    }

    mutating func value() throws -> Value {
        skipSpaces()
        guard at < text.count else { throw ScriptError("expected a value") }
        if text[at] == "'" {
            at += 1
            var out = ""
            while at < text.count {
                if text[at] == "'" {
                    if at + 1 < text.count, text[at + 1] == "'" { out.append("'"); at += 2; continue }
                    at += 1
                    return .string(out)
                }
                out.append(text[at])
                at += 1
            }
            throw ScriptError("unclosed string")
        }
        let token = word(until: ",)=")
        switch token {
        case "NULL": return .null
        case "TRUE": return .boolean(true)
        case "FALSE": return .boolean(false)
        case "inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "NaN": return .float(.nan)
        case "-NaN": return .float(-.nan)
        default:
            if let i = Int64(token) { return .integer(i) }
            if let f = Double(token) { return .float(f) }
            throw ScriptError("bad value \(token)")
        }
    }

    private mutating func skipSpaces() {
        while at < text.count, text[at] == " " { at += 1 }
    }
}
