/// The rules a schema and a row must meet before they are written: the checks behind CREATE
/// TABLE and the type/NULL checks of every INSERT and UPDATE.
extension LocalTransaction {
    /// Checks a new table against the rules and the catalog, and returns it as it will be
    /// stored: the primary key carries no separate index, and every REFERENCES column gets one
    /// (`<table>_<column>_idx`) so deleting a referenced row can find its referrers quickly.
    func validateNewTable(_ table: Table) throws(SQLError) -> Table {
        var table = table
        let name = table.name
        guard !name.isEmpty else { throw SQLError(.semantic, "table name cannot be empty") }
        guard !table.columns.isEmpty else { throw SQLError(.semantic, "table \(name) has no columns") }
        guard table.columns.indices.contains(table.primaryKey) else {
            throw SQLError(.semantic, "no primary key for table \(name)")
        }

        var seen: Set<String> = []
        var indexNames: Set<String> = []
        for other in try allTables() {
            for column in other.table.columns { indexNames.formUnion(column.indexes) }
        }
        for (position, column) in table.columns.enumerated() {
            let isRowID = position == table.primaryKey && column.name == Table.rowIDName
                && column.dataType == .integer && !column.nullable
            guard isRowID || !column.name.isEmpty else { throw SQLError(.semantic, "column names in table \(name) cannot be empty") }
            guard seen.insert(column.name).inserted else {
                throw SQLError(.semantic, "duplicate column \(column.name) in table \(name)")
            }
            let isPrimaryKey = position == table.primaryKey
            if isPrimaryKey && column.nullable {
                throw SQLError(.semantic, "primary key \(column.name) cannot be nullable")
            }
            if let value = column.defaultValue {
                switch value {
                case .null where !column.nullable:
                    throw SQLError(.semantic, "column \(column.name) is NOT NULL and cannot default to NULL")
                case .null:
                    break
                default:
                    guard value.dataType == column.dataType else {
                        throw SQLError(.type,
                                       "default value \(value) for \(column.dataType.rawValue) column \(column.name) is \(value.dataType?.rawValue ?? "NULL")")
                    }
                    if isPrimaryKey, case .float(let f) = value, f.isNaN {
                        throw SQLError(.semantic, "primary key \(column.name) cannot default to NaN")
                    }
                }
            }
            if let target = column.references {
                let targetKeyType: DataType
                if target == name {
                    targetKeyType = table.columns[table.primaryKey].dataType
                } else if let referenced = try self.table(target) {
                    targetKeyType = referenced.columns[referenced.primaryKey].dataType
                } else {
                    throw SQLError(.semantic, "unknown table \(target) referenced by column \(column.name)")
                }
                guard targetKeyType == column.dataType else {
                    throw SQLError(.semantic,
                                   "can't reference \(targetKeyType.rawValue) primary key of \(target) from \(column.dataType.rawValue) column \(column.name)")
                }
            }

            var normalized = column
            if isPrimaryKey {
                // The rows themselves are the primary key's index, and keys are unique anyway.
                normalized.indexes = []
                normalized.uniqueIndexes = []
                normalized.unique = false
            } else if column.references != nil && column.indexes.isEmpty {
                normalized.indexes = ["\(name)_\(column.name)_idx"]
            }
            for index in normalized.indexes {
                guard indexNames.insert(index).inserted else {
                    throw SQLError(.semantic, "index \(index) already exists")
                }
            }
            normalized.uniqueIndexes.removeAll { !normalized.indexes.contains($0) }
            table.columns[position] = normalized
        }
        return table
    }

    /// Checks `row` against the table's columns and returns it as it will be stored (floats
    /// canonical: −0.0 as 0.0, one NaN).
    ///
    /// - Throws: `.semantic` for a wrong number of values, `.type` for a value of the wrong
    ///   type, `.constraint` for NULL in a NOT NULL column or an invalid primary key.
    func validateRow(_ row: Row, for table: Table) throws(SQLError) -> Row {
        guard row.count == table.columns.count else {
            throw SQLError(.semantic,
                           "table \(table.name) has \(table.columns.count) columns but the row has \(row.count) values")
        }
        var stored = row
        for (position, value) in row.enumerated() {
            let column = table.columns[position]
            switch (value, column.dataType) {
            case (.null, _):
                if position == table.primaryKey {
                    throw SQLError(.constraint, "invalid primary key NULL for table \(table.name)")
                }
                if !column.nullable {
                    throw SQLError(.constraint, "NULL value not allowed for column \(column.name)")
                }
            case (.float(let f), .float):
                if position == table.primaryKey && f.isNaN {
                    throw SQLError(.constraint, "invalid primary key NaN for table \(table.name)")
                }
                // Written only when it changes: writing copies the row (the caller holds it too).
                let canonical = Value.canonical(f)
                if canonical.bitPattern != f.bitPattern { stored[position] = .float(canonical) }
            case (.boolean, .boolean), (.integer, .integer), (.string, .string):
                break
            default:
                // Like toyDB, no implicit conversions: 3 is not a FLOAT, 3.0 not an INTEGER.
                throw SQLError(.type,
                               "invalid \(value.dataType?.rawValue ?? "NULL") value \(value) for \(column.dataType.rawValue) column \(column.name)")
            }
        }
        return stored
    }
}
