/// The BitCask log's record format, one record per set or delete:
///
/// ```
/// ┌──────────┬──────────┬──────────────────────┬───────────┬─────────────┐
/// │ crc32 u32│ key len  │ value len u32        │ key bytes │ value bytes │
/// │          │ u32      │ (0xFFFFFFFF = delete)│           │ (none if    │
/// │          │          │                      │           │  deleted)   │
/// └──────────┴──────────┴──────────────────────┴───────────┴─────────────┘
/// ```
///
/// Integers are little-endian. The CRC covers everything after itself (both lengths, the key
/// and the value), so a flipped bit anywhere in the record — including in a length — is caught.
/// A deleted key is recorded as a *tombstone*: the key with the special value length and no
/// value, so that replaying the log forgets the key's earlier records.
enum BitCaskRecord {
    /// Bytes before the key: crc, key length, value length.
    static let headerSize = 12
    /// The value length that marks a tombstone.
    static let tombstone: UInt32 = 0xFFFF_FFFF
    /// The longest key or value a record can hold.
    static let maximumLength = Int(UInt32.max - 1)

    /// The size of a whole record with these lengths (`valueLength` nil for a tombstone).
    @inline(__always)
    static func size(keyLength: Int, valueLength: Int?) -> Int {
        headerSize + keyLength + (valueLength ?? 0)
    }

    /// Appends the record for `key` → `value` (nil: a tombstone) to `buffer`.
    static func append(key: [UInt8], value: [UInt8]?, to buffer: inout [UInt8]) {
        let valueField = value.map { UInt32($0.count) } ?? tombstone
        let start = buffer.count
        buffer.append(contentsOf: [0, 0, 0, 0])  // the CRC, filled in below
        appendLittleEndian(UInt32(key.count), to: &buffer)
        appendLittleEndian(valueField, to: &buffer)
        buffer.append(contentsOf: key)
        if let value { buffer.append(contentsOf: value) }
        var crc = CRC32()
        buffer.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[(start + 4)...])) }
        let checksum = crc.value
        buffer[start] = UInt8(truncatingIfNeeded: checksum)
        buffer[start + 1] = UInt8(truncatingIfNeeded: checksum >> 8)
        buffer[start + 2] = UInt8(truncatingIfNeeded: checksum >> 16)
        buffer[start + 3] = UInt8(truncatingIfNeeded: checksum >> 24)
    }

    @inline(__always)
    static func appendLittleEndian(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// A record header read from bytes.
    struct Header {
        var checksum: UInt32
        var keyLength: Int
        /// nil for a tombstone.
        var valueLength: Int?
        var recordSize: Int { BitCaskRecord.size(keyLength: keyLength, valueLength: valueLength) }
    }

    /// Reads the header at `offset` in `bytes` (which must hold `headerSize` bytes there).
    @inline(__always)
    static func header(in bytes: UnsafeRawBufferPointer, at offset: Int) -> Header {
        let checksum = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
        let keyLength = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self).littleEndian
        let valueField = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self).littleEndian
        return Header(checksum: checksum, keyLength: Int(keyLength),
                      valueLength: valueField == tombstone ? nil : Int(valueField))
    }

    /// Whether the whole record at `offset` in `bytes` matches its checksum.
    @inline(__always)
    static func checksumMatches(_ header: Header, in bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        var crc = CRC32()
        crc.update(UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + header.recordSize)]))
        return crc.value == header.checksum
    }
}
