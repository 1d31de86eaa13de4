import Foundation

/// SQL arithmetic on values: INTEGER with INTEGER is checked (overflow is an error), any FLOAT
/// makes the result FLOAT (IEEE 754: `1.0 / 0.0` is inf), NULL with a number gives NULL.
enum Arithmetic {
    /// The numeric operands of a binary operator, after the NULL and type rules.
    private enum Operands {
        case integers(Int64, Int64)
        case floats(Double, Double)
        case null
    }

    private static func operands(_ l: Value, _ r: Value, verb: String) throws(SQLError) -> Operands {
        switch (l, r) {
        case (.integer(let a), .integer(let b)): return .integers(a, b)
        case (.integer(let a), .float(let b)): return .floats(Double(a), b)
        case (.float(let a), .integer(let b)): return .floats(a, Double(b))
        case (.float(let a), .float(let b)): return .floats(a, b)
        case (.null, .null), (.null, .integer), (.null, .float), (.integer, .null), (.float, .null):
            return .null
        default: throw SQLError(.type, "can't \(verb) \(l) and \(r)")
        }
    }

    private static func checked(_ result: (partialValue: Int64, overflow: Bool)) throws(SQLError) -> Value {
        if result.overflow { throw SQLError(.arithmetic, "integer overflow") }
        return .integer(result.partialValue)
    }

    static func add(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "add") {
        case .integers(let a, let b): return try checked(a.addingReportingOverflow(b))
        case .floats(let a, let b): return .float(a + b)
        case .null: return .null
        }
    }

    static func subtract(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "subtract") {
        case .integers(let a, let b): return try checked(a.subtractingReportingOverflow(b))
        case .floats(let a, let b): return .float(a - b)
        case .null: return .null
        }
    }

    static func multiply(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "multiply") {
        case .integers(let a, let b): return try checked(a.multipliedReportingOverflow(by: b))
        case .floats(let a, let b): return .float(a * b)
        case .null: return .null
        }
    }

    /// Integer division truncates toward zero; dividing an integer by zero is an error.
    static func divide(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "divide") {
        case .integers(let a, let b):
            if b == 0 { throw SQLError(.arithmetic, "can't divide by zero") }
            return try checked(a.dividedReportingOverflow(by: b))
        case .floats(let a, let b): return .float(a / b)
        case .null: return .null
        }
    }

    /// The remainder has the sign of the dividend (`-7 % 3` is -1), as in C and Rust.
    static func remainder(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "take remainder of") {
        case .integers(let a, let b):
            if b == 0 { throw SQLError(.arithmetic, "can't divide by zero") }
            return try checked(a.remainderReportingOverflow(dividingBy: b))
        case .floats(let a, let b): return .float(fmod(a, b))
        case .null: return .null
        }
    }

    /// INTEGER ^ non-negative INTEGER stays an integer (checked); a negative exponent or any
    /// FLOAT gives a FLOAT.
    static func power(_ l: Value, _ r: Value) throws(SQLError) -> Value {
        switch try operands(l, r, verb: "exponentiate") {
        case .integers(let a, let b):
            if b < 0 { return .float(pow(Double(a), Double(b))) }
            var result: Int64 = 1, base = a, exponent = b
            // Square-and-multiply with overflow checks at every step.
            while exponent > 0 {
                if exponent & 1 == 1 {
                    let (p, o) = result.multipliedReportingOverflow(by: base)
                    if o { throw SQLError(.arithmetic, "integer overflow") }
                    result = p
                }
                exponent >>= 1
                if exponent > 0 {
                    let (sq, o) = base.multipliedReportingOverflow(by: base)
                    if o { throw SQLError(.arithmetic, "integer overflow") }
                    base = sq
                }
            }
            return .integer(result)
        case .floats(let a, let b): return .float(pow(a, b))
        case .null: return .null
        }
    }

    /// `n!` for a non-negative integer.
    static func factorial(_ v: Value) throws(SQLError) -> Value {
        switch v {
        case .null: return .null
        case .integer(let n) where n >= 0:
            var result: Int64 = 1
            var i: Int64 = 2
            while i <= n {
                let (p, o) = result.multipliedReportingOverflow(by: i)
                if o { throw SQLError(.arithmetic, "integer overflow") }
                result = p
                i += 1
            }
            return .integer(result)
        default: throw SQLError(.type, "can't take factorial of \(v)")
        }
    }
}
