/// A SQL value: what a column holds and an expression yields.
///
/// NULL is a value of its own; comparisons against it follow three-valued logic (see Expression).
public enum Value: Sendable, Hashable {
    case null
    case boolean(Bool)
    case integer(Int64)
    case float(Double)
    case string(String)
}

/// The type of a column.
public enum DataType: String, Sendable, Hashable, CaseIterable {
    case boolean = "BOOLEAN"
    case integer = "INTEGER"
    case float = "FLOAT"
    case string = "STRING"
}
