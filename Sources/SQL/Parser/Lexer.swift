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
///
/// It walks the text's UTF-8 bytes, one *character* (Swift `Character`, a grapheme cluster) at a
/// time, so columns and offsets count what a person sees (`'é'` is one column whether it is one
/// scalar or two). Plain ASCII is classified straight from the byte; only non-ASCII text pays for
/// Unicode's rules. (A class, not a struct: its methods then share one copy of the text instead
/// of copying it on every call in unoptimized builds, which made lexing several times slower.)
public final class Lexer {
    private let text: String
    private let bytes: [UInt8]
    /// Byte offset of the current character in `bytes`.
    private var index = 0
    private var line = 1
    private var column = 1
    /// Characters (not bytes) before the current one.
    private var offset = 0

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
        self.text = text
        bytes = Array(text.utf8)
    }

    /// All tokens of `text`, ending with an `.end` token.
    /// - Throws: `SQLError(.syntax)` for unterminated strings, quoted identifiers or comments,
    ///   stray characters and malformed numbers.
    /// - Complexity: O(n) in the length of the text.
    public static func tokenize(_ text: String) throws(SQLError) -> [Token] {
        let lexer = Lexer(text)
        var tokens: [Token] = []
        // A long statement is mostly short tokens (a bulk INSERT's averages about three bytes):
        // reserving for that skips most of the regrowing.
        tokens.reserveCapacity(lexer.bytes.count / 3 + 1)
        while true {
            let token: Token
            do { token = try lexer.scan() } catch { throw error.error }
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    /// The next token, or `.end` at the end of the text.
    public func next() throws(SQLError) -> Token {
        do { return try scan() } catch { throw error.error }
    }

    /// Where the lexer is now (after the last token returned).
    public var position: SourcePosition { SourcePosition(line: line, column: column, offset: offset) }

    // MARK: - Scanning

    /// The next token. On an `.invalid` failure the offending text has been consumed, so a
    /// caller that only wants to skip it (the splitter) can call `scan()` again.
    func scan() throws(Failure) -> Token {
        try skipWhitespaceAndComments()
        let start = position
        // `(`, `)` and `,` begin no longer token, so one of them followed by an ASCII byte is
        // a whole token: the punctuation between a bulk INSERT's values skips the checks below.
        if index < bytes.count, Lexer.isPunctuation(bytes[index]),
           index + 1 == bytes.count || bytes[index + 1] < 0x80, let symbol = Lexer.symbols[Int(bytes[index])] {
            index += 1
            offset += 1
            column += 1
            return Token(.symbol(symbol), at: start)
        }
        guard let unit = current() else { return Token(.end, at: start) }

        if unit.isLetter { return scanWord(at: start) }
        if unit.isDigit || (unit.is(".") && current(after: 1)?.isDigit == true) {
            return try scanNumber(at: start)
        }
        if unit.is("'") { return try scanString(at: start) }
        if unit.is("\"") { return try scanQuotedIdentifier(at: start) }
        if let symbol = scanSymbol() { return Token(.symbol(symbol), at: start) }

        let character = unit.character
        advance()
        let hint = character == "|" ? " (did you mean '||'?)"
            : character == "_" ? " (unquoted names start with a letter; quote other names, like \"_id\")" : ""
        throw .invalid(SQLError(.syntax, "unexpected character '\(character)'\(hint)", at: start))
    }

    private func skipWhitespaceAndComments() throws(Failure) {
        while true {
            asciiRun(while: { $0 == 0x20 })
            guard let unit = current() else { return }
            if unit.isWhitespace {
                advance()
            } else if unit.is("-"), current(after: 1)?.is("-") == true {
                while let c = current(), !c.isNewline { advance() }
            } else if unit.is("/"), current(after: 1)?.is("*") == true {
                let start = position
                advance(2)
                while true {
                    guard let c = current() else {
                        throw .unterminated(SQLError(.syntax, "unterminated comment: '/*' without '*/'", at: start))
                    }
                    if c.is("*"), current(after: 1)?.is("/") == true {
                        advance(2)
                        break
                    }
                    advance()
                }
            } else {
                return
            }
        }
    }

    private func scanWord(at start: SourcePosition) -> Token {
        let first = index
        var ascii = true
        while let unit = current(), unit.isIdentifierCharacter {
            if case .other = unit { ascii = false }
            advance()
        }
        let word = bytes[first..<index]
        if ascii {
            // Keywords are ASCII; checking that first also keeps "ıf" (dotless i) from being IF.
            if word.count <= Keyword.longest,
               let keyword = Keyword.byWord[String(decoding: word.map(Lexer.uppercase), as: UTF8.self)] {
                return Token(.keyword(keyword), at: start)
            }
            return Token(.identifier(String(decoding: word.map(Lexer.lowercase), as: UTF8.self), quoted: false), at: start)
        }
        return Token(.identifier(String(decoding: word, as: UTF8.self).lowercased(), quoted: false), at: start)
    }

    private func scanNumber(at start: SourcePosition) throws(Failure) -> Token {
        let first = index
        consumeDigits()
        if current()?.is(".") == true {
            advance()
            consumeDigits()
        }
        if let e = current(), e.is("e") || e.is("E") {
            // Only an exponent if digits follow (optionally signed); otherwise `1e` is junk below.
            let signed = current(after: 1).map { $0.is("+") || $0.is("-") } ?? false
            if current(after: signed ? 2 : 1)?.isDigit == true {
                advance(signed ? 2 : 1)
                consumeDigits()
            }
        }
        if let c = current(), c.isIdentifierCharacter || c.is(".") {
            // `12abc`, `1e`, `1.2.3`: consume the whole run so the message shows all of it.
            while let c = current(), c.isIdentifierCharacter || c.is(".") { advance() }
            let text = String(decoding: bytes[first..<index], as: UTF8.self)
            throw .invalid(SQLError(.syntax, "invalid number '\(text)'", at: start))
        }
        return Token(.number(String(decoding: bytes[first..<index], as: UTF8.self)), at: start)
    }

    private func consumeDigits() {
        asciiRun(while: { $0 >= 0x30 && $0 <= 0x39 })
        while let c = current(), c.isDigit { advance() }
    }

    /// Moves past the run of bytes from here that `matches` accepts (ASCII bytes other than
    /// line breaks) and returns how many. A bulk INSERT is mostly digits and spaces; taking
    /// them straight from the bytes skips classifying each as a character, which was a third
    /// of its lexing. Each such byte followed by an ASCII byte is a whole character on the same
    /// line, so the position moves by the byte count; the run stops before a byte that the
    /// next byte might combine with (`unit(at:)` decides that one).
    @discardableResult
    private func asciiRun(while matches: (UInt8) -> Bool) -> Int {
        let start = index
        let end = bytes.withUnsafeBufferPointer { bytes in
            var end = start
            while end < bytes.count, matches(bytes[end]), end + 1 == bytes.count || bytes[end + 1] < 0x80 { end += 1 }
            return end
        }
        let count = end - start
        index = end
        offset += count
        column += count
        return count
    }

    /// `'...'` with `''` for a quote inside.
    private func scanString(at start: SourcePosition) throws(Failure) -> Token {
        let value = try scanQuoted(by: UInt8(ascii: "'"), at: start, what: "string")
        return Token(.string(value), at: start)
    }

    /// `"..."` with `""` for a quote inside; kept exactly as written (not lowercased).
    private func scanQuotedIdentifier(at start: SourcePosition) throws(Failure) -> Token {
        let name = try scanQuoted(by: UInt8(ascii: "\""), at: start, what: "quoted identifier")
        if name.isEmpty {
            throw .invalid(SQLError(.syntax, "empty quoted identifier \"\"", at: start))
        }
        return Token(.identifier(name, quoted: true), at: start)
    }

    private func scanQuoted(by quote: UInt8, at start: SourcePosition, what: String) throws(Failure) -> String {
        advance()
        if let plain = scanPlainQuoted(by: quote) { return plain }
        var value: [UInt8] = []
        while true {
            guard let unit = current() else {
                let mark = quote == UInt8(ascii: "'") ? "'" : "\""
                throw .unterminated(SQLError(.syntax, "unterminated \(what): missing closing \(mark)", at: start))
            }
            let from = index
            advance()
            if case .ascii(quote) = unit {
                // A doubled quote is one quote inside; a single one ends the text.
                guard case .ascii(quote)? = current() else { return String(decoding: value, as: UTF8.self) }
                advance()
                value.append(quote)
                continue
            }
            value.append(contentsOf: bytes[from..<index])
        }
    }

    /// The common case of a quoted text, read straight from the bytes: printable ASCII up to a
    /// closing quote that no second quote or combining character follows. Each such byte is one
    /// character on the same line, so the position moves by the byte count. Nil (nothing
    /// consumed) for anything else, which the character-by-character loop then reads.
    private func scanPlainQuoted(by quote: UInt8) -> String? {
        var end = index
        while end < bytes.count, bytes[end] != quote, bytes[end] >= 0x20, bytes[end] < 0x7F { end += 1 }
        guard end < bytes.count, bytes[end] == quote,
              end + 1 == bytes.count || (bytes[end + 1] < 0x80 && bytes[end + 1] != quote) else { return nil }
        let value = String(decoding: bytes[index..<end], as: UTF8.self)
        let consumed = end + 1 - index
        index = end + 1
        offset += consumed
        column += consumed
        return value
    }

    /// The longest operator at the current position (`<=` before `<`).
    private func scanSymbol() -> Symbol? {
        guard case .ascii(let first)? = current() else { return nil }
        var second: UInt8 = 0
        if case .ascii(let byte)? = current(after: 1) { second = byte }
        let two: Symbol? = switch (first, second) {
        case (UInt8(ascii: "!"), UInt8(ascii: "=")): .notEqual
        case (UInt8(ascii: "<"), UInt8(ascii: ">")): .lessGreater
        case (UInt8(ascii: "<"), UInt8(ascii: "=")): .lessOrEqual
        case (UInt8(ascii: ">"), UInt8(ascii: "=")): .greaterOrEqual
        case (UInt8(ascii: "|"), UInt8(ascii: "|")): .concatenate
        default: nil
        }
        if let two {
            advance(2)
            return two
        }
        guard Int(first) < Lexer.symbols.count, let one = Lexer.symbols[Int(first)] else { return nil }
        advance()
        return one
    }

    /// The one-character symbols by their ASCII byte: a table lookup per symbol instead of a
    /// String built and matched against every spelling (it showed up in a bulk insert's profile).
    private static let symbols: [Symbol?] = (0..<128).map { byte in
        Symbol(rawValue: String(UnicodeScalar(UInt8(byte))))
    }

    // MARK: - Characters

    /// One character of the text: a lone ASCII byte (the common case, classified from the byte),
    /// or any other character with its length in bytes.
    enum Unit {
        case ascii(UInt8)
        case other(Character, length: Int)

        var length: Int {
            switch self {
            case .ascii: 1
            case .other(_, let length): length
            }
        }

        var character: Character {
            switch self {
            case .ascii(let byte): Character(UnicodeScalar(byte))
            case .other(let character, _): character
            }
        }

        func `is`(_ ascii: Unicode.Scalar) -> Bool {
            if case .ascii(let byte) = self { return byte == ascii.value }
            return false
        }

        var isDigit: Bool {
            if case .ascii(let byte) = self { return byte >= 0x30 && byte <= 0x39 }
            return false
        }

        var isLetter: Bool {
            switch self {
            case .ascii(let byte): Lexer.isASCIILetter(byte)
            case .other(let character, _): character.isLetter
            }
        }

        /// Letters, digits and `_` (any script) may continue an identifier.
        var isIdentifierCharacter: Bool {
            switch self {
            case .ascii(let byte): Lexer.isASCIILetter(byte) || isDigit || byte == UInt8(ascii: "_")
            case .other(let character, _): character.isLetter || character.isNumber
            }
        }

        var isWhitespace: Bool {
            switch self {
            case .ascii(let byte): byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
            case .other(let character, _): character.isWhitespace
            }
        }

        var isNewline: Bool {
            switch self {
            case .ascii(let byte): byte >= 0x0A && byte <= 0x0D
            case .other(let character, _): character.isNewline
            }
        }
    }

    /// The character `ahead` characters after the current one, or nil past the end.
    private func current(after ahead: Int = 0) -> Unit? {
        var i = index
        for _ in 0..<ahead {
            guard let unit = unit(at: i) else { return nil }
            i += unit.length
        }
        return unit(at: i)
    }

    /// The character starting at byte `i`.
    private func unit(at i: Int) -> Unit? {
        guard i < bytes.count else { return nil }
        let byte = bytes[i]
        // An ASCII byte is a whole character unless something may combine with it: "\r\n", or a
        // non-ASCII scalar such as a combining accent (`e` + U+0301 is one character, é).
        if byte < 0x80, i + 1 == bytes.count || (bytes[i + 1] < 0x80 && !(byte == 0x0D && bytes[i + 1] == 0x0A)) {
            return .ascii(byte)
        }
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: i)
        let character = text[start]
        let length = character.utf8.count
        if length == 1 { return .ascii(byte) }
        return .other(character, length: length)
    }

    private func advance(_ count: Int = 1) {
        for _ in 0..<count {
            guard let unit = unit(at: index) else { return }
            index += unit.length
            offset += 1
            if unit.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
    }

    /// `(`, `)` or `,`.
    static func isPunctuation(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "(") || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ",")
    }

    static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func uppercase(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte }
    static func lowercase(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
}

extension Character {
    /// Letters, digits and `_` (any script) may continue an identifier.
    var isIdentifierCharacter: Bool { isLetter || isNumber || self == "_" }
}
