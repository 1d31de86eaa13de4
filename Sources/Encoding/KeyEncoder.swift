/// Builds an order-preserving key: byte order of the result equals the logical order of the
/// appended values, compared field by field like a Swift tuple.
///
/// ```swift
/// var key = KeyEncoder()
/// key.appendTag(2)              // which kind of key
/// key.append("users")           // table
/// key.append(Int64(-7))         // primary key
/// storage.set(key.bytes, value)
/// ```
public struct KeyEncoder: Sendable {
    /// The encoded key so far.
    public private(set) var bytes: [UInt8]

    /// An empty key.
    public init() { bytes = [] }

    /// Starts from already-encoded bytes (for example a prefix built elsewhere).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// An empty key with room for `capacity` bytes, for keys built once per row: appending
    /// into a buffer sized up front saves the reallocations of growing it from empty.
    public init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A one-byte tag that says which kind of key follows, so kinds group together and sort
    /// by tag value.
    public mutating func appendTag(_ tag: UInt8) {
        bytes.append(tag)
    }

    /// `0x00` for false, `0x01` for true.
    public mutating func append(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// 8 bytes, big-endian, so the most significant byte is compared first.
    public mutating func append(_ value: UInt64) {
        appendBigEndian(value)
    }

    /// 8 bytes, big-endian, with the sign bit flipped: two's complement puts negative numbers
    /// above positive ones when read as unsigned; flipping the sign bit moves them below.
    public mutating func append(_ value: Int64) {
        appendBigEndian(UInt64(bitPattern: value) ^ (1 << 63))
    }

    /// 8 bytes giving doubles a total order: `-inf < … < -0.0 < 0.0 < … < inf < NaN`.
    ///
    /// IEEE 754 bit patterns of positive numbers already sort like their values when read as
    /// unsigned integers; flipping the sign bit puts them above all negatives. Negative numbers
    /// sort backwards (a larger magnitude is a larger pattern), so all their bits are flipped.
    /// Two choices are deliberate:
    /// - `-0.0` is kept (it round-trips exactly) and sorts just below `0.0`. Callers that want
    ///   SQL equality, where `-0.0 = 0.0`, normalize it before encoding.
    /// - Every NaN is stored as the one canonical quiet NaN and sorts after `+inf`, so
    ///   "NaN sorts last" holds whatever sign or payload the NaN had.
    public mutating func append(_ value: Double) {
        let canonical = value.isNaN ? Double.nan : value
        let bits = canonical.bitPattern
        appendBigEndian(bits & (1 << 63) == 0 ? bits ^ (1 << 63) : ~bits)
    }

    /// The bytes with every `0x00` escaped as `0x00 0xFF`, then the terminator `0x00 0x00`.
    ///
    /// The terminator makes a shorter byte string sort before any longer one it is a prefix of
    /// (`0x00 0x00` is below every escaped byte), and the escape keeps embedded zeros from
    /// looking like the terminator while still sorting below `0x01`.
    public mutating func append(bytes value: some Sequence<UInt8>) {
        appendEscaped(value)
        bytes.append(0x00)
        bytes.append(0x00)
    }

    /// ``append(bytes:)`` for an array, the common case: a concrete overload, because the
    /// generic one is not specialized across the module boundary and iterates through a
    /// protocol witness per byte (it showed up as 13% of a bulk insert's profile).
    public mutating func append(bytes value: [UInt8]) {
        appendEscaped(value)
        bytes.append(0x00)
        bytes.append(0x00)
    }

    /// ``append(bytes:)`` for part of an array (a key of a `KeyBatch`, which keeps its keys in one buffer).
    public mutating func append(bytes value: ArraySlice<UInt8>) {
        value.withUnsafeBufferPointer { appendEscaped($0) }
        bytes.append(0x00)
        bytes.append(0x00)
    }

    /// The string's UTF-8 bytes, encoded as ``append(bytes:)``; UTF-8 byte order is code point
    /// order, so strings sort by code point (not by locale).
    public mutating func append(_ value: String) {
        append(bytes: value.utf8)
    }

    /// `0x00` for nil, or `0x01` followed by the value written by `appendValue`: nil sorts first.
    public mutating func appendOptional<T>(_ value: T?, _ appendValue: (inout KeyEncoder, T) -> Void) {
        if let value {
            bytes.append(0x01)
            appendValue(&self, value)
        } else {
            bytes.append(0x00)
        }
    }

    /// The escaped bytes *without* the terminator: the common prefix of every encoded byte
    /// string (or string) that starts with `prefix`, for prefix scans over a byte-string field.
    public mutating func appendPrefix(bytes prefix: some Sequence<UInt8>) {
        appendEscaped(prefix)
    }

    /// ``appendPrefix(bytes:)`` for an array (see ``append(bytes:)-([UInt8])``).
    public mutating func appendPrefix(bytes prefix: [UInt8]) {
        appendEscaped(prefix)
    }

    /// Raw bytes appended as they are, for keys whose tail is already encoded elsewhere.
    public mutating func appendRaw(_ raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// ``appendRaw(_:)`` for part of an array, copied in one go (the generic one is not
    /// specialized across the module boundary and copies byte by byte; MVCC builds a write-set
    /// key this way for every row written).
    public mutating func appendRaw(_ raw: ArraySlice<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    /// Escapes into a scratch buffer on the stack, then appends it in one go: keys are mostly
    /// zeros (an integer id is eight big-endian bytes), and appending the runs between them
    /// one by one cost more than the escaping.
    private mutating func appendEscaped(_ value: [UInt8]) {
        value.withUnsafeBufferPointer { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ source: UnsafeBufferPointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * source.count) { scratch in
            var count = 0
            for byte in source {
                scratch[count] = byte
                count += 1
                if byte == 0x00 {
                    scratch[count] = 0xFF
                    count += 1
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }

    private mutating func appendEscaped(_ value: some Sequence<UInt8>) {
        for byte in value {
            bytes.append(byte)
            if byte == 0x00 { bytes.append(0xFF) }
        }
    }

    private mutating func appendBigEndian(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
