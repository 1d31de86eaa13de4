/// One token of SQL text: a keyword, a name, a literal or a symbol, with where it starts.
public struct Token: Sendable, Hashable, CustomStringConvertible {
    /// What kind of token this is, with its content.
    public enum Kind: Sendable, Hashable {
        /// A keyword (matched case-insensitively).
        case keyword(Keyword)
        /// A name: lowercased if it was unquoted, exact if it was double-quoted.
        case identifier(String, quoted: Bool)
        /// A number as written (`42`, `3.14`, `1e10`); the parser decides integer or float.
        case number(String)
        /// A string literal's value, with `''` already turned into `'`.
        case string(String)
        /// An operator or punctuation.
        case symbol(Symbol)
        /// The end of the text.
        case end
    }

    public var kind: Kind
    public var position: SourcePosition

    public init(_ kind: Kind, at position: SourcePosition) {
        self.kind = kind
        self.position = position
    }

    /// How errors name the token: "keyword FROM", "identifier 'form'", "number 42", "'('".
    public var description: String {
        switch kind {
        case .keyword(let keyword): "keyword \(keyword.rawValue)"
        case .identifier(let name, let quoted):
            quoted ? "identifier \"\(name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\""))\"" : "identifier '\(name)'"
        case .number(let text): "number \(text)"
        case .string(let value):
            "string '\(Token.abbreviated(value).split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''"))'"
        case .symbol(let symbol): "'\(symbol.rawValue)'"
        case .end: "end of input"
        }
    }

    /// Long string literals are cut short in messages: the user knows what they typed.
    private static func abbreviated(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(37)) + "..."
    }
}

/// Operators and punctuation, spelled as in SQL.
public enum Symbol: String, Sendable, Hashable, CaseIterable {
    case period = "."
    case comma = ","
    case semicolon = ";"
    case openParen = "("
    case closeParen = ")"
    case plus = "+"
    case minus = "-"
    case asterisk = "*"
    case slash = "/"
    case percent = "%"
    case caret = "^"
    case exclamation = "!"
    case equal = "="
    case notEqual = "!="
    case lessGreater = "<>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case concatenate = "||"
}
