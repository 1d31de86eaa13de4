import Foundation

/// The scalar functions: abs, round, upper, lower, length, substr, coalesce, nullif, sqrt.
/// Each returns NULL for a NULL argument (coalesce and nullif excepted, by their nature).
enum Functions {
    static func call(_ function: ScalarFunction, _ args: [Value]) throws(SQLError) -> Value {
        guard function.accepts(args.count), let first = args.first else {
            throw SQLError(.semantic, "unknown function \(function.rawValue) with \(args.count) arguments")
        }
        let name = function.rawValue
        switch function {
        case .abs:
            switch first {
            case .null: return .null
            case .integer(let i):
                if i == .min { throw SQLError(.arithmetic, "integer overflow") }
                return .integer(Swift.abs(i))
            case .float(let f): return .float(Swift.abs(f))
            default: throw typeError(name, first)
            }
        case .round:
            var digits: Int64 = 0
            if args.count == 2 {
                switch args[1] {
                case .null: return .null
                case .integer(let d): digits = d
                default: throw SQLError(.type, "round() precision must be an integer, found \(args[1])")
                }
            }
            switch first {
            case .null: return .null
            case .integer(let i): return .integer(i)
            case .float(let f):
                if digits == 0 { return .float(f.rounded(.toNearestOrAwayFromZero)) }
                let scale = pow(10.0, Double(max(-308, min(308, digits))))
                return .float((f * scale).rounded(.toNearestOrAwayFromZero) / scale)
            default: throw typeError(name, first)
            }
        case .upper, .lower, .length:
            switch first {
            case .null: return .null
            case .string(let s):
                if function == .upper { return .string(s.uppercased()) }
                if function == .lower { return .string(s.lowercased()) }
                return .integer(Int64(s.count))
            default: throw typeError(name, first)
            }
        case .substr:
            return try substr(args)
        case .coalesce:
            return args.first { $0 != .null } ?? .null
        case .nullif:
            let second = args[1]
            if first == .null { return .null }
            if second == .null { return first }
            return try Value.sqlOrder(first, second) == .equal ? .null : first
        case .sqrt:
            switch first {
            case .null: return .null
            case .integer(let i) where i >= 0: return .float(Double(i).squareRoot())
            case .float(let f): return .float(f.squareRoot())
            case .integer: throw SQLError(.arithmetic, "sqrt(\(first)): a negative number has no real square root")
            default: throw typeError(name, first)
            }
        }
    }

    private static func typeError(_ name: String, _ value: Value) -> SQLError {
        SQLError(.type, "\(name)() can't be used with \(value.dataType?.rawValue ?? "NULL") \(value)")
    }

    /// `substr(s, start[, length])`, 1-based as in SQLite; out-of-range parts are clipped.
    private static func substr(_ args: [Value]) throws(SQLError) -> Value {
        guard let first = args.first else { return .null }
        if args.contains(.null) { return .null }
        guard case .string(let s) = first else { throw typeError("substr", first) }
        guard case .integer(let start) = args[1] else {
            throw SQLError(.type, "substr() start must be an integer, found \(args[1])")
        }
        var length = Int64.max
        if args.count == 3 {
            guard case .integer(let l) = args[2] else {
                throw SQLError(.type, "substr() length must be an integer, found \(args[2])")
            }
            if l < 0 { throw SQLError(.semantic, "substr() length must not be negative, found \(l)") }
            length = l
        }
        let chars = Array(s)
        // Positions before 1 eat into the length, as in SQLite: substr('abc', 0, 2) = 'a'.
        // Clamped first, so huge or tiny arguments cannot overflow the arithmetic below.
        let from = max(Int64(-1) << 40, min(start, Int64(1) << 40)) - 1
        let end = min(from + min(length, Int64(1) << 41), Int64(chars.count))
        let lower = max(0, from)
        guard lower < end else { return .string("") }
        return .string(String(chars[Int(lower)..<Int(end)]))
    }
}
