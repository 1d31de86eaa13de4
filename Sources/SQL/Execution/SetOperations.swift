/// UNION, INTERSECT and EXCEPT, with and without ALL.
///
/// Rows are compared as DISTINCT compares them (NULL equals NULL, 1 equals 1.0). Without ALL
/// the result is a set: each distinct row once. With ALL it is a multiset: UNION ALL keeps
/// every row, INTERSECT ALL a row as often as it is on both sides, EXCEPT ALL as often as it is
/// on the left more than on the right.
final class SetOperationCursor: RowCursor {
    private let left: any RowCursor
    private let right: any RowCursor
    private let operation: AST.SetOperator
    private let all: Bool
    /// How often each row is on the right (INTERSECT, EXCEPT), loaded before the left streams.
    private var rightCounts: [RowKey: Int]?
    /// Rows already passed on (the set forms).
    private var seen = Set<RowKey>()
    private var leftDone = false
    /// Each column's type so far, to refuse mixing types as a column of one table can't.
    private var types: [DataType?] = []

    init(left: any RowCursor, right: any RowCursor, operation: AST.SetOperator, all: Bool) {
        self.left = left
        self.right = right
        self.operation = operation
        self.all = all
    }

    func next() throws(SQLError) -> Row? {
        switch operation {
        case .union:
            while true {
                let row: Row
                if !leftDone, let l = try left.next() {
                    row = l
                } else {
                    leftDone = true
                    guard let r = try right.next() else { return nil }
                    row = r
                }
                try check(row)
                if all || seen.insert(RowKey(row)).inserted { return row }
            }
        case .intersect, .except:
            if rightCounts == nil {
                var counts: [RowKey: Int] = [:]
                while let row = try right.next() {
                    try check(row)
                    counts[RowKey(row), default: 0] += 1
                }
                rightCounts = counts
            }
            while let row = try left.next() {
                try check(row)
                let key = RowKey(row)
                let onRight = rightCounts?[key] ?? 0
                if operation == .intersect {
                    guard onRight > 0 else { continue }
                    if all { rightCounts?[key] = onRight - 1; return row }
                    if seen.insert(key).inserted { return row }
                } else {
                    if all {
                        if onRight > 0 { rightCounts?[key] = onRight - 1; continue }
                        return row
                    }
                    if onRight == 0 && seen.insert(key).inserted { return row }
                }
            }
            return nil
        }
    }

    private func check(_ row: Row) throws(SQLError) {
        if types.isEmpty { types = Array(repeating: nil, count: row.count) }
        func numeric(_ type: DataType) -> Bool { type == .integer || type == .float }
        for (i, value) in row.enumerated() where i < types.count {
            guard let type = value.dataType else { continue }
            guard let known = types[i] else { types[i] = type; continue }
            if known != type && !(numeric(known) && numeric(type)) {
                throw SQLError(.type, "\(operation.rawValue) column \(i + 1) mixes \(known.rawValue) and \(type.rawValue) values")
            }
        }
    }
}
