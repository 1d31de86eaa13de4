/// Advice about statements that are valid but rarely mean what they say, found from tokens
/// alone (so it costs no planning and works on any statement the lexer reads).
public enum Hints {
    /// One piece of advice and where in the statement it applies.
    public struct Hint: Sendable, Hashable {
        public var message: String
        public var position: SourcePosition
    }

    /// `x = NULL` and `x <> NULL` in a condition are never true — NULL is unknown, so comparing
    /// with it is unknown too — and a learner almost always meant `IS NULL`. An `= NULL` in a
    /// SET clause or a DEFAULT is an assignment and is left alone.
    public static func nullComparisons(in statement: String) -> [Hint] {
        guard let tokens = try? Lexer.tokenize(statement) else { return [] }
        var hints: [Hint] = []
        var comparing = false   // inside a clause whose `=` compares (WHERE, ON, HAVING, WHEN, SELECT)
        for (i, token) in tokens.enumerated() {
            switch token.kind {
            case .keyword(let keyword):
                switch keyword {
                case .where, .on, .having, .when, .select: comparing = true
                case .set, .default, .values: comparing = false
                default: break
                }
            case .symbol(let symbol) where comparing && [.equal, .notEqual, .lessGreater].contains(symbol):
                guard i + 1 < tokens.count, tokens[i + 1].kind == .keyword(.null) else { continue }
                let negated = symbol != .equal
                hints.append(Hint(message: "\(symbol.rawValue) NULL is never true (NULL is unknown); write IS \(negated ? "NOT " : "")NULL",
                                  position: token.position))
            default:
                break
            }
        }
        return hints
    }
}
