import SQL

/// What tab completion can offer, captured from the shell before each line is read (the C
/// completion callback cannot reach the shell itself).
struct CompletionContext: Sendable {
    var keywords: [String] = []
    var tables: [String] = []
    var columns: [String] = []
    /// Each table's columns, so a statement's own tables' columns come first.
    var columnsByTable: [String: [String]] = [:]
    /// Command names without the dot.
    var commands: [String] = []
    /// Each command's candidates for its first argument.
    var commandArguments: [String: [String]] = [:]
    /// Whether a statement is pending (then a leading `.` is not a command).
    var statementPending = false
}

/// Decides the completion candidates for the word being typed. Pure, so it is unit-tested.
enum Completer {
    /// Words after which only a table name makes sense.
    static let tableKeywords: Set<String> = ["FROM", "JOIN", "INTO", "UPDATE", "TABLE", "REFERENCES", "ON"]

    /// Candidates for `word`, given the text of the line before it.
    static func candidates(before: String, word: String, in context: CompletionContext) -> [String] {
        let previous = before.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let isCommandLine = !context.statementPending && (previous.first ?? word).hasPrefix(".")
        if isCommandLine {
            if previous.isEmpty {
                return matching(context.commands.map { "." + $0 }, word)
            }
            let command = String(previous[0].dropFirst())
            if previous.count == 1, let options = context.commandArguments[command] {
                let found = matching(options, word)
                if !found.isEmpty || command != "explain" { return found }
            }
            guard command == "explain" else { return [] }
            // `.explain [steps|analyze] SQL`: the rest is SQL.
        }
        let last = previous.last?.uppercased() ?? ""
        if tableKeywords.contains(last) && last != "ON" {
            return matching(context.tables, word)
        }
        let lowercase = !word.isEmpty && word == word.lowercased()
        let keywords = context.keywords.map { lowercase ? $0.lowercased() : $0 }
        // `… FROM t WHERE n`: t's own columns are what is most likely meant, so they lead.
        var named: [String] = []
        for (i, token) in previous.enumerated().dropFirst() where tableKeywords.contains(previous[i - 1].uppercased()) {
            named += context.columnsByTable[AST.Name.typed(String(token.filter { !",;()".contains($0) }))] ?? []
        }
        var seen = Set<String>()
        return (matching(named, word) + matching(context.tables, word) + matching(context.columns, word)
                + matching(keywords, word))
            .filter { seen.insert($0).inserted }
    }
}
