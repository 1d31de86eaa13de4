/// A lookup join: for the left rows, fetch the matching rows of a table by key instead of
/// reading the whole table. With a primary key each match is one `get`; with an indexed column
/// the index gives the keys first. Left rows are taken in batches, so a thousand left rows cost
/// one round of lookups (one message on a cluster), not a thousand.
final class LookupJoinCursor: RowCursor {
    private static let batchSize = 1_000
    private let left: any RowCursor
    private let leftColumn: Int
    private let table: Table
    private let column: Int
    private let filter: Expression?
    private let outer: Bool
    private let transaction: any Transaction
    private var pending: [Row] = []
    private var pendingIndex = 0

    init(left: any RowCursor, leftColumn: Int, table: Table, column: Int, filter: Expression?, outer: Bool,
         transaction: any Transaction) {
        self.left = left
        self.leftColumn = leftColumn
        self.table = table
        self.column = column
        self.filter = filter
        self.outer = outer
        self.transaction = transaction
    }

    func next() throws(SQLError) -> Row? {
        while pendingIndex >= pending.count {
            pending = []
            pendingIndex = 0
            var batch: [Row] = []
            while batch.count < LookupJoinCursor.batchSize, let row = try left.next() { batch.append(row) }
            if batch.isEmpty { return nil }
            try join(batch)
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private func join(_ batch: [Row]) throws(SQLError) {
        guard table.columns.indices.contains(column) else {
            throw SQLError(.semantic, "column #\(column) of \(table.name) does not exist")
        }
        var keys: [Value] = []
        for row in batch {
            guard row.indices.contains(leftColumn) else { throw SQLError(.semantic, "join column #\(leftColumn) is out of range") }
            if let key = lookupKey(row[leftColumn]) { keys.append(key) }
        }
        var ids = Executor.sortedUnique(keys)
        if column != table.primaryKey, !ids.isEmpty {
            ids = Executor.sortedUnique(try transaction.lookupIndex(table: table.name, column: table.columns[column].name,
                                                                    values: ids))
        }
        var matches: [ValueKey: [Row]] = [:]
        if !ids.isEmpty {
            for row in try transaction.get(table: table.name, ids: ids) where row.indices.contains(column) {
                if let filter, try !filter.test(row) { continue }
                matches[ValueKey(row[column]), default: []].append(row)
            }
        }
        for row in batch {
            let found = lookupKey(row[leftColumn]).flatMap { matches[ValueKey($0)] } ?? []
            for match in found { pending.append(row + match) }
            if found.isEmpty && outer { pending.append(row + Array(repeating: .null, count: table.columns.count)) }
        }
    }

    /// The value as the key column stores it, or nil if it can equal no stored value (NULL,
    /// NaN, another type, a fraction for an integer column).
    private func lookupKey(_ value: Value) -> Value? {
        switch (value, table.columns[column].dataType) {
        case (.null, _): return nil
        case (.float(let f), .float): return f.isNaN ? nil : .float(f == 0 ? 0 : f)
        case (.integer(let i), .float): return .float(Double(i))
        case (.float(let f), .integer):
            guard f.isFinite, f == f.rounded(), abs(f) < 9.0e18 else { return nil }
            return .integer(Int64(f))
        case (_, let type): return value.dataType == type ? value : nil
        }
    }
}
