import Encoding

/// A row as a table stores it, in `RowCodec`'s form, not yet decoded: often a slice of the
/// storage engine's own buffer.
public struct StoredRow: Sendable {
    public let bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }
}

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
        // Sized once up front: growing from empty reallocated the buffer several times a row.
        var capacity = 1
        for value in row { capacity += maximumSize(value) }
        var writer = BinaryWriter(capacity: capacity)
        writer.writeUVarint(UInt64(row.count))
        for value in row { write(value, to: &writer) }
        return writer.bytes
    }

    /// Reads a row written by `encode` from `bytes`: an array, or a slice of a larger buffer
    /// (a row read in place from a storage engine's buffer).
    ///
    /// - Throws: `SQLError(.storage, …)` on truncated or malformed bytes.
    /// With `keeping` (one flag per column, see `keeping(_:columns:)`), values whose flag is
    /// false are skipped over and left NULL: a scan whose reader looks at two columns of ten
    /// does not build the other eight (strings above all).
    /// With `leading`, the row's values start at that position, after as many NULLs: room a
    /// lookup join fills with the left row's values in place, instead of building the looked-up
    /// row and then a third joining the two.
    public static func decode(_ bytes: ArraySlice<UInt8>, keeping: [Bool]? = nil,
                              leading: Int = 0) throws(SQLError) -> Row {
        try decodeStored("corrupt row") {
            var reader = BinaryReader(bytes)
            let row = try readValues(&reader, keeping: keeping, leading: leading)
            guard reader.isAtEnd else {
                throw SQLError(.storage, "corrupt row: \(reader.remainingCount) stray bytes at its end")
            }
            return row
        }
    }

    /// ``decode(_:keeping:leading:)`` of a whole array.
    public static func decode(_ bytes: [UInt8], keeping: [Bool]? = nil) throws(SQLError) -> Row {
        try decode(bytes[...], keeping: keeping)
    }

    /// What a table scan reads of each stored row (local or on a cluster alike): nil when `sieve`
    /// rejects it, tested on the one stored value before anything is built, else the row
    /// decoded as `keeping` says.
    public static func decode(_ bytes: ArraySlice<UInt8>, keeping: [Bool]?, sieve: RowSieve?,
                              columns: Int) throws(SQLError) -> Row? {
        if let sieve, !admits(bytes, columns: columns, sieve) { return nil }
        return try decode(bytes, keeping: keeping)
    }

    /// Whether `sieve` admits the row stored as `bytes`, reading only the values up to its
    /// column (skipping those before it) and building just that one. A row whose framing is
    /// wrong is admitted: the full `decode` that follows reports it precisely.
    static func admits(_ bytes: ArraySlice<UInt8>, columns: Int, _ sieve: RowSieve) -> Bool {
        var reader = BinaryReader(bytes)
        guard let count = try? reader.readUVarint(), count == UInt64(columns), (0..<columns).contains(sieve.column) else {
            return true
        }
        for _ in 0..<sieve.column {
            guard (try? skip(&reader)) != nil else { return true }
        }
        guard let value = try? read(&reader) else { return true }
        return sieve.admits(value)
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

    /// The most bytes `write` takes for `value` (a varint takes up to 10).
    private static func maximumSize(_ value: Value) -> Int {
        switch value {
        case .null, .boolean: 1
        case .integer: 11
        case .float: 9
        case .string(let s): 11 + s.utf8.count
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

    /// The flags `decode` takes for a reader of the column positions `reading` (nil when it
    /// reads them all, or all of them anyway).
    public static func keeping(_ reading: Set<Int>?, columns: Int) -> [Bool]? {
        guard let reading, (0..<columns).contains(where: { !reading.contains($0) }) else { return nil }
        return (0..<columns).map(reading.contains)
    }

    /// The flags for a table scan: the columns its reader reads and those its filter tests.
    public static func keeping(_ reading: Set<Int>?, filter: Expression?, columns: Int) -> [Bool]? {
        keeping(reading.map { $0.union(filter?.referencedColumns ?? []) }, columns: columns)
    }

    /// Moves past one value without building it, checking it as far as its framing goes.
    static func skip(_ reader: inout BinaryReader) throws {
        let tag = try reader.readByte()
        switch Tag(rawValue: tag) {
        case .null, .false, .true: return
        case .integer: _ = try reader.readUVarint()
        case .float: _ = try reader.readUInt64()
        case .string: try reader.skipLengthPrefixed("string")
        case nil: throw SQLError(.storage, "unknown value type \(tag)")
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

    private static func readValues(_ reader: inout BinaryReader, keeping: [Bool]? = nil, leading: Int = 0) throws -> [Value] {
        let count = try reader.readUVarint()
        // Every value takes at least one byte: a larger count is corrupt, and checking first
        // keeps a corrupt count from reserving absurd amounts of memory.
        guard count <= UInt64(reader.remainingCount) else {
            throw SQLError(.storage, "claims \(count) values but only \(reader.remainingCount) bytes follow")
        }
        // (Not `Array(repeating:count:)`: on this toolchain it calls the stdlib's unspecialized
        // buffer initializer, which looks up the array's type metadata on every row.)
        var values: [Value] = []
        values.reserveCapacity(max(0, leading) + Int(count))
        for _ in 0..<max(0, leading) { values.append(.null) }
        guard let keeping else {
            for _ in 0..<count { values.append(try read(&reader)) }
            return values
        }
        for index in 0..<Int(count) {
            if index < keeping.count && !keeping[index] {
                try skip(&reader)
                values.append(.null)
            } else {
                values.append(try read(&reader))
            }
        }
        return values
    }
}
