import Inspect
import SQL

/// `.tables`: the names of the tables this session sees.
struct TablesCommand: DotCommand {
    let name = "tables"
    let arguments = ""
    let summary = "list the tables"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        let names = try shell.tables().map(\.name).sorted()
        shell.show(names.isEmpty ? "(no tables)\n" : names.joined(separator: "\n") + "\n")
    }
}

/// `.schema [TABLE]`: the CREATE TABLE statements of one or every table.
struct SchemaCommand: DotCommand {
    let name = "schema"
    let arguments = "[TABLE]"
    let summary = "CREATE TABLE of one table or all"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.count <= 1 else { throw usageError("too many arguments") }
        let tables = try shell.tables().sorted { $0.name < $1.name }
        if let wanted = arguments.words.first {
            let table = try shell.table(named: wanted, in: tables)
            shell.show(SchemaDrawing.createTable(table))
        } else {
            shell.show(tables.isEmpty ? "(no tables)\n" : tables.map(SchemaDrawing.createTable).joined(separator: "\n"))
        }
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? shell.tableNames() : []
    }
}

extension ShellDriver {
    /// The current session's tables, with storage errors as shell errors.
    func tables() throws(ShellError) -> [Table] {
        do { return try currentSession.tables() } catch { throw ShellError(error.description) }
    }

    /// Table names for completion (empty if the catalog cannot be read).
    public func tableNames() -> [String] {
        ((try? currentSession.tables()) ?? []).map(\.name).sorted()
    }

    /// Column names of every table, for completion.
    public func columnNames() -> [String] {
        let tables = (try? currentSession.tables()) ?? []
        return Array(Set(tables.flatMap { $0.visibleColumns.map(\.name) })).sorted()
    }

    /// Each table's column names, for completion.
    public func columnsByTable() -> [String: [String]] {
        let tables = (try? currentSession.tables()) ?? []
        return Dictionary(tables.map { ($0.name, $0.visibleColumns.map(\.name)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The table called `name` (case-insensitive), or an error that suggests a near name.
    func table(named name: String, in tables: [Table]) throws(ShellError) -> Table {
        // One rule for names, SQL's: `"Order"` is exact, an unquoted word is lowercased.
        let wanted = AST.Name.typed(name)
        if let table = tables.first(where: { $0.name == wanted }) { return table }
        var message = "no table '\(wanted)'"
        if let near = suggestion(for: wanted, among: tables.map(\.name)) {
            message += " — did you mean \(AST.Name.quotedIfNeeded(near))?"
        }
        throw ShellError(message)
    }
}
