/// Turns SQL text into tokens, one at a time, each with its line, column and offset.
///
/// The rules (the README's SQL reference repeats them):
/// - Whitespace separates tokens. `-- comment` runs to the end of the line, `/* comment */` may
///   span lines (it does not nest).
/// - Keywords are case-insensitive. Other words are identifiers: they start with a letter
///   (any script: `表`, `ÄÅÆ`) and continue with letters, digits and `_`. Unquoted identifiers
///   are lowercased, so `Movies` and `movies` name the same table. Double quotes keep a name
///   exactly and allow anything in it, keywords too: `"Movies"`, `"order"`, `"say ""hi"""`.
/// - Strings are in single quotes, a quote inside doubled: `'it''s'`. Backslashes are plain
///   characters.
/// - Numbers are ASCII digits with an optional fraction and exponent: `42`, `3.`, `.5`, `3.14`,
///   `1e10`, `2.5E-3`. A number glued to letters (`12abc`) is an error, not two tokens.
/// - Operators: `+ - * / % ^ ! = != <> < <= > >= ||` and `( ) , . ;`.
///
/// The lexer never looks further than it must, so `SELECT 1 -- ; not the end` keeps the `;`
/// inside the comment; the `StatementSplitter` relies on exactly these rules.
public struct Lexer {
    private let characters: [Character]
    private var index = 0
    private var line = 1
    private var column = 1

    /// Why lexing stopped: the text ended inside a string/comment/quoted name (more input may
    /// complete it), or it holds something that can never be valid.
    enum Failure: Error {
        case unterminated(SQLError)
        case invalid(SQLError)

        var error: SQLError {
            switch self {
            case .unterminated(let error), .invalid(let error): error
            }
        }
    }

    public init(_ text: String) {
        characters = Array(text)
    }

    /// All tokens of `text`, ending with an `.end` token.
    /// - Throws: `SQLError(.syntax)` for unterminated strings, quoted identifiers or comments,
    ///   stray characters and malformed numbers.
    /// - Complexity: O(n) in the length of the text.
    public static func tokenize(_ text: String) throws(SQLError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let token: Token
            do { token = try lexer.scan() } catch { throw error.error }
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    /// The next token, or `.end` at the end of the text.
    public mutating func next() throws(SQLError) -> Token {
        do { return try scan() } catch { throw error.error }
    }

    /// Where the lexer is now (after the last token returned).
    public var position: SourcePosition { SourcePosition(line: line, column: column, offset: index) }

    // MARK: - Scanning

    /// The next token. On an `.invalid` failure the offending text has been consumed, so a
    /// caller that only wants to skip it (the splitter) can call `scan()` again.
    mutating func scan() throws(Failure) -> Token {
        try skipWhitespaceAndComments()
        let start = position
        guard let char = peek() else { return Token(.end, at: start) }

        if char.isLetter { return scanWord(at: start) }
        if char.isASCIIDigit || (char == "." && peek(1)?.isASCIIDigit == true) {
            return try scanNumber(at: start)
        }
        if char == "'" { return try scanString(at: start) }
        if char == "\"" { return try scanQuotedIdentifier(at: start) }
        if let symbol = scanSymbol() { return Token(.symbol(symbol), at: start) }

        advance()
        let hint = char == "|" ? " (did you mean '||'?)" : char == "_" ? " (unquoted names start with a letter; quote other names, like \"_id\")" : ""
        throw .invalid(SQLError(.syntax, "unexpected character '\(char)'\(hint)", at: start))
    }

    private mutating func skipWhitespaceAndComments() throws(Failure) {
        while let char = peek() {
            if char.isWhitespace {
                advance()
            } else if char == "-", peek(1) == "-" {
                while let c = peek(), !c.isNewline { advance() }
            } else if char == "/", peek(1) == "*" {
                let start = position
                advance(2)
                while true {
                    guard let c = peek() else {
                        throw .unterminated(SQLError(.syntax, "unterminated comment: '/*' without '*/'", at: start))
                    }
                    if c == "*", peek(1) == "/" { advance(2); break }
                    advance()
                }
            } else {
                return
            }
        }
    }

    private mutating func scanWord(at start: SourcePosition) -> Token {
        var word = ""
        while let c = peek(), c.isIdentifierCharacter {
            word.append(c)
            advance()
        }
        if let keyword = Keyword(word: word) { return Token(.keyword(keyword), at: start) }
        return Token(.identifier(word.lowercased(), quoted: false), at: start)
    }

    private mutating func scanNumber(at start: SourcePosition) throws(Failure) -> Token {
        var text = ""
        consumeDigits(into: &text)
        if peek() == "." {
            text.append(".")
            advance()
            consumeDigits(into: &text)
        }
        if let e = peek(), e == "e" || e == "E" {
            // Only an exponent if digits follow (optionally signed); otherwise `1e` is junk below.
            let signed = peek(1) == "+" || peek(1) == "-"
            if peek(signed ? 2 : 1)?.isASCIIDigit == true {
                text.append(e)
                advance()
                if signed, let sign = peek() { text.append(sign); advance() }
                consumeDigits(into: &text)
            }
        }
        if let c = peek(), c.isIdentifierCharacter || c == "." {
            // `12abc`, `1e`, `1.2.3`: consume the whole run so the message shows all of it.
            while let c = peek(), c.isIdentifierCharacter || c == "." {
                text.append(c)
                advance()
            }
            throw .invalid(SQLError(.syntax, "invalid number '\(text)'", at: start))
        }
        return Token(.number(text), at: start)
    }

    private mutating func consumeDigits(into text: inout String) {
        while let c = peek(), c.isASCIIDigit {
            text.append(c)
            advance()
        }
    }

    /// `'...'` with `''` for a quote inside.
    private mutating func scanString(at start: SourcePosition) throws(Failure) -> Token {
        let value = try scanQuoted(by: "'", at: start, what: "string")
        return Token(.string(value), at: start)
    }

    /// `"..."` with `""` for a quote inside; kept exactly as written (not lowercased).
    private mutating func scanQuotedIdentifier(at start: SourcePosition) throws(Failure) -> Token {
        let name = try scanQuoted(by: "\"", at: start, what: "quoted identifier")
        if name.isEmpty {
            throw .invalid(SQLError(.syntax, "empty quoted identifier \"\"", at: start))
        }
        return Token(.identifier(name, quoted: true), at: start)
    }

    private mutating func scanQuoted(by quote: Character, at start: SourcePosition, what: String) throws(Failure) -> String {
        advance()
        var value = ""
        while true {
            guard let c = peek() else {
                throw .unterminated(SQLError(.syntax, "unterminated \(what): missing closing \(quote)", at: start))
            }
            advance()
            if c == quote {
                guard peek() == quote else { return value }
                advance()
            }
            value.append(c)
        }
    }

    /// The longest operator at the current position (`<=` before `<`).
    private mutating func scanSymbol() -> Symbol? {
        guard let c = peek() else { return nil }
        let two: Symbol? = switch (c, peek(1)) {
        case ("!", "="): .notEqual
        case ("<", ">"): .lessGreater
        case ("<", "="): .lessOrEqual
        case (">", "="): .greaterOrEqual
        case ("|", "|"): .concatenate
        default: nil
        }
        if let two {
            advance(2)
            return two
        }
        guard let one = Symbol(rawValue: String(c)) else { return nil }
        advance()
        return one
    }

    // MARK: - Reading characters

    private func peek(_ ahead: Int = 0) -> Character? {
        let i = index + ahead
        return i < characters.count ? characters[i] : nil
    }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count {
            guard index < characters.count else { return }
            if characters[index].isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
    }
}

extension Character {
    /// `0`-`9` only: numbers in SQL are ASCII.
    var isASCIIDigit: Bool { isASCII && isWholeNumber }

    /// Letters, digits and `_` (any script) may continue an identifier.
    var isIdentifierCharacter: Bool { isLetter || isNumber || self == "_" }
}
