import Inspect

/// `.session NAME`: switch to (or create) a named session with its own transaction.
struct SessionCommand: DotCommand {
    let name = "session"
    let arguments = "NAME"
    let summary = "switch to (or create) a session"
    let help = """
        Sessions share one database but each has its own transaction, so two
        concurrent transactions can run side by side:
          .session alice
          BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1;
          .session bob
          SELECT * FROM accounts;   -- bob does not see alice's uncommitted write
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.count == 1 else { throw usageError("expected one session name") }
        let name = arguments.words[0]
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw usageError("a session name is letters, digits, '_' and '-'")
        }
        try shell.switchSession(to: name)
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? shell.allSessions.map(\.name) : []
    }
}

/// `.sessions`: list the sessions and their transactions.
struct SessionsCommand: DotCommand {
    let name = "sessions"
    let arguments = ""
    let summary = "list the sessions and their transactions"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        let rows = shell.allSessions.map { entry -> [String] in
            let current = entry.name == shell.currentSessionName ? "*" : ""
            let txn = entry.session.openTransaction.map {
                $0.label + ($0.readOnly ? " read only" : " read-write")
            } ?? "autocommit"
            return [current, entry.name, txn]
        }
        shell.show(BoxTable(headers: ["", "session", "transaction"], rows: rows).draw(width: shell.width))
    }
}
