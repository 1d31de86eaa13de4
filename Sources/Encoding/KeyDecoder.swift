/// Reads back a key written by ``KeyEncoder``, field by field, in the order they were written.
///
/// Keys come from storage files and from peers, so every read checks its input and throws
/// ``EncodingError`` (offset and what was expected) on malformed or truncated bytes.
public struct KeyDecoder: Sendable {
    /// The whole key being decoded.
    public let bytes: [UInt8]
    /// The offset of the next unread byte.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        offset = 0
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= bytes.count }

    /// The bytes not read yet.
    public var remaining: ArraySlice<UInt8> { bytes[min(offset, bytes.count)...] }

    /// Throws unless every byte has been read: a key with extra bytes is not the key we think.
    public func finish(_ what: String = "key") throws(EncodingError) {
        if offset < bytes.count {
            throw EncodingError(offset: offset, expected: what, reason: .trailingBytes(count: bytes.count - offset))
        }
    }

    /// A one-byte tag.
    public mutating func readTag(_ what: String = "tag") throws(EncodingError) -> UInt8 {
        try readByte(what)
    }

    /// A Bool: exactly `0x00` or `0x01`.
    public mutating func readBool() throws(EncodingError) -> Bool {
        let start = offset
        switch try readByte("Bool") {
        case 0x00: return false
        case 0x01: return true
        case let other: throw EncodingError(offset: start, expected: "Bool", reason: .invalidByte(other))
        }
    }

    /// A UInt64 (8 bytes, big-endian).
    public mutating func readUInt64() throws(EncodingError) -> UInt64 {
        try readBigEndian("UInt64")
    }

    /// An Int64 (8 bytes, big-endian, sign bit flipped).
    public mutating func readInt64() throws(EncodingError) -> Int64 {
        Int64(bitPattern: try readBigEndian("Int64") ^ (1 << 63))
    }

    /// A Double (see ``KeyEncoder/append(_:)-(Double)`` for the bit transformation).
    public mutating func readDouble() throws(EncodingError) -> Double {
        let stored = try readBigEndian("Double")
        // Encoded positives have the top bit set (it was flipped from 0); negatives have it clear.
        let bits = stored & (1 << 63) != 0 ? stored ^ (1 << 63) : ~stored
        return Double(bitPattern: bits)
    }

    /// An escaped, terminated byte string.
    ///
    /// Scans the input in place and copies each run of unescaped bytes at once; the message
    /// text for errors is built only when an error is thrown.
    public mutating func readBytes(_ what: @autoclosure () -> String = "bytes") throws(EncodingError) -> [UInt8] {
        var out: [UInt8] = []
        let start = offset
        let result: Result<Int, EncodingError> = bytes.withUnsafeBufferPointer { input in
            var runStart = start
            var index = start
            while index < input.count {
                guard input[index] == 0x00 else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<index]))
                guard index + 1 < input.count else {
                    return .failure(EncodingError(offset: index + 1, expected: "escape or terminator after 0x00 in \(what())",
                                                  reason: .truncated))
                }
                switch input[index + 1] {
                case 0x00: return .success(index + 2)
                case 0xFF: out.append(0x00)
                case let other:
                    return .failure(EncodingError(offset: index + 1, expected: "0x00 or 0xFF after 0x00 in \(what())",
                                                  reason: .invalidByte(other)))
                }
                index += 2
                runStart = index
            }
            return .failure(EncodingError(offset: input.count, expected: what(), reason: .truncated))
        }
        offset = try result.get()
        return out
    }

    /// A string: an escaped, terminated byte string holding valid UTF-8.
    public mutating func readString() throws(EncodingError) -> String {
        let start = offset
        let raw = try readBytes("string")
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw EncodingError(offset: start, expected: "string", reason: .invalidUTF8)
        }
        return text
    }

    /// An optional: reads the `0x00`/`0x01` marker and, when present, the value with `readValue`.
    public mutating func readOptional<T>(
        _ readValue: (inout KeyDecoder) throws(EncodingError) -> T
    ) throws(EncodingError) -> T? {
        let start = offset
        switch try readByte("optional marker") {
        case 0x00: return nil
        case 0x01: return try readValue(&self)
        case let other: throw EncodingError(offset: start, expected: "optional marker", reason: .invalidByte(other))
        }
    }

    private mutating func readByte(_ what: String) throws(EncodingError) -> UInt8 {
        guard offset < bytes.count else {
            throw EncodingError(offset: offset, expected: what, reason: .truncated)
        }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    private mutating func readBigEndian(_ what: String) throws(EncodingError) -> UInt64 {
        guard bytes.count - offset >= 8 else {
            throw EncodingError(offset: offset, expected: what, reason: .truncated)
        }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        offset += 8
        return UInt64(bigEndian: value)
    }
}
