/// The planner: from what a statement *says* (the AST) to what the database will *do* (a `Plan`).
///
/// It looks tables up in the catalog, resolves every name to a column position (reporting
/// unknown or ambiguous names, with suggestions), checks the rules of the language — a
/// selected column must be grouped or aggregated, LIMIT must be a non-negative constant — and
/// builds a straightforward, unoptimized tree for each SELECT:
///
///     FROM (scans and joins) → WHERE (filter) → GROUP BY (aggregate) → HAVING (filter)
///       → select list (projection, plus hidden columns ORDER BY needs) → ORDER BY (sort)
///       → drop hidden columns → DISTINCT → OFFSET → LIMIT
///
/// Making that tree fast is the optimizer's job, one named pass at a time.
public struct Planner {
    /// Where table definitions come from (the statement's transaction).
    let catalog: any Transaction

    public init(catalog: any Transaction) {
        self.catalog = catalog
    }

    /// Plans a statement. BEGIN, COMMIT, ROLLBACK and EXPLAIN are the session's business.
    public func plan(_ statement: Statement) throws(SQLError) -> Plan {
        switch statement {
        case .begin, .commit, .rollback, .explain:
            throw SQLError(.semantic, "this statement is handled by the session, not planned")
        case .createTable(let name, let columns):
            return .createTable(try planCreateTable(name, columns))
        case .createTableAs(let name, let query):
            return try planCreateTableAs(name, query)
        case .dropTable(let name, let ifExists):
            return .dropTable(name: name.value, ifExists: ifExists)
        case .createIndex(let name, let table, let column, let unique):
            let schema = try lookup(table)
            guard let position = schema.columnIndex(column.value) else {
                throw SQLError(.semantic, "unknown column '\(column.value)' in table \(schema.name)"
                               + Scope.suggestion(column.value, schema.columns.map(\.name)), at: column.position)
            }
            // A second index on a column only doubles the work of every write; a UNIQUE one
            // over a plain one is allowed, since it adds a rule.
            let existing = schema.columns[position]
            if let other = existing.indexes.first, !(unique && !existing.isUnique) {
                throw SQLError(.semantic, "column \(column.value) of \(schema.name) is already indexed by \(other)",
                               at: column.position)
            }
            return .createIndex(name: name.value, table: table.value, column: column.value, unique: unique)
        case .dropIndex(let name, let ifExists):
            return .dropIndex(name: name.value, ifExists: ifExists)
        case .insert(let table, let columns, let rows):
            return try planInsert(table, columns, rows)
        case .update(let table, let set, let predicate):
            let schema = try lookup(table)
            let scope = Scope(table: schema)
            let subqueries = SubqueryList(planner: self)
            var assignments: [Assignment] = []
            for item in set {
                guard let index = schema.columnIndex(item.column.value) else {
                    throw SQLError(.semantic, "unknown column '\(item.column.value)' in table \(schema.name)"
                                   + Scope.suggestion(item.column.value, schema.columns.map(\.name)),
                                   at: item.column.position)
                }
                let expression: Expression
                if case .default = item.value.kind {
                    expression = .constant(try defaultValue(schema.columns[index], at: item.value.position))
                } else {
                    expression = try ExpressionBuilder(scope: scope, clause: "UPDATE", subqueries: subqueries)
                        .build(item.value)
                }
                if assignments.contains(where: { $0.column == index }) {
                    throw SQLError(.semantic, "column \(item.column.value) set multiple times", at: item.column.position)
                }
                assignments.append(Assignment(column: index, expression: expression))
            }
            // Subqueries in SET are answered per row, in columns after the table's own.
            let (source, renumber) = try subqueries.attach(to: try planTableSource(schema, predicate))
            return .update(table: schema, source: source,
                           assignments: assignments.map { Assignment(column: $0.column, expression: renumber($0.expression)) })
        case .delete(let table, let predicate):
            let schema = try lookup(table)
            return .delete(table: schema, source: try planTableSource(schema, predicate))
        case .select(let select):
            return .select(try planQuery(select))
        case .insertSelect(let table, let columns, let query):
            let schema = try lookup(table)
            let targets = try insertTargets(schema, columns)
            let source = try planQuery(query)
            guard source.columns.count == targets.count else {
                throw SQLError(.semantic, "INSERT into \(schema.name) takes \(targets.count) column\(targets.count == 1 ? "" : "s"), "
                               + "but the query returns \(source.columns.count)", at: query.position)
            }
            // A type the plan knows must be the column's (as a written value must), checked
            // before any row is read, at the query's column.
            for (i, target) in targets.enumerated() {
                let column = schema.columns[target]
                guard let type = Planner.staticType(source, i), type != column.dataType else { continue }
                throw SQLError(.type, "column \(column.name) of \(schema.name) is \(column.dataType.rawValue), "
                               + "but the query's column \(i + 1) is \(type.rawValue)",
                               at: Planner.columnPosition(query, i) ?? query.position)
            }
            var row: [Expression] = []
            for (i, column) in schema.columns.enumerated() {
                if let written = targets.firstIndex(of: i) {
                    row.append(.column(written))
                } else {
                    row.append(.constant(try defaultValue(column, at: table.position)))
                }
            }
            let labels = schema.columns.map { Label(table: schema.name, name: $0.name) }
            return .insertQuery(table: schema, source: .projection(source: source, expressions: row, labels: labels))
        }
    }

    // MARK: - Tables

    /// The table named `name`, or an error suggesting the nearest existing table.
    func lookup(_ name: AST.Name) throws(SQLError) -> Table {
        if let table = try catalog.table(name.value) { return table }
        let names = (try? catalog.tables().map(\.name)) ?? []
        throw SQLError(.semantic, "table \(name.value) does not exist" + Scope.suggestion(name.value, names),
                       at: name.position)
    }

    private func planCreateTable(_ name: AST.Name, _ specs: [AST.ColumnSpec]) throws(SQLError) -> Table {
        var columns: [Column] = []
        var primaryKey: Int?
        for (i, spec) in specs.enumerated() {
            if spec.name.value == Table.rowIDName {
                throw SQLError(.semantic, "column names in table \(name.value) cannot be empty", at: spec.name.position)
            }
            if columns.contains(where: { $0.name == spec.name.value }) {
                throw SQLError(.semantic, "duplicate column \(spec.name.value) in table \(name.value)",
                               at: spec.name.position)
            }
            if spec.primaryKey {
                if primaryKey != nil {
                    throw SQLError(.semantic, "multiple primary keys for table \(name.value)", at: spec.name.position)
                }
                if spec.nullable == true {
                    throw SQLError(.semantic, "primary key \(spec.name.value) cannot be nullable",
                                   at: spec.name.position)
                }
                primaryKey = i
            }
            let nullable = spec.nullable ?? !spec.primaryKey
            var defaultValue: Value? = nullable ? .null : nil
            if let expression = spec.defaultValue {
                defaultValue = try ExpressionBuilder(scope: .constant, clause: "DEFAULT").build(expression)
                    .evaluate([])
            }
            columns.append(Column(name: spec.name.value, dataType: spec.type, nullable: nullable,
                                  defaultValue: defaultValue, unique: spec.unique && !spec.primaryKey,
                                  indexes: spec.index ? ["\(name.value)_\(spec.name.value)_idx"] : [],
                                  references: spec.references?.value))
        }
        guard let primaryKey else {
            return Table(keylessNamed: name.value, columns: columns)
        }
        return Table(name: name.value, primaryKey: primaryKey, columns: columns)
    }

    /// CREATE TABLE … AS SELECT: the columns are the query's output columns by name. A
    /// column's type is the one the plan knows (a table column or a constant passed up);
    /// otherwise the executor takes the type of the column's first non-NULL value, and a column
    /// with none (no rows, or only NULLs) becomes STRING.
    private func planCreateTableAs(_ name: AST.Name, _ query: AST.SelectStatement) throws(SQLError) -> Plan {
        if try catalog.table(name.value) != nil {
            throw SQLError(.semantic, "table \(name.value) already exists", at: name.position)
        }
        // An expression without AS would name its column by its text (`id + 1`): refuse it, so
        // every column of the new table has a name one can type.
        for item in query.projection {
            if case .expression(let e, nil) = item {
                if case .column = e.kind { continue }
                throw SQLError(.semantic, "the column \(e) needs a name in CREATE TABLE … AS; add AS name",
                               at: e.position)
            }
        }
        let source = try planQuery(query)
        var names: [String] = []
        for (i, label) in source.columns.enumerated() {
            guard let column = label.name, !column.isEmpty else {
                throw SQLError(.semantic, "column \(i + 1) of the query has no name; name it with AS",
                               at: Planner.columnPosition(query, i) ?? query.position)
            }
            if names.contains(column) {
                throw SQLError(.semantic, "the query has two columns named \(column); rename one with AS",
                               at: Planner.columnPosition(query, i) ?? query.position)
            }
            names.append(column)
        }
        let types = source.columns.indices.map { Planner.staticType(source, $0) }
        return .createTableAs(name: name.value, columns: names, types: types, source: source)
    }

    private func defaultValue(_ column: Column, at position: SourcePosition?) throws(SQLError) -> Value {
        // The hidden row id is NULL until the engine assigns it.
        if column.name == Table.rowIDName { return .null }
        guard let value = column.defaultValue else {
            throw SQLError(.semantic, "column \(column.name) has no default value", at: position)
        }
        return value
    }

    /// Which table column each written value of an INSERT goes to.
    private func insertTargets(_ table: Table, _ columnNames: [AST.Name]?) throws(SQLError) -> [Int] {
        var targets: [Int] = []
        if let columnNames {
            for column in columnNames {
                guard let index = table.columnIndex(column.value) else {
                    throw SQLError(.semantic, "unknown column '\(column.value)' in table \(table.name)"
                                   + Scope.suggestion(column.value, table.columns.map(\.name)), at: column.position)
                }
                if targets.contains(index) {
                    throw SQLError(.semantic, "column \(column.value) given twice", at: column.position)
                }
                targets.append(index)
            }
        } else {
            targets = table.columns.indices.filter { table.columns[$0].name != Table.rowIDName }
        }
        return targets
    }

    private func planInsert(_ name: AST.Name, _ columnNames: [AST.Name]?,
                            _ rows: [[AST.Expression]]) throws(SQLError) -> Plan {
        let table = try lookup(name)
        let targets = try insertTargets(table, columnNames)
        var planned: [[Expression]] = []
        planned.reserveCapacity(rows.count)
        let builder = ExpressionBuilder(scope: .constant, clause: "VALUES")
        // Whether a full row lists every column in order (the usual bulk load): it is then
        // built in place, without the per-row table of which value goes where.
        let inOrder = targets.elementsEqual(table.columns.indices)
        for row in rows {
            if row.count > targets.count {
                throw SQLError(.semantic, "too many values for table \(table.name)", at: row.last?.position)
            }
            if columnNames != nil && row.count < targets.count {
                throw SQLError(.semantic, "too few values for the columns given", at: row.last?.position)
            }
            if inOrder && row.count == targets.count {
                var full: [Expression] = []
                full.reserveCapacity(row.count)
                for (i, value) in row.enumerated() {
                    if case .default = value.kind {
                        full.append(.constant(try defaultValue(table.columns[i], at: value.position)))
                    } else {
                        full.append(try builder.build(value))
                    }
                }
                planned.append(full)
                continue
            }
            var values: [Expression?] = Array(repeating: nil, count: table.columns.count)
            for (value, target) in zip(row, targets) {
                if case .default = value.kind {
                    values[target] = .constant(try defaultValue(table.columns[target], at: value.position))
                } else {
                    values[target] = try builder.build(value)
                }
            }
            var full: [Expression] = []
            for (i, value) in values.enumerated() {
                if let value { full.append(value) } else {
                    full.append(.constant(try defaultValue(table.columns[i], at: row.first?.position)))
                }
            }
            planned.append(full)
        }
        return .insert(table: table, rows: planned)
    }

    /// The rows UPDATE and DELETE act on: a scan of the table, filtered by WHERE.
    private func planTableSource(_ table: Table, _ predicate: AST.Expression?) throws(SQLError) -> Node {
        let scan = Node.scan(table: table, alias: nil, filter: nil)
        guard let predicate else { return scan }
        let subqueries = SubqueryList(planner: self)
        let condition = try ExpressionBuilder(scope: Scope(table: table), clause: "WHERE", subqueries: subqueries)
            .build(predicate)
        return try filter(scan, condition, subqueries)
    }
}
