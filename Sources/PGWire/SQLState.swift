import SQL

/// The one place a Cutaway error becomes what PostgreSQL clients expect: a SQLSTATE code
/// (drivers map it to exception classes and retry on 40001), the message, and a hint.
public struct PGErrorFields: Error, Sendable, Equatable {
    public var code: String
    public var message: String
    public var hint: String?
    /// 0-based character offset in the statement, when the error has a place.
    public var offset: Int?

    public init(code: String, message: String, hint: String? = nil, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.offset = offset
    }

    /// The SQLSTATE for `error`, its message without the hint, and the hint the REPL shows
    /// inside the message (`… (did you mean FROM?)`) as a separate field.
    public init(_ error: SQLError) {
        // The REPL's advice after a conflict (what COMMIT would keep) is written for Cutaway's
        // own rules; under PostgreSQL's, an error aborts the transaction, so the hint says it.
        var message = error.kind == .serialization
            ? String(error.message.prefix { $0 != "\n" && $0 != ";" })
            : error.message
        var hint: String?
        if let range = message.range(of: " (did you mean "), message.hasSuffix(")") {
            hint = "Did you mean " + message[range.upperBound...].dropLast()
            message = String(message[..<range.lowerBound])
        }
        if error.isRetryable && hint == nil {
            hint = error.kind == .serialization
                ? "Another transaction wrote the same row first; roll back and run the transaction again."
                : "The cluster could not answer now; try again."
        }
        self.init(code: Self.code(for: error), message: message, hint: hint, offset: error.position?.offset)
    }

    /// SQLSTATE codes (PostgreSQL's Appendix A) by error kind, refined by what the message says.
    static func code(for error: SQLError) -> String {
        let text = error.message
        switch error.kind {
        case .syntax: return "42601"
        case .semantic:
            if text.hasPrefix("table "), text.hasSuffix(" does not exist") { return "42P01" }
            if text.hasPrefix("unknown table") { return "42P01" }
            if text.hasPrefix("unknown column") || text.hasPrefix("column #") { return "42703" }
            if text.hasPrefix("ambiguous column") { return "42702" }
            if text.hasPrefix("unknown function") { return "42883" }
            if text.hasSuffix("already exists") { return text.hasPrefix("table") ? "42P07" : "42710" }
            if text.hasPrefix("index "), text.hasSuffix("does not exist") { return "42704" }
            if text.hasPrefix("duplicate column") { return "42701" }
            if text.contains("GROUP BY") { return "42803" }
            return "42000"
        case .type: return "42804"
        case .arithmetic:
            if text.contains("divide by zero") { return "22012" }
            if text.contains("overflow") { return "22003" }
            return "22000"
        case .constraint:
            if text.contains("already exists") || text.lowercased().contains("unique") { return "23505" }
            if text.contains("NULL") { return "23502" }
            if text.hasPrefix("reference") || text.contains("referenced") { return "23503" }
            return "23000"
        case .serialization: return "40001"
        case .transaction:
            if text.contains("read-only") { return "25006" }
            if text.hasPrefix("already in") { return "25001" }
            if text.hasPrefix("not in") { return "25P01" }
            return "25000"
        case .storage: return "58030"
        case .cancelled: return "57014"
        case .unavailable: return "57P03"
        }
    }
}
