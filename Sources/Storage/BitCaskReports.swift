/// When BitCask forces written records onto the disk with fsync (see the module docs).
///
/// Whatever the policy, `flush()` and `close()` write and fsync everything, and records are
/// never half-visible after a crash: a torn last record is cut off on the next open.
public enum SyncPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Write and fsync every set and delete before it returns: nothing that returned is lost.
    case always
    /// Group commit: records collect in memory and are written and fsynced together once
    /// `writes` records or `bytes` bytes are pending (and on `flush()`). A power loss or crash
    /// can lose at most the pending group — never anything from an earlier group.
    case batched(writes: Int = 128, bytes: Int = 1 << 20)
    /// Never fsync on its own: records reach the OS when the 64 KiB buffer fills and the disk
    /// whenever the OS decides (or on `flush()`). A process crash loses the buffer.
    case never

    public var description: String {
        switch self {
        case .always: return "always"
        case .batched(let writes, let bytes): return "batched (every \(writes) writes or \(bytes) bytes)"
        case .never: return "never"
        }
    }
}

/// What opening a BitCask log found and did, for the REPL to show.
public struct BitCaskOpenReport: Sendable, Hashable, CustomStringConvertible {
    /// The data directory.
    public var directory: String
    /// Records replayed from the log (sets and tombstones).
    public var records: Int
    /// Live keys after replay.
    public var keys: Int
    /// The log's size as found, before any truncation or compaction.
    public var logSize: UInt64
    /// Set when a torn or corrupt tail was cut off.
    public var recovery: BitCaskRecovery?
    /// Whether a temporary file from an interrupted compaction was removed.
    public var removedTemporaryFile: Bool
    /// Set when the garbage ratio was above the threshold and the log was compacted.
    public var compaction: BitCaskCompaction?
    /// Why compaction on open failed, if it did (the log is left as it was).
    public var compactionError: String?
    /// Time taken to open.
    public var duration: Duration

    /// What a user must hear about this open (a cut tail, a failed compaction), or nil when
    /// the log opened as it was left.
    public var notice: String? {
        var lines: [String] = []
        if let recovery { lines.append("\(directory)/\(BitCask.logName): \(recovery.description)") }
        if let compactionError { lines.append("\(directory): compaction on open failed, the log is unchanged: \(compactionError)") }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    public var description: String {
        var lines = ["opened \(directory): replayed \(records) records (\(logSize) bytes), \(keys) live keys in \(duration)"]
        if removedTemporaryFile { lines.append("removed the temporary file of an interrupted compaction") }
        if let recovery { lines.append(recovery.description) }
        if let compaction { lines.append(compaction.description) }
        if let compactionError { lines.append("compaction on open failed, the log is unchanged: \(compactionError)") }
        return lines.joined(separator: "\n")
    }
}

/// A torn or corrupt tail that opening cut off the log.
public struct BitCaskRecovery: Sendable, Hashable, CustomStringConvertible {
    /// Where the first bad record started; the log now ends here.
    public var offset: UInt64
    /// How many bytes were cut off.
    public var bytesTruncated: UInt64
    /// What was wrong with the record at `offset`.
    public var cause: String

    public var description: String {
        "recovered from a torn or corrupt tail: truncated \(bytesTruncated) bytes at offset \(offset) (\(cause))"
    }
}

/// The result of one compaction.
public struct BitCaskCompaction: Sendable, Hashable, CustomStringConvertible {
    /// Log size before and after.
    public var sizeBefore: UInt64
    public var sizeAfter: UInt64
    /// Live keys copied.
    public var keys: Int
    /// Time taken.
    public var duration: Duration

    public var description: String {
        "compacted the log from \(sizeBefore) to \(sizeAfter) bytes (\(keys) live keys) in \(duration)"
    }
}
