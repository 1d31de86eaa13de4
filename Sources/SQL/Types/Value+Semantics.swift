/// The rules SQL operators follow on values.
///
/// Three-valued logic: NULL means "unknown", so most operators given a NULL return NULL
/// (`1 = NULL` is NULL, not FALSE). AND and OR are the exceptions that can still decide:
/// `FALSE AND NULL` is FALSE and `TRUE OR NULL` is TRUE.
///
/// Numbers: INTEGER op INTEGER stays INTEGER and overflow is an error; mixing INTEGER with FLOAT
/// gives FLOAT; FLOAT follows IEEE 754 (division by zero gives ±inf or NaN, integer division by
/// zero is an error). Comparing values of unrelated types (`TRUE = 1`) is a type error.
extension Value {
    /// SQL comparison: nil when either side is NULL (the result is NULL); `.orderedSame` etc.
    /// otherwise. Floats compare as IEEE 754, so a NaN is neither less, equal nor greater:
    /// the caller gets nil-free but "unordered" results through `compareSQL`'s `nan` flag.
    ///
    /// - Throws: a type error when the values cannot be compared (`TRUE` and `1`).
    static func sqlOrder(_ lhs: Value, _ rhs: Value) throws(SQLError) -> ComparisonResult? {
        switch (lhs, rhs) {
        case (.null, _), (_, .null): return nil
        case (.boolean(let a), .boolean(let b)): return order(a ? 1 : 0, b ? 1 : 0)
        case (.integer(let a), .integer(let b)): return order(a, b)
        case (.integer(let a), .float(let b)): return floatOrder(Double(a), b)
        case (.float(let a), .integer(let b)): return floatOrder(a, Double(b))
        case (.float(let a), .float(let b)): return floatOrder(a, b)
        case (.string(let a), .string(let b)): return stringOrder(a, b)
        default: throw SQLError(.type, "can't compare \(lhs) and \(rhs)")
        }
    }

    /// The outcome of comparing two non-NULL values.
    enum ComparisonResult { case less, equal, greater, unordered }

    private static func order<T: Comparable>(_ a: T, _ b: T) -> ComparisonResult {
        a < b ? .less : (a == b ? .equal : .greater)
    }

    private static func floatOrder(_ a: Double, _ b: Double) -> ComparisonResult {
        if a.isNaN || b.isNaN { return .unordered }
        return order(a, b)
    }

    /// Strings order by their UTF-8 bytes (equivalently, by code point): 'B' < 'a' < 'å'.
    static func stringOrder(_ a: String, _ b: String) -> ComparisonResult {
        if a == b { return .equal }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? .less : .greater
    }

    /// The total order used for sorting (ORDER BY, MIN/MAX, sort keys): NULL first, then
    /// booleans (FALSE < TRUE), numbers (integers and floats together, -0.0 = 0.0, NaN after
    /// +inf), then strings. Never throws: values of different types order by type.
    public static func sortOrder(_ lhs: Value, _ rhs: Value) -> Int {
        func rank(_ v: Value) -> Int {
            switch v {
            case .null: 0
            case .boolean: 1
            case .integer, .float: 2
            case .string: 3
            }
        }
        let (l, r) = (rank(lhs), rank(rhs))
        if l != r { return l < r ? -1 : 1 }
        switch (lhs, rhs) {
        case (.boolean(let a), .boolean(let b)): return a == b ? 0 : (a ? 1 : -1)
        case (.integer(let a), .integer(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.integer(let a), .float(let b)): return numberSortOrder(Double(a), b)
        case (.float(let a), .integer(let b)): return numberSortOrder(a, Double(b))
        case (.float(let a), .float(let b)): return numberSortOrder(a, b)
        case (.string(let a), .string(let b)):
            switch stringOrder(a, b) {
            case .less: return -1
            case .greater: return 1
            default: return 0
            }
        default: return 0
        }
    }

    private static func numberSortOrder(_ a: Double, _ b: Double) -> Int {
        switch (a.isNaN, b.isNaN) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        default: return a == b ? 0 : (a < b ? -1 : 1)
        }
    }

    /// Whether `a IS NOT DISTINCT FROM b`: like `=` but NULL equals NULL and never NULL itself.
    static func notDistinct(_ a: Value, _ b: Value) throws(SQLError) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.null, _), (_, .null): return false
        default: return try sqlOrder(a, b) == .equal
        }
    }

    /// The normalized form stored in rows and used in keys: -0.0 becomes 0.0 (they are equal).
    public var normalized: Value {
        if case .float(let f) = self, f == 0, f.sign == .minus { return .float(0) }
        return self
    }
}

/// A value usable as a dictionary key with SQL's notion of sameness for grouping, DISTINCT and
/// hash joins: NaN equals NaN, -0.0 equals 0.0, and an integer equals the float of the same
/// number. (`Value`'s own `==` is structural, so it cannot be used for these.)
public struct ValueKey: Hashable, Sendable {
    public let value: Value

    public init(_ value: Value) { self.value = value }

    public static func == (lhs: ValueKey, rhs: ValueKey) -> Bool { same(lhs.value, rhs.value) }

    /// Whether two values are the same in this sense.
    static func same(_ a: Value, _ b: Value) -> Bool {
        // Integers and strings of the same kind (what hash tables mostly hold) compare
        // directly; the rest go through the general order.
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x == y
        default: return Value.sortOrder(a, b) == 0 && sameKind(a, b)
        }
    }

    private static func sameKind(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null), (.boolean, .boolean), (.string, .string): true
        case (.integer, .integer), (.float, .float), (.integer, .float), (.float, .integer): true
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) { Self.hash(value, into: &hasher) }

    /// Feeds `value` to `hasher` so that values that are the same hash alike.
    static func hash(_ value: Value, into hasher: inout Hasher) {
        switch value {
        case .null: hasher.combine(0)
        case .boolean(let b): hasher.combine(b)
        case .integer(let i): hasher.combine(Double(i))
        case .float(let f):
            if f.isNaN { hasher.combine(Double.nan.bitPattern) } else { hasher.combine(f == 0 ? 0.0 : f) }
        case .string(let s): hasher.combine(s)
        }
    }
}

/// A set of values with `ValueKey`'s sameness, built once and probed once per row (a
/// semi-join's keys). Join keys are nearly always integers, and while every member is one
/// the set also keeps them as plain `Int64`s: an integer probe then hashes one machine word
/// instead of going through `ValueKey`'s general hashing (as a Double) and comparison.
struct ValueKeySet {
    private var keys = Set<ValueKey>()
    /// The members as integers while they all are; nil once one is not.
    private var integers: Set<Int64>? = []

    mutating func insert(_ value: Value) {
        keys.insert(ValueKey(value))
        if case .integer(let i) = value { integers?.insert(i) } else { integers = nil }
    }

    func contains(_ value: Value) -> Bool {
        // An integer equals an integer member only when the two are the same number.
        if let integers, case .integer(let i) = value { return integers.contains(i) }
        return keys.contains(ValueKey(value))
    }
}

/// A row as a dictionary key (see `ValueKey`). It keeps the row itself, compared and hashed
/// value by value as `ValueKey` does, so making one allocates nothing.
public struct RowKey: Hashable, Sendable {
    public let row: Row
    public init(_ row: Row) { self.row = row }

    public static func == (lhs: RowKey, rhs: RowKey) -> Bool {
        guard lhs.row.count == rhs.row.count else { return false }
        for index in lhs.row.indices where !ValueKey.same(lhs.row[index], rhs.row[index]) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        for value in row { ValueKey.hash(value, into: &hasher) }
    }
}
