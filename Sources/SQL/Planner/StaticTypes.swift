/// The types the plan alone tells, before any row is read.
///
/// A column of a table has its declared type, a constant its value's, `CAST(x AS FLOAT)` is a
/// FLOAT, a comparison a BOOLEAN and `a || b` a STRING, whatever the rows hold. Set operations
/// use this to refuse `SELECT 1 + 1 UNION SELECT 'a'` before running anything, with the place
/// of the offending column; CREATE TABLE … AS SELECT to type the new table's columns.
///
/// An answer must hold for every row (NULL aside), since CREATE TABLE … AS relies on it: where
/// the type depends on the values (`2 ^ n` is an INTEGER or, for a negative n, a FLOAT; a CASE
/// whose branches are an INTEGER and a FLOAT) the answer is nil — unknown — and the rows
/// settle it at run time.
extension Planner {
    /// The type of output column `column` of `node`, when the plan alone tells it.
    static func staticType(_ node: Node, _ column: Int) -> DataType? {
        switch node {
        case .scan(let table, _, _), .keyLookup(let table, _, _), .indexLookup(let table, _, _, _):
            return table.columns.indices.contains(column) ? table.columns[column].dataType : nil
        case .projection(let source, let expressions, _):
            guard expressions.indices.contains(column) else { return nil }
            return staticType(of: expressions[column], over: source)
        case .filter(let source, _), .order(let source, _), .limit(let source, _), .offset(let source, _),
             .distinct(let source), .semiJoin(let source, _, _, _, _):
            return staticType(source, column)
        case .setOperation(let left, let right, _, _):
            // Both sides' rows come out: only a type they share holds for all of them.
            let a = staticType(left, column), b = staticType(right, column)
            return a == b ? a : nil
        case .nestedLoopJoin(let left, let right, _, _), .hashJoin(let left, _, let right, _, _):
            let width = left.columns.count
            return column < width ? staticType(left, column) : staticType(right, column - width)
        case .lookupJoin(let left, _, let table, _, _, _, _):
            let width = left.columns.count
            if column < width { return staticType(left, column) }
            return table.columns.indices.contains(column - width) ? table.columns[column - width].dataType : nil
        case .apply(let source, let subquery, let kind):
            let width = source.columns.count
            if column < width { return staticType(source, column) }
            if case .scalar = kind { return staticType(subquery, 0) }
            return .boolean
        case .aggregate(let source, let groupBy, let aggregates):
            if column < groupBy.count { return staticType(of: groupBy[column], over: source) }
            let index = column - groupBy.count
            guard aggregates.indices.contains(index) else { return nil }
            let aggregate = aggregates[index]
            switch aggregate.function {
            case .count: return .integer
            // Integers add up to an integer (AVG truncates, as in toyDB); floats to a float.
            case .sum, .avg, .min, .max: return staticType(of: aggregate.argument, over: source)
            }
        case .values(let rows, _):
            // Every row's constant must agree (NULLs aside); the rows read no input.
            return commonType(rows.compactMap { $0.indices.contains(column) ? $0[column] : nil }, over: .nothing(labels: []))
        case .nothing:
            return nil
        }
    }

    /// The type `expression`, over the rows of `source`, always has (NULL aside), if the plan
    /// alone tells it.
    static func staticType(of expression: Expression, over source: Node) -> DataType? {
        func type(_ e: Expression) -> DataType? { staticType(of: e, over: source) }
        switch expression {
        case .constant(let value): return value.dataType
        case .column(let i): return staticType(source, i)
        case .outer: return nil
        case .and, .or, .not, .equal, .notEqual, .greaterThan, .greaterThanOrEqual, .lessThan,
             .lessThanOrEqual, .isNull, .isNaN, .isDistinctFrom, .inList, .between, .like:
            return .boolean
        case .concat: return .string
        case .cast(_, let target): return target
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b),
             .remainder(let a, let b):
            return arithmetic(type(a), type(b))
        case .exponentiate(let a, let b):
            // INTEGER ^ INTEGER is a FLOAT for a negative exponent: only a FLOAT side decides.
            let result = arithmetic(type(a), type(b))
            return result == .float ? .float : nil
        case .factorial: return .integer
        case .identity(let a), .negate(let a):
            let t = type(a)
            return t == .integer || t == .float ? t : nil
        case .caseWhen(_, let branches, let otherwise):
            return commonType(branches.map(\.then) + (otherwise.map { [$0] } ?? []), over: source)
        case .function(let function, let args):
            switch function {
            case .upper, .lower, .substr: return .string
            case .length: return .integer
            case .sqrt: return .float
            case .abs, .round:
                let t = args.first.flatMap(type)
                return t == .integer || t == .float ? t : nil
            case .nullif: return args.first.flatMap(type)
            case .coalesce: return commonType(args, over: source)
            }
        }
    }

    /// INTEGER with INTEGER stays INTEGER; a FLOAT makes a FLOAT; anything else is unknown.
    private static func arithmetic(_ a: DataType?, _ b: DataType?) -> DataType? {
        switch (a, b) {
        case (.integer, .integer): return .integer
        case (.float, .integer), (.integer, .float), (.float, .float): return .float
        default: return nil
        }
    }

    /// The one type of several possible results (NULL constants don't count), or nil when one
    /// is unknown or two differ.
    private static func commonType(_ results: [Expression], over source: Node) -> DataType? {
        var common: DataType?
        for result in results {
            if case .constant(.null) = result { continue }
            guard let t = staticType(of: result, over: source), common == nil || common == t else { return nil }
            common = t
        }
        return common
    }
}

extension DataType {
    /// Whether values of the two types compare with each other (and may share a column of a
    /// set operation): the same type, or two kinds of number.
    func isComparable(with other: DataType) -> Bool {
        self == other || (isNumeric && other.isNumeric)
    }

    private var isNumeric: Bool { self == .integer || self == .float }
}
