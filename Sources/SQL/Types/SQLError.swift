/// A place in a statement's text, for errors a learner can act on.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in characters.
    public var column: Int
    /// 0-based character offset from the start of the statement.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}

/// Every error the SQL layer reports: what kind, a message, and where in the statement.
public struct SQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The families of SQL errors.
    public enum Kind: String, Sendable, Hashable {
        /// The text is not valid SQL.
        case syntax = "syntax error"
        /// Valid SQL that refers to missing tables/columns or breaks a rule of the language.
        case semantic = "error"
        /// A value of the wrong type for an operator, function or column.
        case type = "type error"
        /// Overflow, division by zero and similar arithmetic failures.
        case arithmetic = "arithmetic error"
        /// NOT NULL, UNIQUE, PRIMARY KEY or REFERENCES violated.
        case constraint = "constraint violation"
        /// A write-write conflict with a concurrent transaction; retrying may succeed.
        case serialization = "serialization failure"
        /// BEGIN/COMMIT/ROLLBACK used out of place, or a write in a read-only transaction.
        case transaction = "transaction error"
        /// The storage below failed.
        case storage = "storage error"
        /// The client stopped the statement (Ctrl-C); it had no effect.
        case cancelled = "cancelled"
        /// The database cannot answer now: no leader, the leader changed, or the node is down.
        /// The message says whether the statement took effect; retrying later may succeed.
        case unavailable = "unavailable"
    }

    /// Whether running the same statement again may succeed (a conflict, or a cluster that
    /// had no leader): the client's cue to retry rather than to fix the statement.
    public var isRetryable: Bool { kind == .serialization || kind == .unavailable }

    /// Whether every replica running the same statement on the same state gets this same
    /// error. Storage failures, cancellation and unavailability depend on one machine's
    /// circumstances; a replicated state machine must stop rather than answer with them.
    public var isDeterministic: Bool {
        switch kind {
        case .storage, .cancelled, .unavailable: false
        default: true
        }
    }

    public var kind: Kind
    public var message: String
    public var position: SourcePosition?

    public init(_ kind: Kind, _ message: String, at position: SourcePosition? = nil) {
        self.kind = kind
        self.message = message
        self.position = position
    }

    /// "syntax error at 1:15: expected FROM, found identifier 'form'".
    public var description: String {
        if let position { return "\(kind.rawValue) at \(position): \(message)" }
        return "\(kind.rawValue): \(message)"
    }

    /// The description, then the statement's line with a caret under the position.
    public func rendered(in statement: String) -> String {
        guard let position else { return description }
        let lines = statement.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard position.line >= 1, position.line <= lines.count else { return description }
        let text = String(lines[position.line - 1])
        let caret = String(repeating: " ", count: max(0, position.column - 1)) + "^"
        return "\(description)\n  \(text)\n  \(caret)"
    }
}
