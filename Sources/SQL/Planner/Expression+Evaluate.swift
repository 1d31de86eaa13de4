extension Expression {
    /// Evaluates the expression against `row` (placeholder until the executor lands).
    public func evaluate(_ row: Row) throws(SQLError) -> Value {
        switch self {
        case .constant(let value): return value
        case .column(let index):
            guard row.indices.contains(index) else {
                throw SQLError(.semantic, "column #\(index) is out of range")
            }
            return row[index]
        default:
            throw SQLError(.semantic, "expression evaluation is not implemented yet")
        }
    }
}
