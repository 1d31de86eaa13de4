/// The executor: runs a plan against one transaction.
///
/// A query plan becomes a tree of cursors, one per plan node, each pulling rows from its
/// children on demand (the Volcano or iterator model, after Graefe's 1994 paper). Nothing is
/// computed until the root is asked for a row, and a node only asks its input for as many rows
/// as it needs: `LIMIT 10` over a scan of a million rows reads ten of them. Only the nodes that
/// must see their whole input before answering — ORDER BY, aggregation, the build side of a
/// hash join, the inner side of a nested-loop join — hold rows in memory.
///
/// Writes (INSERT, UPDATE, DELETE) first collect what to change by running their source query
/// to the end, then hand the batch to the engine, so a statement never reads its own writes.
public struct Executor {
    public let transaction: any Transaction
    /// Per-node row counts and times, filled when running under EXPLAIN ANALYZE.
    let profile: Profile?

    public init(transaction: any Transaction) {
        self.transaction = transaction
        self.profile = nil
    }

    init(transaction: any Transaction, profile: Profile?) {
        self.transaction = transaction
        self.profile = profile
    }

    /// Runs a whole plan and returns what it produced.
    public func execute(_ plan: Plan) throws(SQLError) -> StatementResult {
        switch plan {
        case .select(let node):
            let cursor = try self.cursor(for: node)
            var rows: [Row] = []
            while let row = try cursor.next() { rows.append(row) }
            return .query(columns: node.columns.map { $0.name ?? "?" }, rows: rows)
        case .createTable(let table):
            try transaction.createTable(table)
            return .createTable(name: table.name)
        case .createTableAs(let name, let names, let types, let source):
            let cursor = try self.cursor(for: source)
            var rows: [Row] = []
            while let row = try cursor.next() { rows.append(row.map(\.normalized) + [.null]) }
            let columns = names.enumerated().map { i, column in
                let type = types[i] ?? rows.lazy.compactMap { $0.indices.contains(i) ? $0[i].dataType : nil }.first
                return Column(name: column, dataType: type ?? .string, defaultValue: .null)
            }
            try transaction.createTable(Table(keylessNamed: name, columns: columns))
            if !rows.isEmpty { try transaction.insert(table: name, rows: rows) }
            return .createTable(name: name)
        case .dropTable(let name, let ifExists):
            let existed = try transaction.dropTable(name)
            if !existed && !ifExists { throw SQLError(.semantic, "table \(name) does not exist") }
            return .dropTable(name: name, existed: existed)
        case .createIndex(let name, let table, let column, let unique):
            try transaction.createIndex(name: name, table: table, column: column, unique: unique)
            return .createIndex(name: name)
        case .dropIndex(let name, let ifExists):
            let existed = try transaction.dropIndex(name: name)
            if !existed && !ifExists { throw SQLError(.semantic, "index \(name) does not exist") }
            return .dropIndex(name: name, existed: existed)
        case .insert(let table, let expressionRows):
            var rows: [Row] = []
            rows.reserveCapacity(expressionRows.count)
            for expressions in expressionRows {
                var row: Row = []
                row.reserveCapacity(expressions.count)
                for e in expressions { row.append(try e.evaluate([]).normalized) }
                rows.append(row)
            }
            try transaction.insert(table: table.name, rows: rows)
            return .insert(count: rows.count)
        case .insertQuery(let table, let source):
            let cursor = try self.cursor(for: source)
            var rows: [Row] = []
            while let row = try cursor.next() { rows.append(row.map(\.normalized)) }
            if !rows.isEmpty { try transaction.insert(table: table.name, rows: rows) }
            return .insert(count: rows.count)
        case .update(let table, let source, let assignments):
            let cursor = try self.cursor(for: source)
            var updates: [Value: Row] = [:]
            while let row = try cursor.next() {
                guard row.indices.contains(table.primaryKey) else {
                    throw SQLError(.semantic, "row of \(table.name) has no primary key column")
                }
                // Columns past the table's own are answers of subqueries in SET.
                var new = Array(row.prefix(table.columns.count))
                for assignment in assignments where new.indices.contains(assignment.column) {
                    new[assignment.column] = try assignment.expression.evaluate(row).normalized
                }
                updates[row[table.primaryKey]] = new
            }
            if !updates.isEmpty { try transaction.update(table: table.name, rows: updates) }
            return .update(count: updates.count)
        case .delete(let table, let source):
            let cursor = try self.cursor(for: source)
            var ids: [Value] = []
            while let row = try cursor.next() {
                guard row.indices.contains(table.primaryKey) else {
                    throw SQLError(.semantic, "row of \(table.name) has no primary key column")
                }
                ids.append(row[table.primaryKey])
            }
            if !ids.isEmpty { try transaction.delete(table: table.name, ids: ids) }
            return .delete(count: ids.count)
        }
    }

    /// Builds the cursor tree for `node`. Rows flow only when the root's `next()` is called.
    public func cursor(for node: Node) throws(SQLError) -> any RowCursor {
        var counter = 0
        return try build(node, &counter, wanted: nil, reading: nil)
    }

    /// `wanted`: at most how many rows the parents will pull (from LIMIT, plus OFFSET), passed
    /// down through nodes that keep row counts — so ORDER BY … LIMIT 10 keeps only the best
    /// ten rows while sorting instead of sorting everything.
    ///
    /// `reading`: the only input columns the parents look at (nil: any), passed down from a
    /// projection or aggregate through nodes that pass rows on whole — so a scan under
    /// `SELECT id, val` need not decode the other columns.
    private func build(_ node: Node, _ counter: inout Int, wanted: Int?, reading: Set<Int>?) throws(SQLError) -> any RowCursor {
        let id = counter
        counter += 1
        let childWanted: Int?
        switch node {
        case .limit(_, let count): childWanted = min(count, wanted ?? .max)
        case .offset(_, let count): childWanted = wanted.map { $0.addingReportingOverflow(count).overflow ? .max : $0 + count }
        case .projection: childWanted = wanted
        default: childWanted = nil
        }
        let childReading: Set<Int>?
        switch node {
        case .projection(_, let expressions, _):
            childReading = expressions.reduce(into: []) { $0.formUnion($1.referencedColumns) }
        case .aggregate(_, let groupBy, let aggregates):
            childReading = (groupBy + aggregates.map(\.argument)).reduce(into: []) { $0.formUnion($1.referencedColumns) }
        case .filter(_, let predicate): childReading = reading?.union(predicate.referencedColumns)
        case .order(_, let keys): childReading = reading?.union(keys.flatMap(\.expression.referencedColumns))
        case .limit, .offset: childReading = reading
        case .lookupJoin(let left, let leftColumn, _, _, _, _, _):
            // The left row comes first in each joined row; the left side also needs its join column.
            let width = left.columns.count
            childReading = reading.map { $0.filter { $0 < width }.union([leftColumn]) }
        default: childReading = nil
        }
        var inputs: [any RowCursor] = []
        var children = node.children
        var unbuilt = 0
        if case .apply(let source, let subquery, _) = node {
            // The subquery runs later, once per binding, unprofiled: skip its drawing's ids.
            children = [source]
            unbuilt = subquery.nodeCount
        }
        for (index, child) in children.enumerated() {
            var reads = childReading
            // A semi-join passes its left rows on whole and reads one column of each side.
            if case .semiJoin(_, let leftColumn, _, let rightColumn, _) = node {
                reads = index == 0 ? reading?.union([leftColumn]) : [rightColumn]
            }
            inputs.append(try build(child, &counter, wanted: childWanted, reading: reads))
        }
        counter += unbuilt
        let cursor: any RowCursor
        switch node {
        case .scan(let table, _, let filter):
            cursor = try transaction.scan(table: table.name, filter: filter, reading: reading)
        case .keyLookup(let table, _, let ids):
            cursor = ArrayCursor(try transaction.get(table: table.name, ids: Executor.sortedUnique(ids)))
        case .indexLookup(let table, _, let column, let values):
            guard table.columns.indices.contains(column) else {
                throw SQLError(.semantic, "column #\(column) of \(table.name) does not exist")
            }
            let ids = try transaction.lookupIndex(table: table.name, column: table.columns[column].name,
                                                  values: values)
            cursor = ArrayCursor(try transaction.get(table: table.name, ids: Executor.sortedUnique(ids)))
        case .filter(_, let predicate):
            cursor = FilterCursor(try input(inputs, 0), predicate)
        case .projection(_, let expressions, _):
            cursor = ProjectionCursor(try input(inputs, 0), expressions)
        case .nestedLoopJoin(_, let right, let predicate, let outer):
            cursor = NestedLoopJoinCursor(left: try input(inputs, 0), right: try input(inputs, 1),
                                          rightWidth: right.columns.count, predicate: predicate, outer: outer)
        case .hashJoin(_, let leftColumn, let right, let rightColumn, let outer):
            cursor = HashJoinCursor(left: try input(inputs, 0), leftColumn: leftColumn,
                                    right: try input(inputs, 1), rightColumn: rightColumn,
                                    rightWidth: right.columns.count, outer: outer)
        case .lookupJoin(let left, let leftColumn, let table, _, let column, let filter, let outer):
            // The looked-up table's columns the parents, the join and its filter read.
            let width = left.columns.count
            let tableReading = reading.map { reading in
                Set(reading.filter { $0 >= width }.map { $0 - width })
                    .union([column]).union(filter?.referencedColumns ?? [])
            }
            cursor = LookupJoinCursor(left: try input(inputs, 0), leftColumn: leftColumn, table: table,
                                      column: column, filter: filter, outer: outer, reading: tableReading,
                                      readsNothing: reading?.isEmpty == true, transaction: transaction)
        case .apply(_, let subquery, let kind):
            cursor = ApplyCursor(source: try input(inputs, 0), subquery: subquery, kind: kind,
                                 executor: Executor(transaction: transaction))
        case .semiJoin(_, let leftColumn, _, let rightColumn, let anti):
            cursor = SemiJoinCursor(left: try input(inputs, 0), leftColumn: leftColumn,
                                    right: try input(inputs, 1), rightColumn: rightColumn, anti: anti)
        case .setOperation(_, _, let operation, let all):
            cursor = SetOperationCursor(left: try input(inputs, 0), right: try input(inputs, 1),
                                        operation: operation, all: all)
        case .aggregate(_, let groupBy, let aggregates):
            cursor = AggregateCursor(try input(inputs, 0), groupBy: groupBy, aggregates: aggregates)
        case .order(_, let keys):
            cursor = SortCursor(try input(inputs, 0), keys: keys, keep: wanted)
        case .limit(_, let count):
            cursor = LimitCursor(try input(inputs, 0), count)
        case .offset(_, let count):
            cursor = OffsetCursor(try input(inputs, 0), count)
        case .distinct:
            cursor = DistinctCursor(try input(inputs, 0))
        case .values(let rows, _):
            var values: [Row] = []
            for expressions in rows {
                var row: Row = []
                for e in expressions { row.append(try e.evaluate([])) }
                values.append(row)
            }
            cursor = ArrayCursor(values)
        case .nothing:
            cursor = ArrayCursor([])
        }
        if let profile { return ProfiledCursor(cursor, id: id, profile: profile) }
        return cursor
    }

    private func input(_ inputs: [any RowCursor], _ i: Int) throws(SQLError) -> any RowCursor {
        guard inputs.indices.contains(i) else { throw SQLError(.semantic, "plan node is missing an input") }
        return inputs[i]
    }

    /// Keys in key order without duplicates, so lookups return rows like a scan would.
    /// Sorting puts equal keys side by side, so dropping each key equal to the one before
    /// removes the duplicates without hashing them (the first of equal keys stays).
    static func sortedUnique(_ ids: [Value]) -> [Value] {
        let order = ids.indices.sorted { lhs, rhs in
            let comparison = Value.sortOrder(ids[lhs], ids[rhs])
            return comparison != 0 ? comparison < 0 : lhs < rhs
        }
        var unique: [Value] = []
        unique.reserveCapacity(ids.count)
        for index in order {
            if let last = unique.last, Value.sortOrder(last, ids[index]) == 0 { continue }
            unique.append(ids[index])
        }
        return unique
    }
}
