/// Joins: combine each left row with the matching right rows.

/// For every left row, tries every right row. The right side is read once and kept in memory;
/// the left side streams. O(n·m) predicate evaluations — fine for small inputs or when there
/// is no equality to hash on.
final class NestedLoopJoinCursor: RowCursor {
    private let left: any RowCursor
    private let right: any RowCursor
    private let rightWidth: Int
    private let predicate: Expression?
    private let outer: Bool
    private var rightRows: [Row]?
    private var current: Row?
    private var rightIndex = 0
    private var matched = false

    init(left: any RowCursor, right: any RowCursor, rightWidth: Int, predicate: Expression?, outer: Bool) {
        self.left = left
        self.right = right
        self.rightWidth = rightWidth
        self.predicate = predicate
        self.outer = outer
    }

    func next() throws(SQLError) -> Row? {
        if rightRows == nil {
            var rows: [Row] = []
            while let row = try right.next() { rows.append(row) }
            rightRows = rows
        }
        let rights = rightRows ?? []
        while true {
            if current == nil {
                guard let row = try left.next() else { return nil }
                current = row
                rightIndex = 0
                matched = false
            }
            guard let leftRow = current else { return nil }
            while rightIndex < rights.count {
                let joined = leftRow + rights[rightIndex]
                rightIndex += 1
                if try predicate?.test(joined) ?? true {
                    matched = true
                    return joined
                }
            }
            current = nil
            if outer && !matched {
                return leftRow + Array(repeating: .null, count: rightWidth)
            }
        }
    }
}

/// An equi-join: reads the right side once into a hash table keyed by its join column, then
/// streams the left side, probing the table per row. O(n + m). NULL never matches anything.
final class HashJoinCursor: RowCursor {
    private let left: any RowCursor
    private let leftColumn: Int
    private let right: any RowCursor
    private let rightColumn: Int
    private let rightWidth: Int
    private let outer: Bool
    private var table: [ValueKey: [Row]]?
    private var pending: [Row] = []

    init(left: any RowCursor, leftColumn: Int, right: any RowCursor, rightColumn: Int,
         rightWidth: Int, outer: Bool) {
        self.left = left
        self.leftColumn = leftColumn
        self.right = right
        self.rightColumn = rightColumn
        self.rightWidth = rightWidth
        self.outer = outer
    }

    func next() throws(SQLError) -> Row? {
        if table == nil { table = try build() }
        while true {
            if !pending.isEmpty { return pending.removeLast() }
            guard let leftRow = try left.next() else { return nil }
            guard leftRow.indices.contains(leftColumn) else {
                throw SQLError(.semantic, "join column #\(leftColumn) is out of range")
            }
            let key = leftRow[leftColumn]
            if HashJoinCursor.joinable(key), let matches = table?[ValueKey(key)] {
                // Reversed, so removeLast() hands them out in right-side order.
                pending = matches.reversed().map { leftRow + $0 }
            } else if outer {
                return leftRow + Array(repeating: .null, count: rightWidth)
            }
        }
    }

    /// NULL and NaN equal nothing under `=`, so they never enter or probe the table.
    static func joinable(_ key: Value) -> Bool {
        switch key {
        case .null: false
        case .float(let f): !f.isNaN
        default: true
        }
    }

    private func build() throws(SQLError) -> [ValueKey: [Row]] {
        var table: [ValueKey: [Row]] = [:]
        while let row = try right.next() {
            guard row.indices.contains(rightColumn) else {
                throw SQLError(.semantic, "join column #\(rightColumn) is out of range")
            }
            let key = row[rightColumn]
            if !HashJoinCursor.joinable(key) { continue }
            table[ValueKey(key), default: []].append(row)
        }
        return table
    }
}
