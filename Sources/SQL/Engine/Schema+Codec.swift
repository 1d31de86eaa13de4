import Encoding

/// How a table's schema is stored as the value of its catalog key (`SQLKey.table`).
///
/// A format byte first, so a later layout can still read schemas written by this one; then the
/// name, the primary key position and each column's definition. Format 2 adds the row-id base
/// of a keyless table that was created again after a DROP; every other schema keeps format 1.
enum SchemaCodec {
    /// The layout written by `encode`, unless the table needs a row-id base.
    static let format: UInt8 = 1
    /// Format 1 followed by the row-id base.
    static let formatWithRowIDBase: UInt8 = 2

    private static let dataTypes: [DataType] = [.boolean, .integer, .float, .string]

    /// The schema's bytes.
    static func encode(_ table: Table) -> [UInt8] {
        var writer = BinaryWriter()
        writer.writeByte(table.rowIDBase == 0 ? format : formatWithRowIDBase)
        writer.writeString(table.name)
        writer.writeUVarint(UInt64(table.primaryKey))
        writer.writeUVarint(UInt64(table.columns.count))
        for column in table.columns {
            writer.writeString(column.name)
            writer.writeByte(UInt8(dataTypes.firstIndex(of: column.dataType) ?? 0))
            writer.writeByte(column.nullable ? 1 : 0)
            if let value = column.defaultValue {
                writer.writeByte(1)
                RowCodec.write(value, to: &writer)
            } else {
                writer.writeByte(0)
            }
            writer.writeByte(column.unique ? 1 : 0)
            writeStrings(column.indexes, to: &writer)
            writeStrings(column.uniqueIndexes, to: &writer)
            if let references = column.references {
                writer.writeByte(1)
                writer.writeString(references)
            } else {
                writer.writeByte(0)
            }
        }
        if table.rowIDBase != 0 { writer.writeUVarint(UInt64(bitPattern: table.rowIDBase)) }
        return writer.bytes
    }

    /// Reads a schema written by `encode`.
    ///
    /// - Throws: `SQLError(.storage, …)` on malformed bytes or an unknown format.
    static func decode(_ bytes: [UInt8]) throws(SQLError) -> Table {
        do {
            var reader = BinaryReader(bytes)
            let version = try reader.readByte()
            guard version == format || version == formatWithRowIDBase else {
                throw SQLError(.storage, "table schema has unknown format \(version) (this build reads \(format) and \(formatWithRowIDBase))")
            }
            let name = try reader.readString()
            let primaryKey = try readCount(&reader)
            let count = try readCount(&reader)
            var columns: [Column] = []
            for _ in 0..<count {
                let columnName = try reader.readString()
                let typeByte = Int(try reader.readByte())
                guard dataTypes.indices.contains(typeByte) else {
                    throw SQLError(.storage, "unknown data type \(typeByte) for column \(columnName)")
                }
                let nullable = try readFlag(&reader)
                let defaultValue: Value? = try readFlag(&reader) ? try RowCodec.read(&reader) : nil
                let unique = try readFlag(&reader)
                let indexes = try readStrings(&reader)
                let uniqueIndexes = try readStrings(&reader)
                let references: String? = try readFlag(&reader) ? try reader.readString() : nil
                columns.append(Column(name: columnName, dataType: dataTypes[typeByte], nullable: nullable,
                                      defaultValue: defaultValue, unique: unique, indexes: indexes,
                                      references: references, uniqueIndexes: uniqueIndexes))
            }
            var rowIDBase: Int64 = 0
            if version == formatWithRowIDBase {
                rowIDBase = Int64(bitPattern: try reader.readUVarint())
            }
            guard reader.isAtEnd else {
                throw SQLError(.storage, "\(reader.remainingCount) stray bytes after the schema")
            }
            guard columns.indices.contains(primaryKey) else {
                throw SQLError(.storage, "primary key position \(primaryKey) is outside the \(columns.count) columns")
            }
            return Table(name: name, primaryKey: primaryKey, columns: columns, rowIDBase: rowIDBase)
        } catch let error as SQLError {
            throw SQLError(.storage, "corrupt table schema: \(error.message)")
        } catch {
            throw SQLError(.storage, "corrupt table schema: \(error)")
        }
    }

    private static func writeStrings(_ strings: [String], to writer: inout BinaryWriter) {
        writer.writeUVarint(UInt64(strings.count))
        for string in strings { writer.writeString(string) }
    }

    private static func readStrings(_ reader: inout BinaryReader) throws -> [String] {
        let count = try readCount(&reader)
        var strings: [String] = []
        for _ in 0..<count { strings.append(try reader.readString()) }
        return strings
    }

    /// A count that must fit in what is left (each counted item takes at least one byte).
    private static func readCount(_ reader: inout BinaryReader) throws -> Int {
        let count = try reader.readUVarint()
        guard count <= UInt64(reader.remainingCount) else {
            throw SQLError(.storage, "count \(count) exceeds the \(reader.remainingCount) bytes left")
        }
        return Int(count)
    }

    private static func readFlag(_ reader: inout BinaryReader) throws -> Bool {
        switch try reader.readByte() {
        case 0: return false
        case 1: return true
        case let byte: throw SQLError(.storage, "invalid flag byte \(byte)")
        }
    }
}
