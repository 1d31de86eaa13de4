import Encoding

/// A transaction's snapshot: its version and the versions it must not see. Exportable (it is
/// a plain value, and ``encoded()`` turns it into bytes) so a transaction can be resumed later,
/// in another request or on another node, with ``MVCC/resume(_:)``.
public struct TransactionState: Sendable, Hashable {
    /// A read-write transaction's own version (its writes carry it). A read-only transaction
    /// takes no version of its own: it sees the versions strictly *below* this one.
    public var version: UInt64
    /// Whether writes are refused.
    public var readOnly: Bool
    /// Transactions that were still running when this one began: their writes stay invisible
    /// even after they commit, which is what keeps the snapshot stable.
    public var active: Set<UInt64>

    public init(version: UInt64, readOnly: Bool, active: Set<UInt64>) {
        self.version = version
        self.readOnly = readOnly
        self.active = active
    }

    /// Whether a version written by transaction `version` belongs to this snapshot: it is this
    /// transaction's own write, or it was committed before this transaction began.
    public func isVisible(_ version: UInt64) -> Bool {
        if active.contains(version) { return false }
        // A read-only transaction shares its version number with the next read-write
        // transaction, whose writes must stay invisible to it.
        return readOnly ? version < self.version : version <= self.version
    }

    /// Compact bytes for shipping the state elsewhere (version, read-only flag, active set).
    public func encoded() -> [UInt8] {
        var w = BinaryWriter()
        w.writeUVarint(version)
        w.writeBool(readOnly)
        w.writeUVarint(UInt64(active.count))
        for v in active.sorted() { w.writeUVarint(v) }
        return w.bytes
    }

    /// Reads a state written by ``encoded()``.
    /// - Throws: `EncodingError` for malformed bytes.
    public init(decoding bytes: [UInt8]) throws(EncodingError) {
        var r = BinaryReader(bytes)
        version = try r.readUVarint("transaction version")
        readOnly = try r.readBool()
        active = try MVCCValues.readVersionSet(&r)
        try r.finish("transaction state")
    }
}

/// Every stored version of one user key, oldest first (for `.mvcc`).
public struct KeyVersions: Sendable, Hashable {
    /// The user key.
    public var key: [UInt8]
    /// Its versions, oldest first.
    public var versions: [VersionInfo]

    public init(key: [UInt8], versions: [VersionInfo]) {
        self.key = key
        self.versions = versions
    }
}

/// One stored version of a key, with whether the viewer sees it and why.
public struct VersionInfo: Sendable, Hashable {
    /// The version, which is also the writing transaction.
    public var version: UInt64
    /// The value written; nil is a tombstone (the transaction deleted the key).
    public var value: [UInt8]?
    /// Whether (and why) the viewer sees this version.
    public var visibility: Visibility

    public init(version: UInt64, value: [UInt8]?, visibility: Visibility) {
        self.version = version
        self.value = value
        self.visibility = visibility
    }
}

/// Why a viewer does or does not see a version.
public enum Visibility: Sendable, Hashable, CustomStringConvertible {
    /// Committed before the viewer's snapshot, and the newest such version: what a read returns.
    case visible
    /// Committed before the snapshot, but a newer visible version exists.
    case shadowed
    /// Written by the viewer itself.
    case ownWrite
    /// Its writer was still running when the viewer began: invisible, even once committed.
    case activeAtStart
    /// Its version is newer than the viewer's: invisible.
    case writtenLater
    /// (Viewer nil.) Still being written by an active transaction.
    case uncommitted

    public var description: String {
        switch self {
        case .visible: return "visible"
        case .shadowed: return "shadowed"
        case .ownWrite: return "own write"
        case .activeAtStart: return "active at start"
        case .writtenLater: return "written later"
        case .uncommitted: return "uncommitted"
        }
    }
}

/// A snapshot of MVCC's bookkeeping, for `.status`.
public struct MVCCStatus: Sendable, Hashable {
    /// How many versions (read-write transactions) have been handed out.
    public var versions: UInt64
    /// How many versions of keys are stored (every write and tombstone, of every key).
    public var storedVersions = 0
    /// The version the next read-write transaction will get.
    public var nextVersion: UInt64
    /// The versions of the transactions still running, ascending.
    public var activeTransactions: [UInt64]
    /// The storage engine's own status.
    public var engine: EngineStatus

    public init(versions: UInt64, nextVersion: UInt64, activeTransactions: [UInt64], engine: EngineStatus) {
        self.versions = versions
        self.nextVersion = nextVersion
        self.activeTransactions = activeTransactions
        self.engine = engine
    }
}

/// What can go wrong in a transaction.
public enum MVCCError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Write-write conflict: `key`'s latest version was written by `otherVersion`, a transaction
    /// this one cannot see (concurrent or later). Retrying the whole transaction resolves it.
    case serialization(key: [UInt8], otherVersion: UInt64)
    /// A write in a read-only transaction.
    case readOnly
    /// Time travel to a version that does not exist yet.
    case invalidVersion(UInt64)
    /// Stored bytes that MVCC cannot decode.
    case corrupt(String)
    /// The transaction already committed or rolled back (or was never begun).
    case notActive(UInt64)
    /// A savepoint this transaction never handed out (or one already rolled back past).
    case invalidSavepoint(Int)
    /// A read-only transaction (reading below this version) used after it ended.
    case snapshotEnded(UInt64)

    public var description: String {
        switch self {
        case .serialization(let key, let other):
            return "serialization failure: key \(describeBytes(key)) was written by transaction \(other), "
                + "which this transaction cannot see; retry the transaction"
        case .readOnly:
            return "cannot write in a read-only transaction"
        case .invalidVersion(let version):
            return "version \(version) does not exist yet"
        case .corrupt(let detail):
            return "corrupt MVCC data: \(detail)"
        case .notActive(let version):
            return "transaction \(version) is not active (it was committed or rolled back)"
        case .invalidSavepoint(let savepoint):
            return "savepoint \(savepoint) does not exist in this transaction"
        case .snapshotEnded(let version):
            return "the read-only transaction (snapshot below version \(version)) has already ended"
        }
    }
}

/// How MVCC's own values are stored. Public for the tools that read raw engine pairs
/// (`.keys` in the shell) so that they decode a version's value the way MVCC does.
public enum MVCCValues {
    /// Where a (non-tombstone) version value's bytes start: after the `0x01` marker.
    public static let payloadOffset = 1

    /// A version's value: `0x00` for a tombstone, `0x01` followed by the bytes otherwise.
    static func encodeVersionValue(_ value: [UInt8]?) -> [UInt8] {
        guard let value else { return [0x00] }
        var out: [UInt8] = [0x01]
        out.append(contentsOf: value)
        return out
    }

    /// A stored version value: nil for a tombstone, else the value's bytes. Throws for bytes
    /// that are neither (no caller can read them, so they mean corrupt data).
    public static func decode(_ bytes: [UInt8]) throws(MVCCError) -> [UInt8]? {
        guard let tombstone = isTombstone(bytes[...]) else {
            throw .corrupt("a version value starts with an invalid marker")
        }
        return tombstone ? nil : Array(bytes.dropFirst())
    }

    /// The one place that knows the markers: true for a tombstone, false for a value, nil for
    /// neither. Scans ask it per pair, so it copies nothing.
    static func isTombstone(_ bytes: ArraySlice<UInt8>) -> Bool? {
        switch bytes.first {
        case 0x00 where bytes.count == 1: true
        case 0x01: false
        default: nil
        }
    }

    /// `decode`, with the key and version named when the value is corrupt.
    static func decodeVersionValue(_ bytes: [UInt8], key: [UInt8], version: UInt64) throws(MVCCError) -> [UInt8]? {
        guard isTombstone(bytes[...]) != nil else {
            throw .corrupt("version \(version) of key \(describeBytes(key)) has an invalid value marker")
        }
        return try decode(bytes)
    }

    /// Whether a stored version value is a tombstone; throws on an invalid marker.
    static func isTombstone(_ bytes: ArraySlice<UInt8>, rawKey: ArraySlice<UInt8>) throws -> Bool {
        if let tombstone = isTombstone(bytes) { return tombstone }
        return try decodeVersionValue(Array(bytes), rawKey: Array(rawKey)) == nil
    }

    /// `decodeVersionValue` for a raw `Version` key, decoded only for the error message.
    static func decodeVersionValue(_ bytes: [UInt8], rawKey: [UInt8]) throws -> [UInt8]? {
        guard isTombstone(bytes[...]) != nil else { return try MVCC.decodeVersion(KeyValue(key: rawKey, value: bytes)).value }
        return try decode(bytes)
    }

    /// A set of versions: a count, then each version, ascending.
    static func encodeVersionSet(_ set: Set<UInt64>) -> [UInt8] {
        var w = BinaryWriter()
        w.writeUVarint(UInt64(set.count))
        for v in set.sorted() { w.writeUVarint(v) }
        return w.bytes
    }

    static func readVersionSet(_ r: inout BinaryReader) throws(EncodingError) -> Set<UInt64> {
        let count = try r.readCount("active set size")
        // Each element takes at least one byte: a larger count is corrupt, not a reason to
        // reserve a huge set.
        guard count <= r.remainingCount else {
            throw EncodingError(offset: r.offset, expected: "\(count) active versions", reason: .truncated)
        }
        var set = Set<UInt64>(minimumCapacity: count)
        for _ in 0..<count { set.insert(try r.readUVarint("active version")) }
        return set
    }

    static func encodeVersion(_ version: UInt64) -> [UInt8] {
        var w = BinaryWriter()
        w.writeUVarint(version)
        return w.bytes
    }
}
