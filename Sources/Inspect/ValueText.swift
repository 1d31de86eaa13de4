import SQL

/// How SQL values are written as text in drawings, tables and JSON.
public enum ValueText {
    /// A value as a user would read it in a result table: `NULL`, `TRUE`, `3`, `2.5`, `NaN`,
    /// `Infinity`, and strings without quotes.
    public static func plain(_ value: Value) -> String {
        switch value {
        case .null: "NULL"
        case .boolean(let b): b ? "TRUE" : "FALSE"
        case .integer(let i): String(i)
        case .float(let d): float(d)
        case .string(let s): s
        }
    }

    /// A value in a result table or line: as `plain`, except that the string `'NULL'` is
    /// quoted there, so it cannot be taken for NULL.
    public static func cell(_ value: Value) -> String {
        if case .string("NULL") = value { return "'NULL'" }
        return plain(value)
    }

    /// A value as SQL literal syntax, for drawings where strings must stand out: `'it''s'`.
    public static func literal(_ value: Value) -> String {
        switch value {
        case .string(let s): "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        default: plain(value)
        }
    }

    /// A float that always reads as a float: `3.0`, `2.5e-07`, `NaN`, `Infinity`, `-Infinity`.
    public static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        let text = d.description
        // Swift already writes "3.0" and "1e-07"; this guards the rule, not a known case.
        if text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return text }
        return text + ".0"
    }

    /// Whether the value reads better right-aligned in a column (numbers do).
    public static func isNumeric(_ value: Value) -> Bool {
        switch value {
        case .integer, .float: true
        default: false
        }
    }
}
