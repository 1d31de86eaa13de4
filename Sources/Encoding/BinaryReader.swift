/// Reads values written by ``BinaryWriter``, in the same order, from untrusted bytes.
///
/// Every read checks bounds; truncation, overlong or overflowing varints, lengths beyond the
/// input and invalid UTF-8 throw ``EncodingError`` with the offset where they were found
/// (counted from the start of the input, also when the input is a slice of a larger buffer).
public struct BinaryReader: Sendable {
    /// The whole input: an array, or a slice of one (a value inside a storage engine's buffer,
    /// read in place). Its indices are those of the array it came from.
    public let bytes: ArraySlice<UInt8>
    /// The offset of the next unread byte from the start of the input.
    public var offset: Int { position - bytes.startIndex }
    /// The index in `bytes` of the next unread byte: `offset`'s storage, open to the inlinable
    /// readers below.
    @usableFromInline var position: Int

    @inlinable
    public init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    /// A reader of a slice: a value that sits in a larger buffer, read without copying it out.
    @inlinable
    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// Whether every byte has been read.
    @inlinable
    public var isAtEnd: Bool { position >= bytes.endIndex }

    /// How many bytes are left.
    @inlinable
    public var remainingCount: Int { max(0, bytes.endIndex - position) }

    /// Throws unless every byte has been read.
    public func finish(_ what: String = "value") throws(EncodingError) {
        if position < bytes.endIndex {
            throw EncodingError(offset: offset, expected: what, reason: .trailingBytes(count: bytes.endIndex - position))
        }
    }

    /// One raw byte.
    @inlinable
    public mutating func readByte(_ what: String = "byte") throws(EncodingError) -> UInt8 {
        guard position < bytes.endIndex else {
            throw EncodingError(offset: offset, expected: what, reason: .truncated)
        }
        let byte = bytes[position]
        position += 1
        return byte
    }

    /// A Bool: exactly `0x00` or `0x01`.
    public mutating func readBool() throws(EncodingError) -> Bool {
        let start = offset
        switch try readByte("Bool") {
        case 0: return false
        case 1: return true
        case let other: throw EncodingError(offset: start, expected: "Bool", reason: .invalidByte(other))
        }
    }

    /// An unsigned LEB128 varint. Rejects encodings longer than needed (a trailing `0x00`
    /// continuation), longer than 10 bytes, or overflowing 64 bits, so every value has exactly
    /// one encoding.
    @inlinable
    public mutating func readUVarint(_ what: @autoclosure () -> String = "varint") throws(EncodingError) -> UInt64 {
        // One-byte varints (small counts, lengths and integers) are the common case.
        if position < bytes.endIndex, bytes[position] & 0x80 == 0 {
            position += 1
            return UInt64(bytes[position - 1])
        }
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var count = 0
        while true {
            guard position < bytes.endIndex else {
                throw EncodingError(offset: offset, expected: what(), reason: .truncated)
            }
            let byte = bytes[position]
            position += 1
            count += 1
            let payload = UInt64(byte & 0x7F)
            if shift == 63 && payload > 1 {
                throw EncodingError(offset: start, expected: what(), reason: .overlongVarint)
            }
            value |= payload << shift
            if byte & 0x80 == 0 {
                if byte == 0 && count > 1 {
                    throw EncodingError(offset: start, expected: what(), reason: .overlongVarint)
                }
                return value
            }
            shift += 7
            if shift > 63 {
                throw EncodingError(offset: start, expected: what(), reason: .overlongVarint)
            }
        }
    }

    /// A zigzag-mapped signed varint.
    @inlinable
    public mutating func readVarint(_ what: @autoclosure () -> String = "signed varint") throws(EncodingError) -> Int64 {
        let raw = try readUVarint(what())
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A varint that must fit in `Int` (counts and lengths).
    public mutating func readCount(_ what: String = "count") throws(EncodingError) -> Int {
        let start = offset
        let raw = try readUVarint(what)
        guard raw <= UInt64(Int.max) else {
            throw EncodingError(offset: start, expected: what, reason: .outOfRange(raw))
        }
        return Int(raw)
    }

    /// A fixed 8-byte big-endian integer.
    @inlinable
    public mutating func readUInt64(_ what: String = "UInt64") throws(EncodingError) -> UInt64 {
        guard remainingCount >= 8 else {
            throw EncodingError(offset: offset, expected: what, reason: .truncated)
        }
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        position += 8
        return UInt64(bigEndian: raw)
    }

    /// A fixed 4-byte big-endian integer.
    public mutating func readUInt32(_ what: String = "UInt32") throws(EncodingError) -> UInt32 {
        let raw = try readRaw(count: 4, what)
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A Double from its 8-byte bit pattern.
    @inlinable
    public mutating func readDouble() throws(EncodingError) -> Double {
        Double(bitPattern: try readUInt64("Double"))
    }

    /// Length-prefixed bytes; the length must not exceed what is left of the input.
    public mutating func readBytes(_ what: @autoclosure () -> String = "bytes") throws(EncodingError) -> [UInt8] {
        let range = try readLengthPrefixed(what())
        return Array(bytes[range])
    }

    /// Reads a length prefix and skips that many bytes; returns where they lie in `bytes`.
    @usableFromInline
    mutating func readLengthPrefixed(_ what: @autoclosure () -> String) throws(EncodingError) -> Range<Int> {
        let start = offset
        let length = try readUVarint("length of \(what())")
        guard length <= UInt64(remainingCount) else {
            throw EncodingError(offset: start, expected: "\(length) bytes of \(what())", reason: .truncated)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// A length-prefixed string, which must be valid UTF-8.
    @inlinable
    public mutating func readString(_ what: @autoclosure () -> String = "string") throws(EncodingError) -> String {
        let start = offset
        let range = try readLengthPrefixed(what())
        // Validated straight from the input, without copying the bytes out first. ASCII (the
        // common case) is valid UTF-8 as it stands: checking that is a tight loop, while
        // `String(validating:)` is a generic call that a table scan would pay once per string.
        let base = bytes.startIndex
        let text = bytes.withUnsafeBufferPointer { buffer -> String? in
            let slice = UnsafeBufferPointer(rebasing: buffer[(range.lowerBound - base)..<(range.upperBound - base)])
            var high: UInt8 = 0
            for byte in slice { high |= byte }
            if high < 0x80 { return String(decoding: slice, as: UTF8.self) }
            return String(validating: slice, as: UTF8.self)
        }
        guard let text else {
            throw EncodingError(offset: start, expected: what(), reason: .invalidUTF8)
        }
        return text
    }

    /// Skips length-prefixed bytes (a string or byte string a reader does not need).
    public mutating func skipLengthPrefixed(_ what: @autoclosure () -> String = "bytes") throws(EncodingError) {
        _ = try readLengthPrefixed(what())
    }

    /// Exactly `count` raw bytes.
    public mutating func readRaw(count: Int, _ what: String = "bytes") throws(EncodingError) -> [UInt8] {
        guard count >= 0, count <= remainingCount else {
            throw EncodingError(offset: offset, expected: what, reason: .truncated)
        }
        let out = Array(bytes[position..<(position + count)])
        position += count
        return out
    }
}
