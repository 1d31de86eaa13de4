#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A durable storage engine: an append-only log file plus an in-memory ordered key directory
/// (see the module docs for the idea, `BitCaskRecord` for the record format).
///
/// A data directory holds `data.log` (the log), `LOCK` (held with `flock` while open, so only
/// one engine uses the directory at a time) and, briefly during compaction,
/// `data.log.compacting`. Not thread-safe: its one owner (MVCC, a Raft node) serializes use.
///
/// If a write or fsync fails, the engine stops accepting operations (every later call throws
/// the same error): after a failed fsync the state of the file is unknown, and reopening —
/// which replays and checks the log — is the only safe way on.
public final class BitCask: StorageEngine {
    public let name = "bitcask"
    /// The data directory.
    public let directory: String
    /// When writes are fsynced.
    public let syncPolicy: SyncPolicy
    /// Opening compacts the log when garbage exceeds this fraction of it.
    public let compactionThreshold: Double
    /// What opening found and did (replayed records, truncated tail, compaction).
    public private(set) var openReport: BitCaskOpenReport
    /// The most recent compaction, if any.
    public private(set) var lastCompaction: BitCaskCompaction?
    /// The torn or corrupt tail opening cut off, if any.
    public var recovery: BitCaskRecovery? { openReport.recovery }

    /// Where the newest value of a live key sits in the log.
    struct Location {
        /// The offset of the value's first byte (just after the key).
        var offset: UInt64
        var length: UInt32

        init(offset: UInt64, length: UInt32) {
            self.offset = offset
            self.length = length
        }

        /// A location as the key directory stores it: the offset, then the length, big-endian.
        var bytes: [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(12)
            append(to: &out)
            return out
        }

        /// Appends `bytes` to `out`.
        func append(to out: inout [UInt8]) {
            withUnsafeBytes(of: offset.bigEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: length.bigEndian) { out.append(contentsOf: $0) }
        }

        /// The location stored as `bytes` (nil unless 12 bytes: only this engine writes them).
        init?(_ bytes: ArraySlice<UInt8>) {
            guard bytes.count == 12 else { return nil }
            (offset, length) = bytes.withUnsafeBytes { raw in
                (UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
                 UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            }
        }
    }

    static let logName = "data.log"
    static let temporaryName = "data.log.compacting"
    static let lockName = "LOCK"
    /// Buffered records are written to the file once they reach this size.
    static let bufferLimit = 64 << 10

    let logPath: String
    let temporaryPath: String
    private var log: PosixFile
    private let lock: PosixFile
    private var keydir: BTree
    /// Bytes of the records the key directory points at; everything else in the log is garbage.
    private var liveBytes: Int
    /// The logical end of the log: bytes in the file plus bytes buffered.
    private var end: UInt64
    /// Records appended but not yet written to the file; they start at file offset `bufferStart`.
    private var buffer: [UInt8] = []
    private var bufferStart: UInt64
    private var unsyncedWrites = 0
    private var unsyncedBytes = 0
    private var isClosed = false
    /// The write or fsync failure that stopped the engine.
    private var failure: StorageError?

    /// Opens (creating if needed) the data directory and replays its log.
    ///
    /// A torn or corrupt tail is truncated and reported in `openReport.recovery`; a leftover
    /// temporary file from an interrupted compaction is removed; if more than
    /// `compactionThreshold` of the log is garbage, the log is compacted.
    /// - Throws: `StorageError.directoryInUse` if another engine holds the directory,
    ///   `StorageError.corruptRecord` naming the offset if the log is damaged before its end,
    ///   `StorageError.io` for failed system calls.
    /// - Complexity: O(n log n) for n records in the log.
    public init(directory: String, sync: SyncPolicy = .always, compactionThreshold: Double = 0.5) throws {
        precondition((0...1).contains(compactionThreshold), "compactionThreshold is a fraction between 0 and 1")
        let started = ContinuousClock.now
        self.directory = directory
        syncPolicy = sync
        self.compactionThreshold = compactionThreshold
        logPath = directory + "/" + Self.logName
        temporaryPath = directory + "/" + Self.temporaryName

        try FileSystem.createDirectory(directory)
        lock = try PosixFile(path: directory + "/" + Self.lockName, flags: O_RDWR | O_CREAT)
        guard try Self.lockPatiently(lock) else { throw StorageError.directoryInUse(directory: directory) }
        // A compaction that did not reach its rename left the old log complete: drop the copy.
        let removedTemporaryFile = try FileSystem.remove(temporaryPath)
        let creating = !FileSystem.exists(logPath)
        log = try PosixFile(path: logPath, flags: O_RDWR | O_CREAT)
        // A new file's directory entry is only durable once the directory is fsynced.
        if creating || removedTemporaryFile { try FileSystem.syncDirectory(directory) }
        let replay = try LogReplay.read(log)
        if let recovery = replay.recovery {
            try log.truncate(to: recovery.offset)
            try log.sync()
        }
        keydir = replay.keydir
        liveBytes = replay.liveBytes
        end = replay.validEnd
        bufferStart = replay.validEnd
        openReport = BitCaskOpenReport(
            directory: directory, records: replay.records, keys: replay.keydir.count, logSize: replay.fileSize,
            recovery: replay.recovery, removedTemporaryFile: removedTemporaryFile, compaction: nil, compactionError: nil,
            duration: .zero)
        if end > 0, Double(end - UInt64(liveBytes)) / Double(end) > compactionThreshold {
            // Compaction is housekeeping: if it fails (say, the disk is full) before its rename,
            // the old log is intact and the database is still usable, so report and carry on.
            // A failure after the rename has stopped the engine, and then opening fails.
            do {
                openReport.compaction = try compact()
            } catch {
                if let failure { throw failure }
                openReport.compactionError = "\(error)"
            }
        }
        openReport.duration = ContinuousClock.now - started
    }

    /// The shape in the package contract (C3): `BitCask(path:syncPolicy:)`.
    public convenience init(path: String, syncPolicy: SyncPolicy = .always) throws {
        try self.init(directory: path, sync: syncPolicy)
    }

    /// Takes the directory lock, retrying for up to about 100 ms before giving up.
    ///
    /// A process that starts a child (`posix_spawn`, `Process`) shares every open file with it
    /// for the instant between fork and exec, close-on-exec or not; if this process closed the
    /// database during that instant, the child still holds the old lock for a moment. A short
    /// retry tells that apart from a real second owner, which holds the lock for good.
    private static func lockPatiently(_ lock: PosixFile) throws -> Bool {
        for attempt in 0..<50 {
            if try lock.tryLockExclusively() { return true }
            if attempt < 49 { usleep(2_000) }
        }
        return false
    }

    deinit {
        // A clean shutdown makes everything durable; errors here have no one to go to, and the
        // next open checks the log anyway.
        if !isClosed, failure == nil {
            try? drain()
            try? log.sync()
        }
    }

    // MARK: - Reads

    /// - Complexity: O(log n) plus one `pread` of the value.
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try checkUsable()
        guard let stored = keydir.get(key) else { return nil }
        return try readValue(at: try location(stored[...]))
    }

    /// A cursor over `range`; it stays valid when the engine changes between `next()` calls.
    /// - Complexity: O(log n) per batch of keys, one `pread` per value.
    public func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor {
        BatchCursor(range: range, reverse: reverse) { [self] start, end, limit in
            try checkUsable()
            let pairs = reverse
                ? keydir.pairsReversed(from: start, to: end, limit: limit) { (Array($0), $1) }
                : keydir.pairs(from: start, to: end, limit: limit) { (Array($0), $1) }
            return try pairs.map { KeyValue(key: $0.0, value: try readValue(at: try location($0.1))) }
        }
    }

    /// One batched search of the key directory for all the keys (see `BTree.lastAtOrBefore`),
    /// then one read per value found.
    /// - Complexity: O(log n) per key (less for sorted, nearby keys), one `pread` per value.
    public func lastAtOrBefore(_ keys: KeyBatch,
                               _ body: (_ index: Int, _ key: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) throws -> Void) throws {
        try checkUsable()
        try keydir.lastAtOrBefore(keys) { index, key, stored in
            try body(index, key, try readValue(at: try location(stored))[...])
        }
    }

    /// A location read back from the key directory; only this engine writes them, so a bad one
    /// means the process's own memory is wrong, reported rather than trusted.
    private func location(_ stored: ArraySlice<UInt8>?) throws -> Location {
        guard let stored, let location = Location(stored) else {
            throw StorageError.corruptRecord(path: logPath, offset: 0, cause: "a key directory entry is not a location")
        }
        return location
    }

    private func readValue(at location: Location) throws -> [UInt8] {
        let length = Int(location.length)
        if location.offset >= bufferStart {
            // Still in the write buffer (records never straddle the buffer's start).
            let start = Int(location.offset - bufferStart)
            guard start + length <= buffer.count else {
                throw StorageError.shortRead(path: logPath, offset: location.offset, expected: length, got: buffer.count - start)
            }
            return Array(buffer[start..<(start + length)])
        }
        if length == 0 { return [] }
        let value = try log.read(count: length, at: location.offset)
        guard value.count == length else {
            throw StorageError.shortRead(path: logPath, offset: location.offset, expected: length, got: value.count)
        }
        return value
    }

    // MARK: - Writes

    /// Appends a record for the new value.
    /// - Complexity: O(log n), plus a write and fsync as the sync policy says.
    public func set(_ key: [UInt8], _ value: [UInt8]) throws {
        try checkUsable()
        try checkLength("key", key.count)
        try checkLength("value", value.count)
        let size = BitCaskRecord.size(keyLength: key.count, valueLength: value.count)
        let location = Location(offset: end + UInt64(BitCaskRecord.headerSize + key.count), length: UInt32(value.count))
        BitCaskRecord.append(key: key, value: value, to: &buffer)
        end += UInt64(size)
        if let old = keydir.set(key, location.bytes) {
            liveBytes -= BitCaskRecord.size(keyLength: key.count, valueLength: Int(try self.location(old[...]).length))
        }
        liveBytes += size
        try appended(size)
    }

    /// Appends a tombstone if the key exists (a missing key needs none).
    /// - Complexity: O(log n), plus a write and fsync as the sync policy says.
    public func delete(_ key: [UInt8]) throws {
        try checkUsable()
        guard let old = keydir.remove(key) else { return }
        liveBytes -= BitCaskRecord.size(keyLength: key.count, valueLength: Int(try location(old[...]).length))
        BitCaskRecord.append(key: key, value: nil, to: &buffer)
        let size = BitCaskRecord.size(keyLength: key.count, valueLength: nil)
        end += UInt64(size)
        try appended(size)
    }

    /// Writes buffered records to the file and fsyncs it: everything written so far is durable.
    public func flush() throws {
        try checkUsable()
        try drain()
        if syncsOnFlush { try sync() }
    }

    /// Whether `flush()` fsyncs (true) or only hands the records to the OS (a node server run
    /// with `--fsync off`, to measure what durability costs).
    public var syncsOnFlush = true

    /// Flushes and releases the files and the directory lock. Later calls throw `.closed`.
    public func close() throws {
        if isClosed { return }
        defer {
            isClosed = true
            log.close()
            lock.close()
        }
        if failure == nil { try flush() }
    }

    /// Simulates the process dying (for crash tests): buffered records are dropped, nothing is
    /// written or fsynced, and the files and lock are released as the kernel would.
    func simulateCrash() {
        buffer.removeAll()
        isClosed = true
        log.close()
        lock.close()
    }

    /// Applies the sync policy after appending a record of `size` bytes to the buffer.
    private func appended(_ size: Int) throws {
        switch syncPolicy {
        case .always:
            try drain()
            try sync()
        case .batched(let writes, let bytes):
            unsyncedWrites += 1
            unsyncedBytes += size
            if unsyncedWrites >= writes || unsyncedBytes >= bytes {
                try drain()
                try sync()
            } else if buffer.count >= Self.bufferLimit {
                try drain()
            }
        case .never:
            if buffer.count >= Self.bufferLimit { try drain() }
        }
    }

    /// Hands the buffered records to the OS.
    private func drain() throws {
        if buffer.isEmpty { return }
        do {
            try log.write(buffer, at: bufferStart)
        } catch let error as StorageError {
            failure = error
            throw error
        }
        bufferStart += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Waits for the file to reach the disk.
    private func sync() throws {
        do {
            try log.sync()
        } catch let error as StorageError {
            failure = error
            throw error
        }
        unsyncedWrites = 0
        unsyncedBytes = 0
    }

    private func checkUsable() throws {
        if isClosed { throw StorageError.closed(path: logPath) }
        if let failure { throw failure }
    }

    private func checkLength(_ what: String, _ length: Int) throws {
        if length > BitCaskRecord.maximumLength {
            throw StorageError.tooLarge(what: what, size: length, limit: BitCaskRecord.maximumLength)
        }
    }

    // MARK: - Compaction

    /// Rewrites the log with only the live entries, reclaiming the garbage.
    ///
    /// Crash-safe at every step: the live entries go to `data.log.compacting`, which is fsynced
    /// and then renamed over `data.log` (atomic), and the directory is fsynced so the rename is
    /// durable. A crash before the rename leaves the old log intact (the next open deletes the
    /// temporary file); after it, the new log is complete.
    /// - Complexity: O(n) for n live keys (one `pread` each, sequential writes).
    @discardableResult
    public func compact() throws -> BitCaskCompaction {
        try checkUsable()
        try drain()
        let started = ContinuousClock.now
        let sizeBefore = end
        let temporary = try PosixFile(path: temporaryPath, flags: O_RDWR | O_CREAT | O_TRUNC)
        let newKeydir = BTree()
        var written: UInt64 = 0
        do {
            var out: [UInt8] = []
            out.reserveCapacity(1 << 20)
            try keydir.forEach { key, stored in
                let location = try self.location(stored)
                let value = try readValue(at: location)
                let recordStart = written + UInt64(out.count)
                let key = Array(key)
                BitCaskRecord.append(key: key, value: value, to: &out)
                newKeydir.set(key, Location(offset: recordStart + UInt64(BitCaskRecord.headerSize + key.count),
                                            length: location.length).bytes)
                if out.count >= 1 << 20 {
                    try temporary.write(out, at: written)
                    written += UInt64(out.count)
                    out.removeAll(keepingCapacity: true)
                }
            }
            try temporary.write(out, at: written)
            written += UInt64(out.count)
            try temporary.sync()
            try FileSystem.rename(temporaryPath, to: logPath)
        } catch {
            temporary.close()
            _ = try? FileSystem.remove(temporaryPath)
            throw error
        }
        // The rename is the commit point: from here on the new file is the log.
        log.close()
        log = temporary
        keydir = newKeydir
        liveBytes = Int(written)
        end = written
        bufferStart = written
        unsyncedWrites = 0
        unsyncedBytes = 0
        do {
            try FileSystem.syncDirectory(directory)
        } catch let error as StorageError {
            // Without a durable rename, later writes could land in a file a crash un-renames.
            failure = error
            throw error
        }
        let result = BitCaskCompaction(sizeBefore: sizeBefore, sizeAfter: written, keys: keydir.count,
                                       duration: ContinuousClock.now - started)
        lastCompaction = result
        return result
    }

    // MARK: - Status

    /// - Complexity: O(1)
    public func status() throws -> EngineStatus {
        try checkUsable()
        return EngineStatus(name: name, keys: keydir.count,
                            logicalSize: liveBytes - keydir.count * BitCaskRecord.headerSize,
                            diskSize: Int(end), garbageSize: Int(end) - liveBytes)
    }
}
