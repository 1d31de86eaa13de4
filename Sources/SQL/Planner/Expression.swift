/// An expression after planning: column references are resolved to positions in the input row.
/// The planner builds it from the AST; the executor and engines evaluate it against rows.
public indirect enum Expression: Sendable, Hashable {
    case constant(Value)
    /// The value at this position of the input row.
    case column(Int)

    case and(Expression, Expression)
    case or(Expression, Expression)
    case not(Expression)

    case equal(Expression, Expression)
    case greaterThan(Expression, Expression)
    case lessThan(Expression, Expression)
    case isNull(Expression)
    case isNaN(Expression)

    case add(Expression, Expression)
    case subtract(Expression, Expression)
    case multiply(Expression, Expression)
    case divide(Expression, Expression)
    case remainder(Expression, Expression)
    case exponentiate(Expression, Expression)
    case factorial(Expression)
    case identity(Expression)
    case negate(Expression)

    case like(Expression, Expression)
}
