import Encoding
import Storage

/// Where each piece of SQL data lives in the key/value store (the layout is taught at the top
/// of LocalEngine.swift). `.keys` and `.mvcc` in the REPL decode raw keys back into this.
public enum SQLKey: Hashable, CustomStringConvertible {
    /// A table's schema in the catalog, by table name.
    case table(String)
    /// A row, by table and primary key value.
    case row(table: String, id: Value)
    /// A secondary index entry: the primary keys of the rows whose `column` holds `value`.
    case index(table: String, column: String, value: Value)

    /// The one-byte tags that open every SQL key; their order groups keys by kind.
    enum Tag: UInt8 {
        case table = 0x00
        case index = 0x01
        case row = 0x02
    }

    /// The key's bytes in the order-preserving encoding.
    ///
    /// - Complexity: O(k) in the length of the names and value.
    public var encoded: [UInt8] {
        var encoder = KeyEncoder()
        switch self {
        case .table(let name):
            encoder.appendTag(Tag.table.rawValue)
            encoder.append(name)
        case .row(let table, let id):
            encoder.appendTag(Tag.row.rawValue)
            encoder.append(table)
            SQLKey.append(id, to: &encoder)
        case .index(let table, let column, let value):
            encoder.appendTag(Tag.index.rawValue)
            encoder.append(table)
            encoder.append(column)
            SQLKey.append(value, to: &encoder)
        }
        return encoder.bytes
    }

    /// Reads a key back from its bytes.
    ///
    /// - Throws: `SQLError(.storage, …)` if the bytes are not a whole, well-formed SQL key.
    public static func decode(_ bytes: [UInt8]) throws -> SQLKey {
        try decodeStored("malformed SQL key") {
            var decoder = KeyDecoder(bytes)
            let key: SQLKey
            switch try decoder.readTag() {
            case Tag.table.rawValue:
                key = .table(try decoder.readString())
            case Tag.row.rawValue:
                let table = try decoder.readString()
                key = .row(table: table, id: try readValue(&decoder))
            case Tag.index.rawValue:
                let table = try decoder.readString()
                let column = try decoder.readString()
                key = .index(table: table, column: column, value: try readValue(&decoder))
            case let tag:
                throw SQLError(.storage, "unknown SQL key tag 0x\(String(tag, radix: 16))")
            }
            guard decoder.isAtEnd else {
                throw SQLError(.storage, "\(bytes.count - decoder.offset) stray bytes after SQL key \(key)")
            }
            return key
        }
    }

    /// The prefix every catalog entry starts with: a scan of it lists all tables in name order.
    public static var tablePrefix: [UInt8] {
        var encoder = KeyEncoder()
        encoder.appendTag(Tag.table.rawValue)
        return encoder.bytes
    }

    /// The prefix shared by all rows of `table`: scanning it is a full table scan in key order.
    public static func rowPrefix(table: String) -> [UInt8] {
        var encoder = KeyEncoder()
        encoder.appendTag(Tag.row.rawValue)
        encoder.append(table)
        return encoder.bytes
    }

    /// The encoded `.row(table:id:)` key from the table's `rowPrefix(table:)`, computed once
    /// for a batch of rows instead of once per row.
    public static func rowKey(prefix: [UInt8], id: Value) -> [UInt8] {
        // Room for the prefix and an integer or float id (tag and 8 bytes) from the start.
        var encoder = KeyEncoder(capacity: prefix.count + 9)
        encoder.appendRaw(prefix[...])
        append(id, to: &encoder)
        return encoder.bytes
    }

    /// The `.row(table:id:)` keys of the ids, in order, in one buffer (one allocation for a
    /// batched read of a thousand rows, not one per key).
    public static func rowKeys(table: String, ids: [Value]) -> KeyBatch {
        let prefix = rowPrefix(table: table)
        var keys = KeyBatch(keys: ids.count, bytes: ids.count * (prefix.count + 9))
        for id in ids {
            keys.append { encoder in
                encoder.appendRaw(prefix[...])
                append(id.canonicalized, to: &encoder)
            }
        }
        return keys
    }

    /// The prefix shared by all index entries of `table` (every indexed column).
    public static func indexPrefix(table: String) -> [UInt8] {
        var encoder = KeyEncoder()
        encoder.appendTag(Tag.index.rawValue)
        encoder.append(table)
        return encoder.bytes
    }

    /// The prefix shared by the index entries of one column, in value order.
    public static func indexPrefix(table: String, column: String) -> [UInt8] {
        var encoder = KeyEncoder()
        encoder.appendTag(Tag.index.rawValue)
        encoder.append(table)
        encoder.append(column)
        return encoder.bytes
    }

    /// The encoding of a lone value as it appears at the end of row and index keys; equal
    /// values (including 0.0 and −0.0, or two NaNs) have equal bytes, and byte order is value
    /// order. Used to compare and deduplicate key values.
    static func encodedValue(_ value: Value) -> [UInt8] {
        var encoder = KeyEncoder()
        append(value, to: &encoder)
        return encoder.bytes
    }

    /// Value type tags inside keys: NULL sorts before every other value.
    private enum ValueTag: UInt8 {
        case null = 0x00
        case boolean = 0x01
        case integer = 0x02
        case float = 0x03
        case string = 0x04
    }

    private static func append(_ value: Value, to encoder: inout KeyEncoder) {
        switch value {
        case .null:
            encoder.appendTag(ValueTag.null.rawValue)
        case .boolean(let b):
            encoder.appendTag(ValueTag.boolean.rawValue)
            encoder.append(b)
        case .integer(let i):
            encoder.appendTag(ValueTag.integer.rawValue)
            encoder.append(i)
        case .float(let f):
            encoder.appendTag(ValueTag.float.rawValue)
            encoder.append(Value.canonical(f))
        case .string(let s):
            encoder.appendTag(ValueTag.string.rawValue)
            encoder.append(s)
        }
    }

    private static func readValue(_ decoder: inout KeyDecoder) throws -> Value {
        switch try decoder.readTag() {
        case ValueTag.null.rawValue: return .null
        case ValueTag.boolean.rawValue: return .boolean(try decoder.readBool())
        case ValueTag.integer.rawValue: return .integer(try decoder.readInt64())
        case ValueTag.float.rawValue: return .float(try decoder.readDouble())
        case ValueTag.string.rawValue: return .string(try decoder.readString())
        case let tag: throw SQLError(.storage, "unknown value tag 0x\(hexByte(tag)) in SQL key")
        }
    }

    /// The key in words: `table movies`, `row 7 of movies`, `index movies.genre = 'scifi'`.
    public var description: String { describe(.full) }

    /// The key's bytes in labelled pieces (they concatenate to `encoded`), for `.keys`.
    public var segments: [KeySegment] {
        func name(_ text: String, _ what: String) -> KeySegment {
            var encoder = KeyEncoder()
            encoder.append(text)
            return KeySegment(encoder.bytes, "\(what) \(text), then 00 00")
        }
        switch self {
        case .table(let table):
            return [KeySegment([Tag.table.rawValue], "00: SQL table schema"), name(table, "table")]
        case .row(let table, let id):
            return [KeySegment([Tag.row.rawValue], "02: SQL row"), name(table, "table")]
                + SQLKey.segments(of: id)
        case .index(let table, let column, let value):
            return [KeySegment([Tag.index.rawValue], "01: SQL index entry"), name(table, "table"),
                    name(column, "column")] + SQLKey.segments(of: value)
        }
    }

    /// A value in a key as its type tag and its payload, each labelled.
    private static func segments(of value: Value) -> [KeySegment] {
        let bytes = encodedValue(value)
        guard let tag = bytes.first else { return [] }
        let type: String
        let payload: String
        switch value {
        case .null: return [KeySegment(bytes, "00: NULL, which sorts first")]
        case .boolean(let b): (type, payload) = ("boolean", b ? "TRUE: 01" : "FALSE: 00")
        case .integer(let i): (type, payload) = ("integer", "\(i): big-endian, sign bit flipped")
        case .float(let f): (type, payload) = ("float", "\(f): IEEE bits made to sort")
        case .string(let s): (type, payload) = ("string", "'\(s)' in UTF-8, then 00 00")
        }
        return [KeySegment([tag], "\(hexByte(tag)): type \(type)"), KeySegment(Array(bytes.dropFirst()), payload)]
    }
}

// MARK: - Keys in words

extension SQLKey {
    /// Where a key's words go: the same decoded key reads differently on its own, inside a
    /// sentence and in a listing of one table.
    public enum Wording: Sendable {
        /// On its own: `table movies`, `row 7 of movies`, `index movies.genre = 'scifi'`.
        case full
        /// Inside a sentence: `the schema of table movies`, `row 7 of table movies`, `the index
        /// entry movies.genre = 'scifi'`.
        case sentence
        /// In a listing of one table, where its name goes without saying: `table movies`,
        /// `row 7`, `index genre='scifi'`.
        case withinTable
    }

    /// Encoded key bytes in words; bytes that are not a SQL key print as hex. `value` renders
    /// the values inside the key (a tool may quote strings its own way).
    public static func describe(_ bytes: [UInt8], _ wording: Wording = .full,
                                value: (Value) -> String = \.description) -> String {
        guard let key = try? SQLKey.decode(bytes) else {
            switch wording {
            case .full: return hexString(bytes)
            case .sentence: return "key \(hexString(bytes))"
            case .withinTable: return "0x" + hexString(bytes)
            }
        }
        return key.describe(wording, value: value)
    }

    /// This key in words (see `Wording`).
    public func describe(_ wording: Wording, value: (Value) -> String = \.description) -> String {
        switch (self, wording) {
        case (.table(let name), .full), (.table(let name), .withinTable): "table \(name)"
        case (.table(let name), .sentence): "the schema of table \(name)"
        case (.row(let table, let id), .full): "row \(value(id)) of \(table)"
        case (.row(let table, let id), .sentence): "row \(value(id)) of table \(table)"
        case (.row(_, let id), .withinTable): "row \(value(id))"
        case (.index(let table, let column, let v), .full): "index \(table).\(column) = \(value(v))"
        case (.index(let table, let column, let v), .sentence): "the index entry \(table).\(column) = \(value(v))"
        case (.index(_, let column, let v), .withinTable): "index \(column)=\(value(v))"
        }
    }
}

extension Value {
    /// The one representative of a float's equality class that storage keeps: −0.0 becomes 0.0
    /// and every NaN (including −NaN and payload NaNs) the one quiet NaN, so equal values are
    /// stored, indexed and looked up as identical bytes.
    static func canonical(_ f: Double) -> Double {
        if f.isNaN { return .nan }
        if f == 0 { return 0.0 }
        return f
    }

    /// The value as storage keeps it (floats canonical, everything else unchanged).
    var canonicalized: Value {
        if case .float(let f) = self { return .float(Value.canonical(f)) }
        return self
    }
}
