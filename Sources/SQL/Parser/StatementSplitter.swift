/// Cuts typed or piped text into whole statements, the way the REPL and `cutaway -c` need it.
///
/// A statement ends at a `;` — but only a real one: the splitter runs the same `Lexer` the parser
/// uses, so a `;` inside `'a;b'`, `"odd;name"`, `-- comment;` or `/* ; */` is just text. What is
/// left after the last `;` is the *remainder*: the start of a statement still being typed, which
/// the REPL keeps and shows a continuation prompt for.
public enum StatementSplitter {
    /// Splits text into complete statements (each ending with its ';', which a ';' inside a
    /// string, quoted identifier or comment never does) and the incomplete remainder.
    ///
    /// - Each statement starts at its first token (leading whitespace and comments dropped) and
    ///   ends with its `;`. Statements with nothing but a `;` are skipped.
    /// - The remainder is "" when nothing but whitespace and complete comments follow the last
    ///   `;`, so "is there more to type?" is `!remainder.isEmpty`. An unterminated string or
    ///   comment keeps everything from its statement's start in the remainder.
    /// - Never throws: text the lexer rejects (a stray `#`) is split as usual and left for the
    ///   parser to report.
    /// - Complexity: O(n) in the length of the text.
    public static func split(_ text: String) -> (statements: [String], remainder: String) {
        let result = split(text, continuing: false)
        return (result.statements, result.remainder)
    }

    /// What ``split(_:continuing:)`` finds: the statements, the remainder, and whether the
    /// remainder ends inside a string, quoted name or comment (`isOpen`).
    public struct Split: Sendable, Hashable {
        public var statements: [String]
        public var remainder: String
        public var isOpen: Bool
    }

    /// ``split(_:)``, for text fed a line at a time. With `continuing`, `text` carries on a
    /// statement already started (an earlier remainder that is not open): its first statement
    /// and its remainder then keep `text` from its very first character, for the caller to
    /// append to what it kept. Lexing only the new line is what keeps a statement typed or piped
    /// over thousands of lines linear: a line break ends every token except an open string,
    /// quoted name or comment, so the new line lexes the same alone as after the earlier lines.
    /// - Complexity: O(n) in the length of `text`.
    public static func split(_ text: String, continuing: Bool) -> Split {
        // Token positions are character offsets; they only grow, so one index walking forward
        // turns them into string indices, and each statement is one slice of the text (not a
        // copy of an array of characters, rebuilt character by character).
        var walker = (index: text.startIndex, offset: 0)
        func index(_ offset: Int) -> String.Index {
            if offset < walker.offset { walker = (text.startIndex, 0) }
            walker.index = text.index(walker.index, offsetBy: offset - walker.offset, limitedBy: text.endIndex) ?? text.endIndex
            walker.offset = offset
            return walker.index
        }
        let lexer = Lexer(text)
        var statements: [String] = []
        var start: Int? = continuing ? 0 : nil  // offset of the current statement's first token
        while true {
            let token: Token
            do {
                token = try lexer.scan()
            } catch {
                switch error {
                case .unterminated(let failure):
                    // More input may close it; everything from the statement's start waits.
                    let from = start ?? failure.position?.offset ?? text.count
                    return Split(statements: statements, remainder: String(text[index(from)...]), isOpen: true)
                case .invalid(let failure):
                    // The offending text was consumed; it belongs to the statement it is in.
                    if start == nil { start = failure.position?.offset }
                    continue
                }
            }
            switch token.kind {
            case .end:
                guard let from = start else { return Split(statements: statements, remainder: "", isOpen: false) }
                return Split(statements: statements, remainder: String(text[index(from)...]), isOpen: false)
            case .symbol(.semicolon):
                if let from = start {
                    let lower = index(from)
                    statements.append(String(text[lower..<index(max(from, token.position.offset + 1))]))
                }
                start = nil
            default:
                if start == nil { start = token.position.offset }
            }
        }
    }
}
