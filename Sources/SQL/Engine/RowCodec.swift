import Encoding

/// The compact binary form of rows (values of `Row` keys) and of index entries (sets of
/// primary keys). Unlike keys these need not sort, only be small and quick to read back.
///
/// A row is a varint count followed by each value: one type byte, then for integers a zigzag
/// varint (small numbers take one or two bytes), for floats 8 bytes, for strings a varint
/// length and the UTF-8 bytes. TRUE and FALSE are type bytes of their own.
public enum RowCodec {
    private enum Tag: UInt8 {
        case null = 0
        case `false` = 1
        case `true` = 2
        case integer = 3
        case float = 4
        case string = 5
    }

    /// The row's bytes.
    ///
    /// - Complexity: O(n) in the size of the row.
    public static func encode(_ row: Row) -> [UInt8] {
        var writer = BinaryWriter()
        writer.writeUVarint(UInt64(row.count))
        for value in row { write(value, to: &writer) }
        return writer.bytes
    }

    /// Reads a row written by `encode`, from `bytes[start...]` (a row can be read in place
    /// from a stored value that has a header before it).
    ///
    /// - Throws: `SQLError(.storage, …)` on truncated or malformed bytes.
    public static func decode(_ bytes: [UInt8], from start: Int = 0) throws(SQLError) -> Row {
        try decodeStored("corrupt row") {
            var reader = BinaryReader(bytes, from: start)
            let row = try readValues(&reader)
            guard reader.isAtEnd else {
                throw SQLError(.storage, "corrupt row: \(reader.remainingCount) stray bytes at its end")
            }
            return row
        }
    }

    /// The bytes of an index entry: the primary keys, already sorted in key order.
    static func encodeIDs(_ ids: [Value]) -> [UInt8] { encode(ids) }

    /// Reads an index entry's primary keys.
    static func decodeIDs(_ bytes: [UInt8]) throws(SQLError) -> [Value] {
        try decodeStored("corrupt index entry") {
            var reader = BinaryReader(bytes)
            let ids = try readValues(&reader)
            guard reader.isAtEnd else {
                throw SQLError(.storage, "corrupt index entry: \(reader.remainingCount) stray bytes at its end")
            }
            return ids
        }
    }

    static func write(_ value: Value, to writer: inout BinaryWriter) {
        switch value {
        case .null: writer.writeByte(Tag.null.rawValue)
        case .boolean(let b): writer.writeByte(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .integer(let i):
            writer.writeByte(Tag.integer.rawValue)
            writer.writeVarint(i)
        case .float(let f):
            writer.writeByte(Tag.float.rawValue)
            writer.writeDouble(f)
        case .string(let s):
            writer.writeByte(Tag.string.rawValue)
            writer.writeString(s)
        }
    }

    static func read(_ reader: inout BinaryReader) throws -> Value {
        let tag = try reader.readByte()
        switch Tag(rawValue: tag) {
        case .null: return .null
        case .false: return .boolean(false)
        case .true: return .boolean(true)
        case .integer: return .integer(try reader.readVarint())
        case .float: return .float(try reader.readDouble())
        case .string: return .string(try reader.readString())
        case nil: throw SQLError(.storage, "unknown value type \(tag)")
        }
    }

    private static func readValues(_ reader: inout BinaryReader) throws -> [Value] {
        let count = try reader.readUVarint()
        // Every value takes at least one byte: a larger count is corrupt, and checking first
        // keeps a corrupt count from reserving absurd amounts of memory.
        guard count <= UInt64(reader.remainingCount) else {
            throw SQLError(.storage, "claims \(count) values but only \(reader.remainingCount) bytes follow")
        }
        // Filled in place: one allocation of the right size, no appends.
        var values = [Value](repeating: .null, count: Int(count))
        for index in values.indices { values[index] = try read(&reader) }
        return values
    }
}
