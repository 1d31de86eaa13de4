/// Plans drawn as trees of text, for EXPLAIN and `.explain steps`:
///
///     Projection: a.id, b.value
///     └─ HashJoin: inner on a.id = b.id
///        ├─ Scan: test as a (a.value = 'a')
///        └─ Scan: test as b
///
/// Lines fit a width (80 columns by default): long expressions are cut with "…". Under
/// EXPLAIN ANALYZE each node also shows the rows it produced and the time spent in it
/// (including its inputs). The `Inspect` module's `PlanDrawing` is the public face of this.
extension Plan {
    /// The plan as a tree; `profile` adds EXPLAIN ANALYZE's measurements.
    public func drawn(width: Int = 80, profile: Profile? = nil) -> String {
        var lines: [String] = []
        let header: String?
        switch self {
        case .select: header = nil
        case .createTable(let table): header = "CreateTable: \(table.name) (\(table.visibleColumns.map(\.name).joined(separator: ", ")))"
        case .dropTable(let name, let ifExists): header = "DropTable: \(name)\(ifExists ? " if exists" : "")"
        case .createIndex(let name, let table, let column, let unique):
            header = "CreateIndex: \(name) on \(table).\(column)\(unique ? " unique" : "")"
        case .dropIndex(let name, let ifExists): header = "DropIndex: \(name)\(ifExists ? " if exists" : "")"
        case .insert(let table, let rows): header = "Insert: \(table.name) (\(rows.count) row\(rows.count == 1 ? "" : "s"))"
        case .update(let table, let source, let assignments):
            let labels = source.columns
            let sets = assignments.map { a -> String in
                let name = table.columns.indices.contains(a.column) ? table.columns[a.column].name : "#\(a.column)"
                return "\(name) = \(a.expression.display(labels))"
            }
            header = "Update: \(table.name) (\(sets.joined(separator: ", ")))"
        case .delete(let table, _): header = "Delete: \(table.name)"
        case .insertQuery(let table, _): header = "Insert: \(table.name) (from a query)"
        case .createTableAs(let name, let columns, _, _):
            header = "CreateTable: \(name) (\(columns.joined(separator: ", "))) from a query"
        }
        if let header { lines.append(PlanText.fit(header, width: width)) }
        if let root {
            var counter = 0
            PlanText.draw(root, prefix: header == nil ? "" : "└─ ",
                          childPrefix: header == nil ? "" : "   ", width: width,
                          profile: profile, counter: &counter, into: &lines)
        }
        return lines.joined(separator: "\n")
    }
}

extension Node {
    /// The node's own line: its kind and what it does, e.g. `Scan: test as a (a.id > 3)`.
    public var title: String {
        switch self {
        case .scan(let table, let alias, let filter):
            var text = "Scan: \(table.name)\(alias.map { " as \($0)" } ?? "")"
            // The key interval before the filter: a long filter is cut at the screen's edge.
            if let interval = KeyInterval(filter: filter, table: table) {
                text += " " + interval.display(column: table.columns[table.primaryKey].name)
            }
            if let filter { text += " (\(filter.display(columns)))" }
            return text
        case .keyLookup(let table, let alias, let ids):
            return "KeyLookup: \(table.name)\(alias.map { " as \($0)" } ?? "") (\(ids.map(\.description).joined(separator: ", ")))"
        case .indexLookup(let table, let alias, let column, let values):
            let name = table.columns.indices.contains(column) ? table.columns[column].name : "#\(column)"
            return "IndexLookup: \(table.name).\(name)\(alias.map { " as \($0)" } ?? "") (\(values.map(\.description).joined(separator: ", ")))"
        case .filter(let source, let predicate):
            return "Filter: \(predicate.display(source.columns))"
        case .projection(let source, let expressions, let labels):
            let input = source.columns
            let items = expressions.enumerated().map { i, e -> String in
                let text = e.display(input)
                if labels.indices.contains(i), let name = labels[i].name, labels[i].table == nil, name != text {
                    return "\(text) as \(name)"
                }
                return text
            }
            return "Projection: \(items.joined(separator: ", "))"
        case .nestedLoopJoin(let left, let right, let predicate, let outer):
            var text = "NestedLoopJoin: \(outer ? "outer" : "inner")"
            if let predicate { text += " on \(predicate.display(left.columns + right.columns))" }
            return text
        case .hashJoin(let left, let leftColumn, let right, let rightColumn, let outer):
            let l = Expression.column(leftColumn).display(left.columns)
            let r = Expression.column(rightColumn).display(right.columns)
            return "HashJoin: \(outer ? "outer" : "inner") on \(l) = \(r)"
        case .lookupJoin(let left, let leftColumn, let table, let alias, let column, let filter, let outer):
            let qualifier = alias ?? table.name
            let name = table.columns.indices.contains(column) ? table.columns[column].name : "#\(column)"
            let key = column == table.primaryKey ? "primary key of \(table.name)" : "index on \(table.name).\(name)"
            var text = "LookupJoin: \(outer ? "outer" : "inner") on \(Expression.column(leftColumn).display(left.columns))"
                + " = \(qualifier).\(name) (by \(key))"
            if let filter {
                text += " where \(filter.display(table.columns.map { Label(table: qualifier, name: $0.name) }))"
            }
            return text
        case .apply(let source, _, let kind):
            switch kind {
            case .scalar: return "Apply: scalar subquery"
            case .exists: return "Apply: EXISTS"
            case .in(let operand): return "Apply: \(operand.display(source.columns)) IN subquery"
            }
        case .semiJoin(let left, let leftColumn, let right, let rightColumn, let anti):
            let l = Expression.column(leftColumn).display(left.columns)
            let r = Expression.column(rightColumn).display(right.columns)
            return "\(anti ? "AntiJoin" : "SemiJoin"): on \(l) = \(r)"
        case .setOperation(_, _, let operation, let all):
            return "SetOperation: \(operation.rawValue)\(all ? " ALL" : "")"
        case .aggregate(let source, let groupBy, let aggregates):
            let input = source.columns
            let items = groupBy.map { $0.display(input) } + aggregates.map { $0.display(input) }
            return "Aggregate: \(items.joined(separator: ", "))"
        case .order(let source, let keys):
            let input = source.columns
            return "Order: " + keys.map { "\($0.expression.display(input)) \($0.direction == .ascending ? "asc" : "desc")" }
                .joined(separator: ", ")
        case .limit(_, let count): return "Limit: \(count)"
        case .offset(_, let count): return "Offset: \(count)"
        case .distinct: return "Distinct"
        case .values(let rows, _):
            if rows.count == 1, rows[0].isEmpty { return "Values: blank row" }
            return "Values: \(rows.count) row\(rows.count == 1 ? "" : "s")"
        case .nothing: return "Nothing"
        }
    }
}

/// Helpers for drawing trees of text.
enum PlanText {
    static func draw(_ node: Node, prefix: String, childPrefix: String, width: Int, profile: Profile?,
                     counter: inout Int, into lines: inout [String]) {
        let id = counter
        counter += 1
        var stats = ""
        if let profile {
            let s = profile.nodes[id] ?? Profile.NodeStats()
            stats = "  [rows \(s.rows), \(formatDuration(s.nanoseconds))]"
        }
        let room = max(10, width - prefix.count - stats.count)
        lines.append(prefix + fit(node.title, width: room) + stats)
        let children = node.children
        if let scan = profile?.nodes[id]?.scan {
            let under = childPrefix + (children.isEmpty ? "   " : "│  ")
            lines.append(under + "examined \(scan.examined) row\(scan.examined == 1 ? "" : "s"), returned \(profile?.nodes[id]?.rows ?? 0)")
            if let v = scan.versions {
                let skipped = [(v.uncommitted, "uncommitted"), (v.newer, "newer"), (v.replaced, "replaced"),
                               (v.deleted, "deleted")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
                lines.append(under + "MVCC: read \(v.read) version\(v.read == 1 ? "" : "s")"
                             + (skipped.isEmpty ? ", none skipped" : ", skipped " + skipped.joined(separator: ", ")))
            }
        }
        for (i, child) in children.enumerated() {
            let last = i == children.count - 1
            draw(child, prefix: childPrefix + (last ? "└─ " : "├─ "),
                 childPrefix: childPrefix + (last ? "   " : "│  "), width: width, profile: profile,
                 counter: &counter, into: &lines)
        }
    }

    /// Cuts `text` to `width` characters, ending with "…" when something was cut.
    static func fit(_ text: String, width: Int) -> String {
        guard text.count > width, width > 1 else { return text }
        return String(text.prefix(width - 1)) + "…"
    }

    static func formatDuration(_ nanoseconds: UInt64) -> String {
        let ms = Double(nanoseconds) / 1_000_000
        if ms < 1 { return "\(Double(Int(ms * 1000)) / 1000) ms" }
        if ms < 1000 { return "\(Double(Int(ms * 100)) / 100) ms" }
        return "\(Double(Int(ms / 10)) / 100) s"
    }
}
