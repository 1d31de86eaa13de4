import Inspect
import SQL

/// `.mvcc TABLE [KEY]` and `.mvcc txns`: version chains and who sees them; running transactions.
struct MVCCCommand: DotCommand {
    let name = "mvcc"
    let arguments = "TABLE [KEY] | txns [@NODE]"
    let summary = "row versions and which session sees which"
    let help = """
        Every write adds a version; a delete adds a tombstone. For each row and index
        entry of TABLE (or only the row with primary key KEY) this draws its versions,
        oldest first, and whether your session's snapshot sees each one and why.
        With several sessions open it draws a matrix: one column per session.
        .mvcc txns lists the running transactions and the versions each cannot see.
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (inspector, arguments) = try shell.storageInspector(arguments)
        guard let first = arguments.words.first else { throw usageError("expected a table name or txns") }
        if first.lowercased() == "txns" {
            guard arguments.words.count == 1 else { throw usageError(".mvcc txns takes nothing more but a node (@n2)") }
            // Storage tracks only writers; read-only snapshots are the sessions' own, listed after.
            var transactions = try inspector.activeTransactions()
            for entry in shell.allSessions {
                guard let txn = entry.session.openTransaction, txn.readOnly else { continue }
                let hidden = entry.session.transactionState.map { $0.active.sorted() } ?? []
                transactions.append(ActiveTransaction(version: txn.version, readOnly: true, activeAtStart: hidden))
            }
            let rows = transactions.map { txn -> [String] in
                let summary = TransactionSummary(version: txn.version, readOnly: txn.readOnly)
                let owner = shell.allSessions.first { $0.session.openTransaction == summary }?.name ?? ""
                let hidden = txn.activeAtStart.isEmpty ? "—" : txn.activeAtStart.map { "v\($0)" }.joined(separator: " ")
                return [summary.label, txn.readOnly ? "read only" : "read-write", owner, hidden]
            }
            guard !rows.isEmpty else { shell.show("(no active transactions)\n"); return }
            shell.show(BoxTable(headers: ["transaction", "mode", "session", "invisible to it (active at start)"],
                                rows: rows).draw(width: shell.width))
            return
        }
        let table = try shell.table(named: first, in: try shell.tables())
        let keyText = String(arguments.raw.trimmingWhitespace().dropFirst(first.count)).trimmingWhitespace()
        let key = keyText.isEmpty ? nil : try self.key(keyText, of: table)
        let sessions = shell.allSessions
        let (chains, more) = try inspector.versionChains(table: table, key: key, viewers: sessions.map(\.session),
                                                        limit: MVCCDrawing.maxChains)
        let snapshots = sessions.map { entry in
            entry.session.openTransaction?.label ?? "autocommit"
        }
        let current = sessions.firstIndex { $0.name == shell.currentSessionName } ?? 0
        var picture = MVCCPicture(viewers: sessions.map(\.name), snapshots: snapshots, current: current, chains: chains)
        picture.moreChains = more
        shell.show(MVCCDrawing.draw(picture, width: shell.width))
    }

    /// The row key typed after the table: one literal of the type of the table's primary key.
    func key(_ text: String, of table: Table) throws(ShellError) -> Value {
        let quoted = text.count >= 2 && text.hasPrefix("'") && text.hasSuffix("'")
        guard quoted || !text.contains(where: \.isWhitespace) else {
            throw usageError("expected one key after the table, such as 1 or 'ann', not '\(text)'")
        }
        var key = Self.parseKey(text)
        let column = table.columns.indices.contains(table.primaryKey) ? table.columns[table.primaryKey] : nil
        if case .integer(let i) = key, column?.dataType == .float { key = .float(Double(i)) }
        if let column, key.dataType != column.dataType {
            let keyName = table.hasRowID ? "a hidden row id" : column.name
            throw ShellError("rows of \(table.name) are keyed by \(keyName) (\(column.dataType.rawValue)),"
                             + " and \(text) is \(key.dataType?.rawValue ?? "NULL")")
        }
        return key
    }

    /// A key typed as a SQL literal: `1`, `2.5`, `'ann'`, `TRUE`, `NULL`; a bare word is a string.
    static func parseKey(_ text: String) -> Value {
        if let i = Int64(text) { return .integer(i) }
        if let d = Double(text), text.contains(".") { return .float(d) }
        switch text.uppercased() {
        case "TRUE": return .boolean(true)
        case "FALSE": return .boolean(false)
        case "NULL": return .null
        default: break
        }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            return .string(undoubledQuotes(text.dropFirst().dropLast()))
        }
        return .string(text)
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["txns"] + shell.tableNames() : []
    }
}

/// `it''s` → `it's`: inside a SQL string literal a quote is written twice.
private func undoubledQuotes(_ text: Substring) -> String {
    var out = ""
    var previousWasQuote = false
    for ch in text {
        if ch == "'" && previousWasQuote { previousWasQuote = false; continue }
        previousWasQuote = ch == "'"
        out.append(ch)
    }
    return out
}

/// `.keys TABLE`: the stored key/value pairs of a table, hex beside decoded.
struct KeysCommand: DotCommand {
    let name = "keys"
    let arguments = "TABLE [@NODE]"
    let summary = "how rows and indexes are stored as keys"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (inspector, arguments) = try shell.storageInspector(arguments)
        guard arguments.words.count == 1 else { throw usageError("expected one table name") }
        let table = try shell.table(named: arguments.words[0], in: try shell.tables())
        let (pairs, more) = try inspector.keys(table: table.name, limit: KeysDrawing.maxPairs)
        shell.show(KeysDrawing.draw(pairs, more: more, width: shell.width))
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? shell.tableNames() : []
    }
}

/// `.status`: storage engine and MVCC figures.
struct StatusCommand: DotCommand {
    let name = "status"
    let arguments = "[@NODE]"
    let summary = "storage engine and MVCC figures"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (inspector, arguments) = try shell.storageInspector(arguments)
        guard arguments.words.isEmpty else { throw usageError("takes no arguments but a node (@n2)") }
        shell.show(PropertiesDrawing.draw(try inspector.status(), width: shell.width))
    }
}
