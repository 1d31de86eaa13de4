/// A lookup join: for the left rows, fetch the matching rows of a table by key instead of
/// reading the whole table. With a primary key each match is one `get`; with an indexed column
/// the index gives the keys first. Left rows are taken in batches, so a thousand left rows cost
/// one round of lookups (one message on a cluster, one walk through the storage's B-tree), not
/// a thousand.
///
/// A batch's join keys are sorted once; every left row remembers the position of its key in
/// that sorted list (its *slot*), and the fetched rows are filed under the same slots. So no
/// key is hashed: sorting is what deduplicates the keys, and the storage wants them sorted anyway.
final class LookupJoinCursor: RowCursor {
    private static let batchSize = 1_000
    private let left: any RowCursor
    private let leftColumn: Int
    private let table: Table
    private let column: Int
    private let filter: Expression?
    private let outer: Bool
    /// The table's columns anyone reads (nil: all); the others are left NULL, not decoded.
    private let reading: Set<Int>?
    /// `reading` as flags for `RowCodec.decode`.
    private let keeping: [Bool]?
    /// Whether the parents read no column of the joined rows at all (a COUNT(*) above): then
    /// one shared row of NULLs stands for every joined row, and no row is decoded or built.
    private let readsNothing: Bool
    @exclusivity(unchecked) private var blank: Row = []
    private let transaction: any Transaction
    /// A row found for the batch: decoded already (it had to pass the filter, or show its
    /// indexed column's value), or still as stored, decoded only when it is joined.
    private enum Found {
        case row(Row)
        case stored(StoredRow)
    }
    /// The current batch's left rows and the rows found for them, in slot order. (Unchecked
    /// exclusivity: only this cursor's own methods touch them, one at a time, and the
    /// runtime's checks cost more than the rest of a joined row's bookkeeping.)
    @exclusivity(unchecked) private var batch: [Row] = []
    @exclusivity(unchecked) private var found: [(slot: Int, row: Found)] = []
    /// The output rows still to return, as a left row's position in `batch` and its match's in
    /// `found` (-1: none, an outer join's NULLs). Each row is joined only when returned, so
    /// the consumer is done with it before the next is built: building all of a batch's rows
    /// up front held a thousand of them at once, which sent every allocation down the
    /// allocator's slow path.
    @exclusivity(unchecked) private var pending: [(left: Int, match: Int)] = []
    @exclusivity(unchecked) private var pendingIndex = 0

    init(left: any RowCursor, leftColumn: Int, table: Table, column: Int, filter: Expression?, outer: Bool,
         reading: Set<Int>?, readsNothing: Bool = false, transaction: any Transaction) {
        self.left = left
        self.leftColumn = leftColumn
        self.table = table
        self.column = column
        self.filter = filter
        self.outer = outer
        self.reading = reading
        keeping = RowCodec.keeping(reading, columns: table.columns.count)
        self.readsNothing = readsNothing
        self.transaction = transaction
    }

    func next() throws(SQLError) -> Row? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            batch.removeAll(keepingCapacity: true)
            found.removeAll(keepingCapacity: true)
            pendingIndex = 0
            while batch.count < LookupJoinCursor.batchSize, let row = try left.next() { batch.append(row) }
            if batch.isEmpty { return nil }
            try join()
        }
        let (left, match) = pending[pendingIndex]
        pendingIndex += 1
        let leftRow = batch[left]
        if readsNothing {
            if blank.count != leftRow.count + table.columns.count {
                blank = Array(repeating: .null, count: leftRow.count + table.columns.count)
            }
            return blank
        }
        guard match >= 0 else { return leftRow + Array(repeating: .null, count: table.columns.count) }
        switch found[match].row {
        case .row(let row):
            return leftRow + row
        case .stored(let stored):
            // Decoded with room for the left row's values in front, which then fill it in
            // place: one row built, not two and then a third joining them.
            var row = try RowCodec.decode(stored.bytes, keeping: keeping, leading: leftRow.count)
            guard row.count == leftRow.count + table.columns.count else {
                throw SQLError(.storage, "corrupt row in table \(table.name): \(row.count - leftRow.count) values for \(table.columns.count) columns")
            }
            for index in leftRow.indices { row[index] = leftRow[index] }
            return row
        }
    }

    private func join() throws(SQLError) {
        guard table.columns.indices.contains(column) else {
            throw SQLError(.semantic, "column #\(column) of \(table.name) does not exist")
        }
        let (keys, slots) = try sortedKeys()
        // The matching rows, each filed under its key's slot, in slot order.
        if !keys.isEmpty {
            if column == table.primaryKey && filter == nil {
                // Rows come back in key order, each with its key's position: its slot.
                for (slot, stored) in try transaction.getStored(table: table.name, ids: keys) {
                    found.append((slot, .stored(stored)))
                }
            } else if column == table.primaryKey {
                // Rows come back in key order, one per key that exists: a merge files them.
                var slot = 0
                for row in try transaction.get(table: table.name, ids: keys, reading: reading) where row.indices.contains(column) {
                    while slot < keys.count, Value.sortOrder(keys[slot], row[column]) < 0 { slot += 1 }
                    guard slot < keys.count, Value.sortOrder(keys[slot], row[column]) == 0 else { continue }
                    if let filter, try !filter.test(row) { continue }
                    found.append((slot, .row(row)))
                }
            } else {
                // The index gives ids; the rows they name come back in id order, so each one
                // finds its key's slot by a binary search, and a stable sort groups them.
                let ids = Executor.sortedUnique(try transaction.lookupIndex(table: table.name,
                                                                            column: table.columns[column].name,
                                                                            values: keys))
                if !ids.isEmpty {
                    for row in try transaction.get(table: table.name, ids: ids, reading: reading) where row.indices.contains(column) {
                        guard let slot = Self.slot(of: row[column], in: keys) else { continue }
                        if let filter, try !filter.test(row) { continue }
                        found.append((slot, .row(row)))
                    }
                    found = found.enumerated()
                        .sorted { $0.element.slot != $1.element.slot ? $0.element.slot < $1.element.slot : $0.offset < $1.offset }
                        .map(\.element)
                }
            }
        }
        // start[slot]..<start[slot + 1]: where the slot's matches sit in `found`.
        var start = Array(repeating: 0, count: keys.count + 1)
        for entry in found where keys.indices.contains(entry.slot) { start[entry.slot + 1] += 1 }
        for slot in keys.indices { start[slot + 1] += start[slot] }
        for index in batch.indices {
            let slot = slots[index]
            let matches = slot >= 0 ? start[slot]..<start[slot + 1] : 0..<0
            for match in matches { pending.append((index, match)) }
            if matches.isEmpty && outer { pending.append((index, -1)) }
        }
    }

    /// The batch's lookup keys in key order without duplicates, and for each left row the
    /// position of its key among them (-1: its value can match nothing).
    private func sortedKeys() throws(SQLError) -> (keys: [Value], slots: [Int]) {
        var keyed: [(key: Value, row: Int)] = []
        keyed.reserveCapacity(batch.count)
        for (index, row) in batch.enumerated() {
            guard row.indices.contains(leftColumn) else { throw SQLError(.semantic, "join column #\(leftColumn) is out of range") }
            if let key = lookupKey(row[leftColumn]) { keyed.append((key, index)) }
        }
        keyed.sort { Value.sortOrder($0.key, $1.key) < 0 }
        var keys: [Value] = []
        var slots = Array(repeating: -1, count: batch.count)
        for entry in keyed {
            if let last = keys.last, Value.sortOrder(last, entry.key) == 0 {
                slots[entry.row] = keys.count - 1
            } else {
                slots[entry.row] = keys.count
                keys.append(entry.key)
            }
        }
        return (keys, slots)
    }

    /// The position of `value` in the sorted `keys`, or nil.
    private static func slot(of value: Value, in keys: [Value]) -> Int? {
        var (low, high) = (0, keys.count)
        while low < high {
            let middle = (low + high) / 2
            let order = Value.sortOrder(keys[middle], value)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
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
