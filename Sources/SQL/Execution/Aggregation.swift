/// GROUP BY and aggregate functions.
///
/// The cursor reads its whole input, keeping one accumulator per aggregate per group in a hash
/// table keyed by the group's values, then emits one row per group (ordered by group value):
/// the group values followed by the aggregate results. Without GROUP BY there is exactly one
/// group, even for empty input (`SELECT COUNT(*) FROM empty` is 0, not no row).
final class AggregateCursor: RowCursor {
    private let source: any RowCursor
    private let groupBy: [Expression]
    private let aggregates: [Aggregate]
    private var output: [Row]?
    private var index = 0

    init(_ source: any RowCursor, groupBy: [Expression], aggregates: [Aggregate]) {
        self.source = source
        self.groupBy = groupBy
        self.aggregates = aggregates
    }

    func next() throws(SQLError) -> Row? {
        if output == nil { output = try aggregateAll() }
        guard let rows = output, index < rows.count else { return nil }
        defer { index += 1 }
        return rows[index]
    }

    private func aggregateAll() throws(SQLError) -> [Row] {
        if groupBy.isEmpty { return [try aggregateOneGroup()] }
        var groups: [RowKey: Int] = [:]
        var keys: [Row] = []
        var accumulators: [[Accumulator]] = []
        while let row = try source.next() {
            var key: Row = []
            for e in groupBy { key.append(try e.evaluate(row)) }
            let rowKey = RowKey(key)
            let slot: Int
            if let existing = groups[rowKey] {
                slot = existing
            } else {
                slot = keys.count
                groups[rowKey] = slot
                keys.append(key)
                accumulators.append(aggregates.map(Accumulator.init))
            }
            try add(row, to: &accumulators[slot])
        }
        // Groups come out in the order of their values (NULL first), so results do not depend
        // on the order rows were read in.
        let order = keys.indices.sorted { a, b in
            for (x, y) in zip(keys[a], keys[b]) {
                let c = Value.sortOrder(x, y)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        var rows: [Row] = []
        for slot in order { rows.append(try Self.results(accumulators[slot], after: keys[slot])) }
        return rows
    }

    /// Without GROUP BY: the one group every row belongs to (no key to build or hash per row),
    /// there even when the input is empty.
    private func aggregateOneGroup() throws(SQLError) -> Row {
        var accumulators = aggregates.map(Accumulator.init)
        while let row = try source.next() { try add(row, to: &accumulators) }
        return try Self.results(accumulators, after: [])
    }

    /// Feeds one input row to a group's accumulators.
    @inline(__always)
    private func add(_ row: Row, to accumulators: inout [Accumulator]) throws(SQLError) {
        for i in aggregates.indices {
            try accumulators[i].add(try aggregates[i].argument.evaluate(row))
        }
    }

    /// A group's output row: its key's values, then each aggregate's result.
    private static func results(_ accumulators: [Accumulator], after key: Row) throws(SQLError) -> Row {
        var row = key
        for accumulator in accumulators { row.append(try accumulator.result()) }
        return row
    }
}

/// The running state of one aggregate over one group. NULL inputs are ignored by all of them.
struct Accumulator {
    let aggregate: Aggregate
    private var count: Int64 = 0
    private var sum: Value?
    private var extreme: Value?
    private var seen: Set<ValueKey>?

    init(_ aggregate: Aggregate) {
        self.aggregate = aggregate
        if aggregate.distinct { seen = [] }
    }

    mutating func add(_ value: Value) throws(SQLError) {
        if value == .null { return }
        if seen != nil {
            guard seen?.insert(ValueKey(value)).inserted == true else { return }
        }
        count += 1
        switch aggregate.function {
        case .count: break
        case .sum, .avg:
            // Only numbers add up; naming the function and the value beats "can't add 0 and
            // 'a'", which mentions a 0 the learner never wrote.
            switch value {
            case .integer, .float: break
            default:
                throw SQLError(.type, "\(aggregate.function.rawValue)() adds numbers, not \(value.dataType?.rawValue ?? "NULL") \(value)")
            }
            sum = try sum.map { (sum) throws(SQLError) in try Arithmetic.add(sum, value) } ?? value
        case .min:
            if let current = extreme, Value.sortOrder(value, current) >= 0 { return }
            extreme = value
        case .max:
            if let current = extreme, Value.sortOrder(value, current) <= 0 { return }
            extreme = value
        }
    }

    /// COUNT of nothing is 0; every other aggregate of nothing is NULL. AVG of integers is an
    /// integer (the division truncates), as in toyDB.
    func result() throws(SQLError) -> Value {
        switch aggregate.function {
        case .count: return .integer(count)
        case .sum: return sum ?? .null
        case .avg:
            guard let sum, count > 0 else { return .null }
            return try Arithmetic.divide(sum, .integer(count))
        case .min, .max: return extreme ?? .null
        }
    }
}
