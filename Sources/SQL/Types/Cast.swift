import Foundation

/// `CAST(x AS type)`: the explicit conversions between the four types.
///
/// Cutaway never converts a value behind your back (`1 = '1'` is a type error); CAST is how you
/// ask for it. A conversion either keeps the value's meaning or fails with a message naming the
/// value: `'abc'` is no INTEGER, `1e30` does not fit in 64 bits, NaN has no integer. Floats
/// become integers by dropping the fraction (toward zero), as SQLite does.
public enum Cast {
    /// `value` as `type`; NULL stays NULL.
    /// - Throws: `SQLError(.type)` when the value has no equivalent of that type.
    public static func convert(_ value: Value, to type: DataType) throws(SQLError) -> Value {
        if case .null = value { return .null }
        switch (value, type) {
        case (.boolean, .boolean), (.integer, .integer), (.float, .float), (.string, .string):
            return value
        case (_, .string):
            return .string(value.displayText)
        case (.boolean(let b), .integer): return .integer(b ? 1 : 0)
        case (.boolean(let b), .float): return .float(b ? 1 : 0)
        case (.integer(let i), .float): return .float(Double(i))
        case (.integer(let i), .boolean): return .boolean(i != 0)
        case (.float(let f), .integer):
            guard let i = integer(f) else { throw failure(value, type) }
            return .integer(i)
        case (.string(let s), .integer):
            let text = s.trimmingCharacters(in: .whitespaces)
            if let i = Int64(text) { return .integer(i) }
            throw failure(value, type)
        case (.string(let s), .float):
            let text = s.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, let f = Double(text) else { throw failure(value, type) }
            return .float(f)
        case (.string(let s), .boolean):
            switch s.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "t", "yes", "1": return .boolean(true)
            case "false", "f", "no", "0": return .boolean(false)
            default: throw failure(value, type)
            }
        default:
            throw failure(value, type)
        }
    }

    /// The integer part of `f`, if it is a number that fits in 64 bits.
    private static func integer(_ f: Double) -> Int64? {
        guard f.isFinite else { return nil }
        let truncated = f.rounded(.towardZero)
        // 2^63 itself is out of range; every double below it converts exactly.
        guard truncated >= -9_223_372_036_854_775_808.0, truncated < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(truncated)
    }

    private static func failure(_ value: Value, _ type: DataType) -> SQLError {
        SQLError(.type, "can't cast \(value) to \(type.rawValue)")
    }
}
