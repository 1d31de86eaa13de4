/// Rebuilding BitCask's key directory by replaying the log, and telling a torn tail (cut off)
/// from corruption in the middle (an error).
///
/// The log is read sequentially in large chunks — a few system calls for the whole file
/// instead of one per record — and each record's checksum is verified. The first record that
/// is incomplete or fails its checksum ends the good part of the log. What happens next depends
/// on what follows it:
///
/// - nothing valid: the classic result of a crash while appending (a torn write, or a last
///   record whose bytes never all reached the disk). The tail is cut off and reported.
/// - a valid record: the damage is not at the end, so it is not a crash artefact. Cutting it
///   off would silently drop good data, so opening fails with the offset of the bad record.
///
/// Rather than inserting each record into the key directory as it is read (random keys make
/// every B-tree insert a string of cache misses), replay collects one small entry per record,
/// sorts them by key, keeps the newest record of each key (the largest offset) and builds the
/// B-tree from the sorted survivors in one pass.
struct LogReplay {
    var keydir = BTree()
    /// Bytes of the records the key directory points at.
    var liveBytes = 0
    /// Records replayed.
    var records = 0
    /// The end of the last good record.
    var validEnd: UInt64 = 0
    /// The file's size as found.
    var fileSize: UInt64 = 0
    /// Set when the file has a bad tail, which the caller truncates to `validEnd`.
    var recovery: BitCaskRecovery?

    /// Bytes read per system call.
    static let chunkSize = 4 << 20

    /// Replays the log in `file`, reading `chunkSize` bytes at a time.
    /// - Throws: `StorageError.corruptRecord` for damage followed by valid records.
    /// - Complexity: O(n log n) for n records.
    static func read(_ file: PosixFile, chunkSize: Int = LogReplay.chunkSize) throws -> LogReplay {
        var replay = LogReplay()
        let fileSize = try file.size()
        replay.fileSize = fileSize
        var reader = ChunkReader(file: file, fileSize: fileSize, chunkSize: chunkSize)
        var badCause: String?
        var entries: [Entry] = []
        // Every record's key, end to end: one buffer rather than an array per key.
        var keys: [UInt8] = []
        while reader.offset < fileSize {
            guard try reader.ensure(BitCaskRecord.headerSize) else {
                badCause = "incomplete record header (\(fileSize - reader.offset) bytes before the end of the file)"
                break
            }
            let header = reader.withBytes { BitCaskRecord.header(in: $0, at: reader.position) }
            let size = header.recordSize
            guard UInt64(size) <= fileSize - reader.offset else {
                badCause = "record of \(size) bytes runs past the end of the file"
                break
            }
            guard try reader.ensure(size) else {
                badCause = "record of \(size) bytes could not be read in full"
                break
            }
            let intact = reader.withBytes { BitCaskRecord.checksumMatches(header, in: $0, at: reader.position) }
            guard intact else {
                badCause = "checksum mismatch in a record of \(size) bytes"
                break
            }
            let keyStart = reader.position + BitCaskRecord.headerSize
            let key = reader.buffer[keyStart..<(keyStart + header.keyLength)]
            let valueOffset = reader.offset + UInt64(BitCaskRecord.headerSize + header.keyLength)
            entries.append(Entry(prefix: key.withUnsafeBytes { BTreeNode.word($0, at: 0) }, keyStart: keys.count,
                                 keyCount: key.count, valueOffset: valueOffset,
                                 valueLength: header.valueLength.map { UInt32($0) } ?? BitCaskRecord.tombstone))
            keys.append(contentsOf: key)
            reader.advance(size)
        }
        replay.records = entries.count
        replay.validEnd = reader.offset
        replay.buildKeydir(from: &entries, keys: keys)
        if let badCause {
            if try firstValidRecord(in: file, after: reader.offset, fileSize: fileSize, chunkSize: chunkSize) != nil {
                throw StorageError.corruptRecord(path: file.path, offset: reader.offset, cause: badCause)
            }
            replay.recovery = BitCaskRecovery(offset: reader.offset, bytesTruncated: fileSize - reader.offset, cause: badCause)
        }
        return replay
    }

    /// One replayed record: where its key lies in the replay's buffer of keys, with the key's
    /// first 8 bytes as a big-endian integer (the sort of a whole log's keys decides most
    /// comparisons by the integers alone; zero padding sorts a shorter key first, and equal
    /// integers fall back to the bytes), and where its value starts (tombstones have the
    /// tombstone length and no value).
    struct Entry {
        var prefix: UInt64
        var keyStart: Int
        var keyCount: Int
        var valueOffset: UInt64
        var valueLength: UInt32

        var keyRange: Range<Int> { keyStart..<(keyStart + keyCount) }

        /// Three-way comparison of the two records' keys, like `compareBytes`.
        func compareKey(_ other: Entry, in keys: UnsafeRawBufferPointer) -> Int {
            if prefix != other.prefix { return prefix < other.prefix ? -1 : 1 }
            return compareBytes(UnsafeRawBufferPointer(rebasing: keys[keyRange]),
                                UnsafeRawBufferPointer(rebasing: keys[other.keyRange]))
        }
    }

    /// Keeps the newest record of each key and loads the live ones into the key directory.
    /// - Complexity: O(n log n) for n records.
    private mutating func buildKeydir(from entries: inout [Entry], keys: [UInt8]) {
        var live: [Entry] = []
        keys.withUnsafeBytes { keys in
            // Equal keys end up adjacent; within them, the largest offset is the newest record.
            entries.sort { left, right in
                let order = left.compareKey(right, in: keys)
                return order != 0 ? order < 0 : left.valueOffset < right.valueOffset
            }
            var index = 0
            while index < entries.count {
                var newest = index
                while newest + 1 < entries.count, entries[newest + 1].compareKey(entries[index], in: keys) == 0 { newest += 1 }
                if entries[newest].valueLength != BitCaskRecord.tombstone { live.append(entries[newest]) }
                index = newest + 1
            }
        }
        entries = []
        // Every location's 12 bytes in one buffer, which the pairs slice (the tree copies keys
        // and locations into its nodes).
        var locations: [UInt8] = []
        locations.reserveCapacity(12 * live.count)
        for entry in live {
            BitCask.Location(offset: entry.valueOffset, length: entry.valueLength).append(to: &locations)
            liveBytes += BitCaskRecord.size(keyLength: entry.keyCount, valueLength: Int(entry.valueLength))
        }
        let pairs = live.indices.map { BTreePair(key: keys[live[$0].keyRange], value: locations[(12 * $0)..<(12 * $0 + 12)]) }
        keydir = BTree(sorted: pairs)
    }

    /// The offset of the first intact record that starts after `offset`, trying every byte
    /// position (the bad record's own lengths cannot be trusted). Only runs on damaged logs.
    /// - Complexity: O(bytes scanned), plus a checksum per plausible header.
    static func firstValidRecord(in file: PosixFile, after offset: UInt64, fileSize: UInt64, chunkSize: Int) throws -> UInt64? {
        var reader = ChunkReader(file: file, fileSize: fileSize, chunkSize: chunkSize)
        var candidate = offset + 1
        while candidate + UInt64(BitCaskRecord.headerSize) <= fileSize {
            try reader.seek(to: candidate)
            guard try reader.ensure(BitCaskRecord.headerSize) else { return nil }
            let header = reader.withBytes { BitCaskRecord.header(in: $0, at: reader.position) }
            let size = header.recordSize
            if UInt64(size) <= fileSize - candidate, try reader.ensure(size),
               reader.withBytes({ BitCaskRecord.checksumMatches(header, in: $0, at: reader.position) }) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }
}

/// A window onto a file, refilled in large chunks: `buffer[position...]` holds the file's
/// bytes from `offset` on.
struct ChunkReader {
    let file: PosixFile
    let fileSize: UInt64
    let chunkSize: Int
    private(set) var buffer: [UInt8] = []
    /// The file offset of `buffer[0]`.
    private(set) var bufferStart: UInt64 = 0
    /// The index in `buffer` of the current offset.
    private(set) var position = 0

    init(file: PosixFile, fileSize: UInt64, chunkSize: Int) {
        self.file = file
        self.fileSize = fileSize
        self.chunkSize = chunkSize
    }

    /// The current file offset.
    var offset: UInt64 { bufferStart + UInt64(position) }

    mutating func advance(_ count: Int) { position += count }

    /// Moves to `target`, keeping the window if it already covers it.
    mutating func seek(to target: UInt64) throws {
        if target >= bufferStart, target <= bufferStart + UInt64(buffer.count) {
            position = Int(target - bufferStart)
        } else {
            buffer.removeAll(keepingCapacity: true)
            bufferStart = target
            position = 0
        }
    }

    /// Makes `count` bytes from the current offset available in `buffer`; false if the file
    /// ends first.
    mutating func ensure(_ count: Int) throws -> Bool {
        if buffer.count - position >= count { return true }
        // Drop what was consumed, then read a chunk (or the whole record, if larger) after it.
        buffer.removeSubrange(0..<position)
        bufferStart += UInt64(position)
        position = 0
        let loadedEnd = bufferStart + UInt64(buffer.count)
        let wanted = UInt64(max(chunkSize, count - buffer.count))
        let toRead = Int(min(wanted, fileSize - loadedEnd))
        if toRead > 0 {
            let oldCount = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: toRead))
            let got = try buffer.withUnsafeMutableBytes { bytes in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[oldCount...]), at: loadedEnd)
            }
            if got < toRead { buffer.removeSubrange((oldCount + got)...) }
        }
        return buffer.count >= count
    }

    /// Calls `body` with the buffer's bytes.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        buffer.withUnsafeBytes(body)
    }
}

