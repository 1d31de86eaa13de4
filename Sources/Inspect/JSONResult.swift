import SQL

/// The json output contract (issue 3, and `../shared/tools/conformance --help`): exactly one
/// object per SQL statement, on one line.
///
/// - A query: `{"columns": ["id", "v"], "rows": [[1, "a"], [2, null]]}`
/// - Anything else: `{"command": "INSERT", "count": 3}` (`count` only where rows were affected)
/// - A failure: `{"error": "message"}`
///
/// JSON encoders print the float 3.0 as `3`, which a reader cannot tell from an integer, so the
/// values are written here by hand: floats always carry a `.` or an exponent, and NaN and the
/// infinities (which JSON cannot express) are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
public enum JSONResult {
    /// The object for a successful statement.
    public static func encode(_ result: StatementResult) -> String {
        switch result {
        case .query(let columns, let rows):
            let head = columns.map(string).joined(separator: ", ")
            let body = rows.map { "[" + $0.map(value).joined(separator: ", ") + "]" }.joined(separator: ", ")
            return "{\"columns\": [\(head)], \"rows\": [\(body)]}"
        default:
            var out = "{\"command\": " + string(result.commandTag)
            if let count = result.affectedRows { out += ", \"count\": \(count)" }
            if case .explain(let text) = result { out += ", \"plan\": " + string(text) }
            return out + "}"
        }
    }

    /// The object for a failed statement.
    public static func error(_ message: String) -> String {
        "{\"error\": " + string(message) + "}"
    }

    /// A SQL value as a JSON value.
    public static func value(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .boolean(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .float(let d): d.isFinite ? ValueText.float(d) : string(ValueText.float(d))
        case .string(let s): string(s)
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
