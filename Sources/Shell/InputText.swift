/// Whether `text` holds nothing but whitespace and `--` comments: such a remainder is not a
/// pending statement, so a following `.command` line still counts as a dot-command.
func isBlankOrComment(_ text: String) -> Bool {
    // Line by line, stopping at the first line with something on it: the shell asks this for
    // every line it reads, about a pending statement that may already be thousands of lines.
    var lineStart = text.startIndex
    while lineStart < text.endIndex {
        let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
        let trimmed = text[lineStart..<lineEnd].drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        if !(trimmed.isEmpty || trimmed.hasPrefix("--")) { return false }
        lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
    }
    return true
}

/// Where the shell's input lines come from — a name (`stdin`, `-c`, a file) and the number of
/// the line being read — so an error in a long script says `stdin, line 33:` as sqlite3 does.
/// A reader of another file (`.read FILE`) feeds it with `ShellDriver.feed(text:from:)`.
public struct InputSource: Sendable, Hashable {
    public var name: String
    /// The 1-based number of the line last read (0 before the first).
    public private(set) var line = 0

    public init(name: String) { self.name = name }

    /// Moves to the next line.
    mutating func advance() { line += 1 }
}
