import SQL

/// Writes a table's definition back as the CREATE TABLE statement that makes it (`.schema`).
public enum SchemaDrawing {
    /// `CREATE TABLE name (\n  col TYPE …,\n …\n);` with every constraint spelled out.
    public static func createTable(_ table: Table) -> String {
        var lines: [String] = []
        // A keyless table's hidden row id is not written: the statement reads as the user wrote it.
        for (i, column) in table.columns.enumerated() where column.name != Table.rowIDName {
            var line = "  \(name(column.name)) \(column.dataType.rawValue)"
            if i == table.primaryKey {
                line += " PRIMARY KEY"
            } else {
                if !column.nullable { line += " NOT NULL" }
                if column.unique { line += " UNIQUE" }
                if column.indexes.contains("\(table.name)_\(column.name)_idx") { line += " INDEX" }
            }
            if let value = column.defaultValue, !(value == .null && column.nullable) {
                line += " DEFAULT " + ValueText.literal(value)
            }
            if let target = column.references { line += " REFERENCES \(name(target))" }
            lines.append(line)
        }
        var out = "CREATE TABLE \(name(table.name)) (\n" + lines.joined(separator: ",\n") + "\n);\n"
        for column in table.columns {
            for index in column.indexes where index != "\(table.name)_\(column.name)_idx" {
                out += "CREATE INDEX \(name(index)) ON \(name(table.name)) (\(name(column.name)));\n"
            }
        }
        return out
    }

    private static func name(_ name: String) -> String { AST.Name.quotedIfNeeded(name) }
}
