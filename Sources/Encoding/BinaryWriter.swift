/// Writes values compactly for storage and the network (rows, Raft entries, MVCC metadata).
///
/// Unlike ``KeyEncoder`` this encoding does not sort meaningfully; it is small instead:
/// integers are LEB128 varints (7 bits per byte, high bit = "more follows"), signed integers
/// are zigzag-mapped first so small negative numbers stay short, and byte strings carry a
/// varint length prefix.
public struct BinaryWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    public init() { bytes = [] }

    /// Reserves room for `capacity` bytes up front.
    public init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// One raw byte.
    public mutating func writeByte(_ value: UInt8) {
        bytes.append(value)
    }

    /// A Bool as one byte, `0x00` or `0x01`.
    public mutating func writeBool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// An unsigned LEB128 varint: 1 byte below 128, at most 10 bytes.
    public mutating func writeUVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A signed varint, zigzag-mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …) so small magnitudes of
    /// either sign take few bytes.
    public mutating func writeVarint(_ value: Int64) {
        writeUVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A fixed 8-byte big-endian integer.
    public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// A fixed 4-byte big-endian integer (checksums, lengths in fixed-size headers).
    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// A Double as its exact 8-byte IEEE 754 bit pattern (so -0.0 and NaN payloads survive).
    public mutating func writeDouble(_ value: Double) {
        writeUInt64(value.bitPattern)
    }

    /// A varint length followed by the bytes.
    public mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeUVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A string as length-prefixed UTF-8.
    public mutating func writeString(_ value: String) {
        writeBytes(value.utf8)
    }

    /// Raw bytes without a length (the reader must know how many to expect).
    public mutating func writeRaw(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }
}
