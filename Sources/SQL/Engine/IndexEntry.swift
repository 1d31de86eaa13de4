import Encoding

/// Edits an index entry's value — the primary keys holding one column value, written like a
/// row (`RowCodec`: a count, then the ids) and kept in key order — without decoding every id.
///
/// An entry for a common value can hold thousands of ids, and each insert adds one. Decoding
/// them all into `Value`s and writing them back would cost far more than the write itself, so
/// these functions walk the encoded ids by their lengths, decode at most the last one, and
/// splice bytes. Stored ids are canonical (`Value.canonicalized`), so two ids are equal exactly
/// when their encodings are.
enum IndexEntry {
    /// The entry with `id` added (ids stay in key order), or nil if it already holds `id`.
    ///
    /// - Complexity: O(k) byte hops for k ids; appending after the largest id (rising primary
    ///   keys, the common case) decodes one id, anything else decodes them all.
    static func adding(_ id: Value, to bytes: [UInt8]?) throws(SQLError) -> [UInt8]? {
        let id = id.canonicalized
        guard let bytes, !bytes.isEmpty else { return RowCodec.encodeIDs([id]) }
        let (count, first) = try header(of: bytes)
        // Walk to the last id by lengths alone.
        var lastStart = first
        var at = first
        for _ in 0..<count {
            lastStart = at
            at = try skipValue(bytes, at)
        }
        guard at == bytes.count else { throw trailing(bytes.count - at) }
        guard count > 0 else { return RowCodec.encodeIDs([id]) }
        let lastID = try decodeOne(Array(bytes[lastStart...]))
        let idKey = SQLKey.encodedValue(id)
        let lastKey = SQLKey.encodedValue(lastID)
        if idKey == lastKey { return nil }
        if lastKey.lexicographicallyPrecedes(idKey) {
            var writer = BinaryWriter(capacity: bytes.count + 16)
            writer.writeUVarint(UInt64(count + 1))
            writer.writeRaw(bytes[first...])
            RowCodec.write(id, to: &writer)
            return writer.bytes
        }
        // Out of order: decode, insert in place, re-encode.
        var ids = try RowCodec.decodeIDs(bytes)
        let keys = ids.map(SQLKey.encodedValue)
        if keys.contains(idKey) { return nil }
        let position = keys.firstIndex { idKey.lexicographicallyPrecedes($0) } ?? ids.count
        ids.insert(id, at: position)
        return RowCodec.encodeIDs(ids)
    }

    /// The entry without `id` (nil when no id is left), or the entry unchanged if it lacks `id`.
    ///
    /// - Complexity: O(k) byte hops and comparisons for k ids.
    static func removing(_ id: Value, from bytes: [UInt8]) throws(SQLError) -> [UInt8]? {
        var encoded = BinaryWriter()
        RowCodec.write(id.canonicalized, to: &encoded)
        let target = encoded.bytes
        let (count, first) = try header(of: bytes)
        var match: Range<Int>?
        var at = first
        for _ in 0..<count {
            let end = try skipValue(bytes, at)
            if match == nil, end - at == target.count, bytes[at..<end].elementsEqual(target) { match = at..<end }
            at = end
        }
        guard at == bytes.count else { throw trailing(bytes.count - at) }
        guard let match else { return bytes }
        if count == 1 { return nil }
        var writer = BinaryWriter(capacity: bytes.count)
        writer.writeUVarint(UInt64(count - 1))
        writer.writeRaw(bytes[first..<match.lowerBound])
        writer.writeRaw(bytes[match.upperBound...])
        return writer.bytes
    }

    /// The id count and the offset of the first id.
    private static func header(of bytes: [UInt8]) throws(SQLError) -> (count: Int, first: Int) {
        var reader = BinaryReader(bytes)
        let count: Int
        do {
            count = try reader.readCount("index entry count")
        } catch {
            throw SQLError(.storage, "corrupt index entry: \(error)")
        }
        // Every id takes at least one byte.
        guard count <= bytes.count - reader.offset else {
            throw SQLError(.storage, "corrupt index entry: claims \(count) ids in \(bytes.count) bytes")
        }
        return (count, reader.offset)
    }

    private static func trailing(_ count: Int) -> SQLError {
        SQLError(.storage, "corrupt index entry: \(count) stray bytes at its end")
    }

    /// The offset just past the `RowCodec` value starting at `start`.
    private static func skipValue(_ bytes: [UInt8], _ start: Int) throws(SQLError) -> Int {
        guard start < bytes.count else { throw SQLError(.storage, "corrupt index entry: truncated id") }
        var at = start + 1
        switch bytes[start] {
        case 0, 1, 2:
            return at
        case 3:
            while at < bytes.count, bytes[at] & 0x80 != 0 { at += 1 }
            at += 1
        case 4:
            at += 8
        case 5:
            var length = 0
            var shift = 0
            while true {
                guard at < bytes.count, shift < 63 else { throw SQLError(.storage, "corrupt index entry: bad length") }
                let byte = bytes[at]
                length |= Int(byte & 0x7F) << shift
                at += 1
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            guard length >= 0, length <= bytes.count - at else {
                throw SQLError(.storage, "corrupt index entry: string id runs past the end")
            }
            at += length
        case let tag:
            throw SQLError(.storage, "corrupt index entry: unknown value type \(tag)")
        }
        guard at <= bytes.count else { throw SQLError(.storage, "corrupt index entry: truncated id") }
        return at
    }

    private static func decodeOne(_ bytes: [UInt8]) throws(SQLError) -> Value {
        try decodeStored("corrupt index entry") {
            var reader = BinaryReader(bytes)
            let value = try RowCodec.read(&reader)
            try reader.finish("index entry id")
            return value
        }
    }
}
