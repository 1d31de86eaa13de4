/// How values print: the way toyDB prints them, so scripts, goldens and the conformance cases
/// agree. NULL, TRUE/FALSE, integers as-is, floats always with a fraction or an exponent
/// (`3.0`, `0.02718`, `1e-7`, `NaN`, `inf`, `-inf`), strings quoted (`'it\'s'`).
extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "NULL"
        case .boolean(let b): b ? "TRUE" : "FALSE"
        case .integer(let i): String(i)
        case .float(let f): Value.formatFloat(f)
        case .string(let s): Value.quote(s)
        }
    }

    /// The value as SQL source text that reads back as the same value: `'it''s'`, `NAN`,
    /// `-INFINITY` (used where expressions are shown, so they can be pasted into a query).
    public var sqlLiteral: String {
        switch self {
        case .string(let s): return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .float(let f) where f.isNaN: return "NAN"
        case .float(let f) where f.isInfinite: return f < 0 ? "-INFINITY" : "INFINITY"
        default: return description
        }
    }

    /// The value as plain text for table output: like `description`, but strings unquoted.
    public var displayText: String {
        if case .string(let s) = self { return s }
        return description
    }

    /// The type of a non-NULL value; nil for NULL.
    public var dataType: DataType? {
        switch self {
        case .null: nil
        case .boolean: .boolean
        case .integer: .integer
        case .float: .float
        case .string: .string
        }
    }

    /// Formats a float with the shortest digits that round-trip, switching to an exponent below
    /// 1e-4 and from 1e16 up (as Rust's `{:?}` does): `3.0`, `1e-7`, `9.223372036854776e18`.
    public static func formatFloat(_ f: Double) -> String {
        if f.isNaN { return "NaN" }
        if f.isInfinite { return f < 0 ? "-inf" : "inf" }
        // Swift's description already uses shortest round-trip digits and the same thresholds;
        // only the exponent's spelling differs ("1e-07" / "1e+16" → "1e-7" / "1e16").
        let text = f.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        var exponent = String(text[text.index(after: e)...])
        var negative = false
        if exponent.hasPrefix("+") { exponent.removeFirst() }
        if exponent.hasPrefix("-") { negative = true; exponent.removeFirst() }
        while exponent.count > 1 && exponent.hasPrefix("0") { exponent.removeFirst() }
        return mantissa + "e" + (negative ? "-" : "") + exponent
    }

    /// A string in single quotes with backslash escapes (`'it\'s'`, `'a\nb'`).
    public static func quote(_ s: String) -> String {
        var out = "'"
        for ch in s.unicodeScalars {
            switch ch {
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "'"
    }
}
