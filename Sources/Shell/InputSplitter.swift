/// Finds where statements end in typed text: at a `;` outside string literals, quoted
/// identifiers and comments. A stand-in with the shape of the SQL front end's
/// `StatementSplitter.split` until that lands; the Shell calls only `split`.
enum InputSplitter {
    /// Complete statements (each with its `;`) and the incomplete remainder.
    static func split(_ text: String) -> (statements: [String], remainder: String) {
        var statements: [String] = []
        var current = ""
        var state = State.code
        var previous: Character? = nil
        for ch in text {
            current.append(ch)
            switch state {
            case .code:
                if ch == "'" { state = .string }
                else if ch == "\"" { state = .identifier }
                else if ch == "-" && previous == "-" { state = .lineComment }
                else if ch == "*" && previous == "/" { state = .blockComment }
                else if ch == ";" {
                    statements.append(current)
                    current = ""
                    previous = nil
                    continue
                }
            case .string: if ch == "'" { state = .code }        // '' re-enters .string next
            case .identifier: if ch == "\"" { state = .code }
            case .lineComment: if ch == "\n" { state = .code }
            case .blockComment: if ch == "/" && previous == "*" { state = .code; previous = nil; continue }
            }
            previous = ch
        }
        return (statements, current)
    }

    private enum State { case code, string, identifier, lineComment, blockComment }
}

/// Whether `text` holds nothing but whitespace and `--` comments: such a remainder is not a
/// pending statement, so a following `.command` line still counts as a dot-command.
func isBlankOrComment(_ text: String) -> Bool {
    text.split(separator: "\n").allSatisfy { line in
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return trimmed.isEmpty || trimmed.hasPrefix("--")
    }
}
