/// The stretch of an INTEGER primary key that a scan's filter confines it to.
///
/// Rows are stored in primary-key order, so `WHERE id >= 100 AND id < 200` need not read the
/// whole table: the scan can start at key 100 and stop after 199. The interval is taken from
/// the filter's top-level AND (comparisons and BETWEEN of the key column with integer
/// constants); the scan still applies the whole filter to every row it reads, so the interval
/// only has to contain each row that can pass — anything it cannot use, it ignores.
public struct KeyInterval: Sendable, Hashable {
    /// The smallest and largest key a passing row can have (both inclusive).
    public var lowest: Int64 = .min
    public var highest: Int64 = .max

    /// Whether the interval leaves out any key (else a scan gains nothing from it).
    public var isNarrowed: Bool { lowest != .min || highest != .max }
    /// Whether no key can pass (`id > 5 AND id < 3`).
    public var isEmpty: Bool { lowest > highest }

    /// The interval `filter` confines `table`'s primary key to, nil when it confines nothing
    /// (no usable comparison, or the key is not an INTEGER column).
    public init?(filter: Expression?, table: Table) {
        guard let filter, table.columns.indices.contains(table.primaryKey),
              table.columns[table.primaryKey].dataType == .integer else { return nil }
        let key = Expression.column(table.primaryKey)
        for conjunct in filter.conjuncts {
            switch conjunct {
            case .greaterThan(key, .constant(.integer(let n))), .lessThan(.constant(.integer(let n)), key):
                raiseLowest(above: n)
            case .greaterThanOrEqual(key, .constant(.integer(let n))), .lessThanOrEqual(.constant(.integer(let n)), key):
                lowest = max(lowest, n)
            case .lessThan(key, .constant(.integer(let n))), .greaterThan(.constant(.integer(let n)), key):
                lowerHighest(below: n)
            case .lessThanOrEqual(key, .constant(.integer(let n))), .greaterThanOrEqual(.constant(.integer(let n)), key):
                highest = min(highest, n)
            case .equal(key, .constant(.integer(let n))), .equal(.constant(.integer(let n)), key):
                (lowest, highest) = (max(lowest, n), min(highest, n))
            case .between(key, low: .constant(.integer(let low)), high: .constant(.integer(let high))):
                (lowest, highest) = (max(lowest, low), min(highest, high))
            default:
                continue
            }
        }
        guard isNarrowed else { return nil }
    }

    /// Keys strictly above `n`: an empty interval when nothing is (n is the largest integer).
    private mutating func raiseLowest(above n: Int64) {
        if n == .max { (lowest, highest) = (.max, .min) } else { lowest = max(lowest, n + 1) }
    }

    private mutating func lowerHighest(below n: Int64) {
        if n == .min { (lowest, highest) = (.max, .min) } else { highest = min(highest, n - 1) }
    }

    /// How plans show it, e.g. `[id 100…199]`, `[id ≥ 100]`, `[id ≤ 99]` or `[id: none]`.
    public func display(column: String) -> String {
        if isEmpty { return "[\(column): none]" }
        switch (lowest, highest) {
        case (.min, let high): return "[\(column) ≤ \(high)]"
        case (let low, .max): return "[\(column) ≥ \(low)]"
        case (let low, let high): return "[\(column) \(low)…\(high)]"
        }
    }
}
