/// The simple streaming cursors: each holds at most one row at a time.

/// Rows already in memory (key lookups, VALUES).
final class ArrayCursor: RowCursor {
    private var rows: [Row]
    private var index = 0
    init(_ rows: [Row]) { self.rows = rows }
    func next() throws(SQLError) -> Row? {
        guard index < rows.count else {
            rows = []
            return nil
        }
        defer { index += 1 }
        return rows[index]
    }
}

/// Passes on the rows for which the predicate is TRUE.
final class FilterCursor: RowCursor {
    private let source: any RowCursor
    private let predicate: Expression
    init(_ source: any RowCursor, _ predicate: Expression) {
        self.source = source
        self.predicate = predicate
    }
    func next() throws(SQLError) -> Row? {
        while let row = try source.next() {
            if try predicate.test(row) { return row }
        }
        return nil
    }
}

/// Computes the output expressions for each input row.
final class ProjectionCursor: RowCursor {
    private let source: any RowCursor
    private let expressions: [Expression]
    /// The input positions when every expression is a plain column (the usual `SELECT a, b`):
    /// then a row is copied out by index, without evaluating an expression per value.
    private let columns: [Int]?
    init(_ source: any RowCursor, _ expressions: [Expression]) {
        self.source = source
        self.expressions = expressions
        var columns: [Int] = []
        for case .column(let index) in expressions { columns.append(index) }
        self.columns = columns.count == expressions.count ? columns : nil
    }
    /// A sieve on an output column that is a plain input column tests that input column.
    func offer(_ sieve: RowSieve) -> Bool {
        guard expressions.indices.contains(sieve.column), case .column(let input) = expressions[sieve.column] else {
            return false
        }
        return source.offer(RowSieve(column: input, admits: sieve.admits))
    }

    func next() throws(SQLError) -> Row? {
        guard let row = try source.next() else { return nil }
        if let columns {
            for index in columns where !row.indices.contains(index) {
                throw SQLError(.semantic, "column #\(index) is out of range")
            }
            return columns.map { row[$0] }
        }
        var out: Row = []
        out.reserveCapacity(expressions.count)
        for e in expressions { out.append(try e.evaluate(row)) }
        return out
    }
}

/// Stops after `count` rows — and stops pulling from its input, which is what makes
/// `LIMIT 10` over a huge scan cheap.
final class LimitCursor: RowCursor {
    private let source: any RowCursor
    private var remaining: Int
    init(_ source: any RowCursor, _ count: Int) {
        self.source = source
        self.remaining = count
    }
    func next() throws(SQLError) -> Row? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        return try source.next()
    }
}

/// Skips the first `count` rows.
final class OffsetCursor: RowCursor {
    private let source: any RowCursor
    private var toSkip: Int
    init(_ source: any RowCursor, _ count: Int) {
        self.source = source
        self.toSkip = count
    }
    func next() throws(SQLError) -> Row? {
        while toSkip > 0 {
            toSkip -= 1
            if try source.next() == nil { return nil }
        }
        return try source.next()
    }
}

/// Drops rows seen before (remembering every distinct row it has passed on).
final class DistinctCursor: RowCursor {
    private let source: any RowCursor
    private var seen = Set<RowKey>()
    init(_ source: any RowCursor) { self.source = source }
    func next() throws(SQLError) -> Row? {
        while let row = try source.next() {
            if seen.insert(RowKey(row)).inserted { return row }
        }
        return nil
    }
}

/// Sorts its whole input by the keys (stable: equal rows keep their input order).
///
/// With `keep` (a LIMIT above it), only the best `keep` rows are held: rows are buffered and,
/// whenever the buffer doubles past `keep`, it is sorted and cut back — O(n log k) time and
/// O(k) memory instead of O(n log n) and O(n).
final class SortCursor: RowCursor {
    private typealias Entry = (keys: [Value], position: Int, row: Row)
    private let source: any RowCursor
    private let keys: [OrderKey]
    private let keep: Int?
    private var sorted: [Row]?
    private var index = 0

    init(_ source: any RowCursor, keys: [OrderKey], keep: Int? = nil) {
        self.source = source
        self.keys = keys
        self.keep = keep
    }

    func next() throws(SQLError) -> Row? {
        if sorted == nil { sorted = try sortAll() }
        guard let rows = sorted, index < rows.count else { return nil }
        defer { index += 1 }
        return rows[index]
    }

    private func sortAll() throws(SQLError) -> [Row] {
        var entries: [Entry] = []
        var position = 0
        let directions = keys.map(\.direction)
        func precedes(_ a: Entry, _ b: Entry) -> Bool {
            for (i, direction) in directions.enumerated() {
                let c = Value.sortOrder(a.keys[i], b.keys[i])
                if c != 0 { return direction == .ascending ? c < 0 : c > 0 }
            }
            return a.position < b.position
        }
        /// Whether a new input row sorts before a kept entry; ties lose (the row came later).
        func precedes(_ row: Row, _ kept: Entry) throws(SQLError) -> Bool {
            for (i, key) in keys.enumerated() {
                let c = Value.sortOrder(try key.expression.evaluate(row), kept.keys[i])
                if c != 0 { return key.direction == .ascending ? c < 0 : c > 0 }
            }
            return false
        }
        let limit = keep.map { max($0, 1) }
        // Cut back when the buffer holds twice what is kept (never, for huge limits).
        let threshold = limit.map { $0 <= (Int.max - 1024) / 2 ? 2 * $0 + 1024 : Int.max } ?? Int.max
        // Once the buffer has been cut back, its last entry is the worst row still kept: a new
        // row that does not sort before it (ties lose: it came later) can never be kept, so it
        // is dropped at once instead of being buffered and sorted. That makes `LIMIT k` over a
        // long input cost about one comparison per row.
        var worstKept: Entry?
        // The same early reject, offered to the input on the first key when it is a plain
        // column: a table scan then tests that one stored value and builds no row for the
        // (nearly all) rows that cannot make the cut. Ties on the first key are admitted when
        // later keys could still break them.
        var worstFirstKey: Value?
        if limit != nil, let first = keys.first, case .column(let column) = first.expression {
            let ascending = first.direction == .ascending, tiesMayWin = keys.count > 1
            _ = source.offer(RowSieve(column: column) { value in
                guard let worst = worstFirstKey else { return true }
                let c = Value.sortOrder(value, worst)
                return c == 0 ? tiesMayWin : (ascending ? c < 0 : c > 0)
            })
        }
        while let row = try source.next() {
            // Against the worst row kept, decide key by key before building an entry: most
            // rows of a long input lose on the first key and cost no allocation.
            if let worst = worstKept, try !precedes(row, worst) { continue }
            var values: [Value] = []
            values.reserveCapacity(keys.count)
            for key in keys { values.append(try key.expression.evaluate(row)) }
            entries.append((keys: values, position: position, row: row))
            position += 1
            if let limit, entries.count >= threshold {
                entries.sort(by: precedes)
                entries.removeSubrange(limit...)
                worstKept = entries.last
                worstFirstKey = worstKept?.keys.first
            }
        }
        entries.sort(by: precedes)
        if let limit, entries.count > limit { entries.removeSubrange(limit...) }
        return entries.map(\.row)
    }
}
