/// # Encoding: turning values into bytes that sort correctly
///
/// Every layer above this one stores its data in a storage engine, and a storage engine knows
/// only one thing about keys: their **byte order**. It keeps keys sorted by comparing bytes
/// left to right (`memcmp` order), and its one way of reading "many things at once" is a
/// range scan: every key from this byte string up to that one.
///
/// That is enough for a whole database *if* keys are encoded so that byte order equals the
/// logical order of the values inside them. Then:
///
/// - "all rows of table `users`" is the range of keys starting with `Row("users", …)`;
/// - "`users` rows with id between 10 and 20" is the range `Row("users", 10) … Row("users", 20)`;
/// - "every version of key `k`" is the range `Version(k, 0) … Version(k, ∞)`, and the newest
///   one is the last key in that range.
///
/// A naive encoding breaks this. Little-endian integers sort 256 before 1; two's complement
/// sorts -1 after 1; the string "ab" followed by another field can sort after "abc". The
/// ``KeyEncoder`` fixes each of these (toyDB calls the same idea "keycode"):
///
/// | value   | encoding                                                         | why                                  |
/// |---------|------------------------------------------------------------------|--------------------------------------|
/// | Bool    | `0x00` / `0x01`                                                  | false < true                         |
/// | UInt64  | 8 bytes big-endian                                               | most significant byte compared first |
/// | Int64   | 8 bytes big-endian with the sign bit flipped                     | negatives then sort before positives |
/// | Double  | positives: sign bit flipped; negatives: all bits flipped         | IEEE 754 bit patterns become ordered |
/// | bytes   | `0x00` escaped as `0x00 0xFF`, terminated by `0x00 0x00`         | prefixes sort first, zeros keep order|
/// | String  | its UTF-8 bytes, encoded as bytes                                | UTF-8 byte order = code point order  |
/// | Optional| `0x00` for none, `0x01` then the value                           | none sorts before every value        |
/// | tag     | one byte                                                         | enum-like key kinds, grouped by kind |
///
/// A tuple is simply its fields encoded one after another: because every field encoding is
/// *prefix-free* (no encoding is a prefix of a different one), comparing two tuples byte by byte
/// compares them field by field, exactly like comparing Swift tuples.
///
/// Values (row contents, Raft entries) are never compared, so they use a second, compact codec:
/// ``BinaryWriter`` and ``BinaryReader`` with variable-length integers. Both decoders treat
/// their input as untrusted: malformed or truncated bytes throw ``EncodingError`` naming the
/// offset and what was expected; nothing a file or a peer sends can crash the process.

/// The version of Cutaway's on-disk encodings.
public enum EncodingFormat {
    /// Bumped whenever a stored byte layout changes.
    public static let version = 1
}

/// Why decoding failed: where in the input, what the decoder expected and what it found.
///
/// Thrown by ``KeyDecoder`` and ``BinaryReader`` for any malformed input.
public struct EncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of malformation was found.
    public enum Reason: Hashable, Sendable {
        /// The input ended in the middle of a value.
        case truncated
        /// A byte that cannot appear at this position.
        case invalidByte(UInt8)
        /// A varint longer than 10 bytes, with a non-minimal encoding, or overflowing 64 bits.
        case overlongVarint
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// Bytes left over after the last expected value.
        case trailingBytes(count: Int)
        /// A decoded number that does not fit where it is used (such as a length above Int.max).
        case outOfRange(UInt64)
    }

    /// The byte offset in the input where the problem was detected.
    public var offset: Int
    /// What the decoder was trying to read ("Int64", "string terminator", …).
    public var expected: String
    /// What went wrong.
    public var reason: Reason

    public init(offset: Int, expected: String, reason: Reason) {
        self.offset = offset
        self.expected = expected
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .truncated:
            return "malformed encoding at offset \(offset): input ends while reading \(expected)"
        case .invalidByte(let byte):
            return "malformed encoding at offset \(offset): byte 0x\(hexByte(byte)) is not a valid \(expected)"
        case .overlongVarint:
            return "malformed encoding at offset \(offset): overlong or overflowing varint while reading \(expected)"
        case .invalidUTF8:
            return "malformed encoding at offset \(offset): \(expected) is not valid UTF-8"
        case .trailingBytes(let count):
            return "malformed encoding at offset \(offset): \(count) unexpected trailing byte(s) after \(expected)"
        case .outOfRange(let value):
            return "malformed encoding at offset \(offset): \(value) is out of range for \(expected)"
        }
    }
}

/// Two lowercase hex digits for `byte` (shared by error messages and debug output).
@inlinable
public func hexByte(_ byte: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

/// Lowercase hex for a byte string, such as `"00ff1a"`.
public func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.map(hexByte).joined()
}
