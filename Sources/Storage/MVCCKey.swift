import Encoding

/// The keys MVCC stores in the engine, one case per kind; see the layout table in `MVCC.swift`.
///
/// Every key starts with a one-byte tag, so each kind occupies its own contiguous range and a
/// prefix scan finds all keys of one kind (all active transactions, one transaction's write
/// set, every version of one user key).
public enum MVCCKey: Hashable, Sendable, CustomStringConvertible {
    /// The next version `begin` will hand out.
    case nextVersion
    /// Marks transaction `version` as running; deleting it is the commit point.
    case txnActive(UInt64)
    /// The set of transactions that were running when `version` began (for time travel).
    case txnActiveSnapshot(UInt64)
    /// Transaction `version` wrote `key` (its write set, so rollback can find its writes).
    case txnWrite(UInt64, key: [UInt8])
    /// The value (or tombstone) that transaction `version` wrote for `key`.
    case version(key: [UInt8], version: UInt64)
    /// A plain, unversioned key for metadata outside transactions.
    case unversioned([UInt8])

    /// The one-byte tags; their order is the order of the kinds in the key space.
    enum Tag: UInt8 {
        case nextVersion = 0x01
        case txnActive = 0x02
        case txnActiveSnapshot = 0x03
        case txnWrite = 0x04
        case version = 0x05
        case unversioned = 0x06
    }

    /// The order-preserving engine key.
    public var encoded: [UInt8] {
        if case .version(let key, let version) = self { return Self.versionKey(key, version: version) }
        var e = KeyEncoder()
        switch self {
        case .nextVersion:
            e.appendTag(Tag.nextVersion.rawValue)
        case .txnActive(let version):
            e.appendTag(Tag.txnActive.rawValue)
            e.append(version)
        case .txnActiveSnapshot(let version):
            e.appendTag(Tag.txnActiveSnapshot.rawValue)
            e.append(version)
        case .txnWrite(let version, let key):
            e.appendTag(Tag.txnWrite.rawValue)
            e.append(version)
            e.append(bytes: key)
        case .version(let key, let version):
            return Self.versionKey(key, version: version)
        case .unversioned(let key):
            e.appendTag(Tag.unversioned.rawValue)
            e.append(bytes: key)
        }
        return e.bytes
    }

    /// `version(key:version:)` encoded into a buffer sized up front (escaping at most doubles
    /// the key), so it allocates once: the commonest key, and batched reads build thousands.
    static func versionKey(_ key: [UInt8], version: UInt64) -> [UInt8] {
        var e = KeyEncoder(capacity: 1 + 2 * key.count + 2 + 8)
        appendVersionKey(key[...], version: version, to: &e)
        return e.bytes
    }

    /// Writes `version(key:version:)` to the end of `encoder` (a key of a `KeyBatch`).
    static func appendVersionKey(_ key: ArraySlice<UInt8>, version: UInt64, to encoder: inout KeyEncoder) {
        encoder.appendTag(Tag.version.rawValue)
        encoder.append(bytes: key)
        encoder.append(version)
    }

    /// Decodes an engine key written by MVCC.
    /// - Throws: `EncodingError` if the bytes are not a well-formed MVCC key.
    public static func decode(_ bytes: [UInt8]) throws(EncodingError) -> MVCCKey {
        var d = KeyDecoder(bytes)
        let tagByte = try d.readTag("MVCC key tag")
        guard let tag = Tag(rawValue: tagByte) else {
            throw EncodingError(offset: 0, expected: "MVCC key tag (0x01-0x06)", reason: .invalidByte(tagByte))
        }
        let key: MVCCKey
        switch tag {
        case .nextVersion: key = .nextVersion
        case .txnActive: key = .txnActive(try d.readUInt64())
        case .txnActiveSnapshot: key = .txnActiveSnapshot(try d.readUInt64())
        case .txnWrite:
            let version = try d.readUInt64()
            key = .txnWrite(version, key: try d.readBytes("key"))
        case .version:
            let user = try d.readBytes("key")
            key = .version(key: user, version: try d.readUInt64())
        case .unversioned: key = .unversioned(try d.readBytes("key"))
        }
        try d.finish("MVCC key")
        return key
    }

    /// The version of a raw `Version` key if the key is well formed (tag, escaped user key,
    /// terminator, 8-byte version), checked without copying anything; nil otherwise.
    /// - Complexity: O(key length)
    static func versionIfWellFormed(_ raw: ArraySlice<UInt8>) -> UInt64? {
        raw.withUnsafeBufferPointer { bytes -> UInt64? in
            let count = bytes.count
            guard count >= 11, bytes[0] == Tag.version.rawValue else { return nil }
            let terminator = count - 10
            var index = 1
            while index < terminator {
                if bytes[index] == 0x00 {
                    // Only an escape (0x00 0xFF) may occur before the terminator.
                    guard index + 1 < terminator, bytes[index + 1] == 0xFF else { return nil }
                    index += 2
                } else {
                    index += 1
                }
            }
            guard bytes[terminator] == 0x00, bytes[terminator + 1] == 0x00 else { return nil }
            return UInt64(bigEndian: UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        }
    }

    /// The user key of a raw `Version` key, unescaped, if the key is well formed (see
    /// ``versionIfWellFormed(_:)``); nil otherwise, when `decode` says what is wrong.
    static func userKey(ifWellFormed raw: ArraySlice<UInt8>) -> [UInt8]? {
        guard versionIfWellFormed(raw) != nil else { return nil }
        return raw.withUnsafeBufferPointer { bytes in
            // Between the tag and the terminator: bytes, each 0x00 escaped as 0x00 0xFF.
            let terminator = bytes.count - 10
            var key: [UInt8] = []
            key.reserveCapacity(terminator - 1)
            var index = 1
            while index < terminator {
                key.append(bytes[index])
                index += bytes[index] == 0x00 ? 2 : 1
            }
            return key
        }
    }

    /// The last 8 bytes of a version key known to be well formed (one equal to a key this
    /// process encoded in all but those bytes), as its version.
    static func trailingVersion(_ raw: ArraySlice<UInt8>) -> UInt64 {
        raw.withUnsafeBytes { bytes in
            bytes.count < 8 ? 0 : UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
        }
    }

    /// The engine prefix shared by every version of every user key that starts with `prefix`.
    ///
    /// Escaping is byte by byte, so the escaped prefix (without terminator) is a prefix of the
    /// escaped form of every key that extends it — and of no other key.
    /// A version key's bytes in labelled pieces, given its user key's own pieces: the tag, each
    /// piece escaped (every 00 written 00 ff, so that 00 00 can end the key), the end, and
    /// the version. They concatenate to `MVCCKey.version(key:version:).encoded`.
    public static func versionSegments(_ key: [KeySegment], version: UInt64) -> [KeySegment] {
        var out = [KeySegment([Tag.version.rawValue], "05: MVCC version of a key")]
        for segment in key {
            var e = KeyEncoder()
            e.appendPrefix(bytes: segment.bytes)
            out.append(KeySegment(e.bytes, segment.meaning))
        }
        var e = KeyEncoder()
        e.append(version)
        return out + [KeySegment([0, 0], "00 00: end of the key"), KeySegment(e.bytes, "version \(version), big-endian")]
    }

    public static func versionPrefix(_ prefix: [UInt8]) -> [UInt8] {
        var e = KeyEncoder()
        e.appendTag(Tag.version.rawValue)
        e.appendPrefix(bytes: prefix)
        return e.bytes
    }

    /// The engine prefix of every version of exactly `key`.
    static func versionsOf(_ key: [UInt8]) -> [UInt8] {
        var e = KeyEncoder()
        e.appendTag(Tag.version.rawValue)
        e.append(bytes: key)
        return e.bytes
    }

    /// `version(key:version:)` encoded from `versionsOf(key)`, without escaping the key again.
    static func versionKey(prefix: [UInt8], version: UInt64) -> [UInt8] {
        var e = KeyEncoder(bytes: prefix)
        e.append(version)
        return e.bytes
    }

    /// The key's version `version`, encoded from another version of the same key (tag,
    /// escaped key, terminator, version) into a buffer of exactly its size.
    static func versionKey(sameKeyAs other: [UInt8], version: UInt64) -> [UInt8] {
        var e = KeyEncoder(capacity: other.count)
        e.appendRaw(other.dropLast(8))
        e.append(version)
        return e.bytes
    }

    /// `txnWrite(version, key:)` encoded from `versionsOf(key)` (tag, escaped key, terminator):
    /// the same escaped key and terminator follow a different tag and the version.
    static func txnWriteKey(version: UInt64, versionsPrefix prefix: [UInt8]) -> [UInt8] {
        txnWriteKey(version: version, escapedKey: prefix.dropFirst())
    }

    /// `txnWrite(version, key:)` encoded from any version of the key (tag, escaped key,
    /// terminator, version).
    static func txnWriteKey(version: UInt64, versionKey: [UInt8]) -> [UInt8] {
        txnWriteKey(version: version, escapedKey: versionKey.dropFirst().dropLast(8))
    }

    /// The tag, the version, then the key already escaped and terminated.
    private static func txnWriteKey(version: UInt64, escapedKey: ArraySlice<UInt8>) -> [UInt8] {
        var e = KeyEncoder(capacity: 9 + escapedKey.count)
        e.appendTag(Tag.txnWrite.rawValue)
        e.append(version)
        e.appendRaw(escapedKey)
        return e.bytes
    }

    /// The engine prefix of all `TxnActive` keys.
    static let txnActivePrefix: [UInt8] = [Tag.txnActive.rawValue]

    /// The engine prefix of transaction `version`'s write set.
    static func txnWritePrefix(_ version: UInt64) -> [UInt8] {
        var e = KeyEncoder()
        e.appendTag(Tag.txnWrite.rawValue)
        e.append(version)
        return e.bytes
    }

    /// Converts a range of user keys into the range of their version keys in the engine.
    static func versionRange(_ range: KeyRange) -> KeyRange {
        let tag = Tag.version.rawValue
        let start: KeyRange.Bound
        switch range.start {
        case .unbounded: start = .included([tag])
        case .included(let key): start = .included(versionsOf(key))
        // Past the last possible version of `key`.
        case .excluded(let key): start = .excluded(MVCCKey.version(key: key, version: .max).encoded)
        }
        let end: KeyRange.Bound
        switch range.end {
        case .unbounded: end = .excluded([tag + 1])
        case .included(let key): end = .included(MVCCKey.version(key: key, version: .max).encoded)
        // The encoded key is a proper prefix of each of its versions, so it sorts before all of
        // them and after every version of every smaller key.
        case .excluded(let key): end = .excluded(versionsOf(key))
        }
        return KeyRange(start: start, end: end)
    }

    public var description: String {
        switch self {
        case .nextVersion: return "NextVersion"
        case .txnActive(let v): return "TxnActive(\(v))"
        case .txnActiveSnapshot(let v): return "TxnActiveSnapshot(\(v))"
        case .txnWrite(let v, let key): return "TxnWrite(\(v), \(describeBytes(key)))"
        case .version(let key, let v): return "Version(\(describeBytes(key)), \(v))"
        case .unversioned(let key): return "Unversioned(\(describeBytes(key)))"
        }
    }
}

/// Renders bytes for messages: quoted text when every byte is printable ASCII, hex otherwise.
func describeBytes(_ bytes: [UInt8]) -> String {
    if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }) {
        return "\"" + String(decoding: bytes, as: UTF8.self) + "\""
    }
    return "0x" + hexString(bytes)
}
