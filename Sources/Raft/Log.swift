import Encoding
import Storage

/// A node's durable Raft state: the log entries, the current term and vote, and the commit index,
/// stored in a ``StorageEngine`` (BitCask for servers, memory for tests and the simulator).
///
/// Keys use the order-preserving ``KeyEncoder`` (a tag byte, then the index as 8 big-endian
/// bytes, so entries sort by index); values use the ``BinaryWriter`` codec:
/// - `0x01 ‖ index` → entry: term (varint), whether it has a command, the command bytes
/// - `0x02` → term (varint), whether there is a vote, the vote
/// - `0x03` → commit index and its term (varints)
///
/// The entries are also kept in memory: reads never touch the engine, writes go through to it,
/// and ``flush()`` makes them durable. A node flushes once per batch of work before sending any
/// message that depends on it (one fsync per batch of proposals).
public final class RaftLog {
    /// The engine the state is stored in; the log is its only user.
    public let engine: any StorageEngine
    /// Every entry in index order: `entries[i]` has index `i + 1`.
    public private(set) var entries: [Entry] = []
    /// The current term (0 before any election).
    public private(set) var term: Term = 0
    /// Who this node voted for in `term`, if anyone.
    public private(set) var vote: NodeID?
    /// The highest index known to be committed.
    public private(set) var commitIndex: LogIndex = 0
    /// How many times the log flushed the engine (for the batching benchmark and tests).
    public private(set) var flushCount = 0
    /// The lowest index whose entry was written or removed since ``clearWrittenMark()``, so the
    /// simulator's safety checks re-examine only what changed (`lastIndex + 1`: nothing did).
    public private(set) var writtenFrom: LogIndex = 1
    private var dirty = false

    /// Opens the log stored in `engine`, recovering entries, term, vote and commit index.
    /// - Throws: ``RaftError/corrupt(_:)`` if the stored bytes do not decode.
    /// - Complexity: O(n) in the number of stored entries.
    public init(engine: any StorageEngine) throws {
        self.engine = engine
        do {
            if let bytes = try engine.get(Self.termVoteKey) {
                var reader = BinaryReader(bytes)
                term = try reader.readUVarint("term")
                vote = try reader.readBool() ? try reader.readByte("vote") : nil
                try reader.finish("term and vote")
            }
            let cursor = engine.scanPrefix(Self.entryPrefix)
            while let pair = try cursor.next() {
                var key = KeyDecoder(pair.key)
                _ = try key.readTag()
                let index = try key.readUInt64()
                try key.finish("log entry key")
                guard index == LogIndex(entries.count) + 1 else {
                    throw RaftError.corrupt("log entry \(index) found where \(entries.count + 1) was expected")
                }
                var reader = BinaryReader(pair.value)
                let entryTerm = try reader.readUVarint("entry term")
                let command = try reader.readBool() ? try reader.readBytes("command") : nil
                try reader.finish("log entry")
                entries.append(Entry(index: index, term: entryTerm, command: command))
            }
            if let bytes = try engine.get(Self.commitKey) {
                var reader = BinaryReader(bytes)
                let index = try reader.readUVarint("commit index")
                let commitTerm = try reader.readUVarint("commit term")
                try reader.finish("commit index")
                guard self.term(at: index) == commitTerm else {
                    throw RaftError.corrupt("commit index \(index)@\(commitTerm) is not in the log")
                }
                commitIndex = index
            }
        } catch let error as RaftError {
            throw error
        } catch let error as EncodingError {
            throw RaftError.corrupt("\(error)")
        } catch {
            throw RaftError.storage("\(error)")
        }
    }

    // MARK: - Reading

    /// The index of the last entry (0 when empty).
    public var lastIndex: LogIndex { LogIndex(entries.count) }
    /// The term of the last entry (0 when empty).
    public var lastTerm: Term { entries.last?.term ?? 0 }
    /// The term of the committed entry at ``commitIndex``.
    public var commitTerm: Term { term(at: commitIndex) ?? 0 }

    /// The entry at `index`, if the log holds one.
    /// - Complexity: O(1)
    public func entry(at index: LogIndex) -> Entry? {
        guard index >= 1, index <= lastIndex else { return nil }
        return entries[Int(index - 1)]
    }

    /// The term of the entry at `index`: 0 for index 0, nil past the end.
    /// - Complexity: O(1)
    public func term(at index: LogIndex) -> Term? {
        index == 0 ? 0 : entry(at: index)?.term
    }

    /// Whether the log holds an entry with this index and term (index 0 always matches).
    /// - Complexity: O(1)
    public func has(index: LogIndex, term: Term) -> Bool {
        self.term(at: index) == term
    }

    /// Up to `limit` entries starting at `index`.
    /// - Complexity: O(limit)
    public func entries(from index: LogIndex, limit: Int) -> [Entry] {
        guard index >= 1, index <= lastIndex, limit > 0 else { return [] }
        let start = Int(index - 1)
        return Array(entries[start..<min(entries.count, start + limit)])
    }

    /// The first index of the run of entries with the same term as the one at `index`.
    /// - Complexity: O(length of that run)
    public func firstIndex(ofTermAt index: LogIndex) -> LogIndex {
        guard let runTerm = term(at: index), index > 0 else { return index }
        var first = index
        while first > 1, term(at: first - 1) == runTerm { first -= 1 }
        return first
    }

    // MARK: - Writing

    /// Records a new term and vote (durable at the next ``flush()``).
    public func setTerm(_ term: Term, vote: NodeID?) throws {
        precondition(term >= self.term, "terms never go back")
        self.term = term
        self.vote = vote
        var writer = BinaryWriter()
        writer.writeUVarint(term)
        writer.writeBool(vote != nil)
        if let vote { writer.writeByte(vote) }
        try write(Self.termVoteKey, writer.bytes)
    }

    /// Appends an entry of the current term; returns its index.
    /// - Complexity: O(1) amortized.
    @discardableResult
    public func append(command: [UInt8]?) throws -> LogIndex {
        let entry = Entry(index: lastIndex + 1, term: term, command: command)
        try store(entry)
        entries.append(entry)
        return entry.index
    }

    /// Adds a leader's entries: entries already present with the same term are kept, the first
    /// conflicting one and everything after it are replaced. Never truncates matching entries,
    /// so a delayed or duplicated append is harmless.
    /// - Precondition: `newEntries` are contiguous and start at most one past ``lastIndex``.
    /// - Throws: ``RaftError/corrupt(_:)`` if a committed entry would be replaced.
    /// - Complexity: O(k + t) for k new entries and t truncated ones.
    public func splice(_ newEntries: [Entry]) throws {
        guard let first = newEntries.first else { return }
        precondition(first.index >= 1 && first.index <= lastIndex + 1, "splice must not leave a gap")
        for (offset, entry) in newEntries.enumerated() {
            precondition(entry.index == first.index + LogIndex(offset), "spliced entries must be contiguous")
            if let existing = self.entry(at: entry.index) {
                if existing.term == entry.term { continue }
                guard entry.index > commitIndex else {
                    throw RaftError.corrupt("entry \(entry.index)@\(entry.term) would replace committed entry \(existing.index)@\(existing.term)")
                }
                try truncate(after: entry.index - 1)
            }
            try store(entry)
            entries.append(entry)
        }
    }

    /// Records that everything up to `index` is committed (never moves back).
    public func commit(to index: LogIndex) throws {
        guard index > commitIndex else { return }
        precondition(index <= lastIndex, "cannot commit past the end of the log")
        commitIndex = index
        var writer = BinaryWriter()
        writer.writeUVarint(index)
        writer.writeUVarint(commitTerm)
        try write(Self.commitKey, writer.bytes)
    }

    /// Makes every earlier write durable, if there were any since the last flush.
    public func flush() throws {
        guard dirty else { return }
        do { try engine.flush() } catch { throw RaftError.storage("\(error)") }
        dirty = false
        flushCount += 1
    }

    /// Forgets which entries changed (see ``writtenFrom``).
    public func clearWrittenMark() {
        writtenFrom = lastIndex + 1
    }

    private func truncate(after index: LogIndex) throws {
        writtenFrom = min(writtenFrom, index + 1)
        while lastIndex > index {
            do { try engine.delete(Self.entryKey(lastIndex)) } catch { throw RaftError.storage("\(error)") }
            entries.removeLast()
        }
        dirty = true
    }

    private func store(_ entry: Entry) throws {
        writtenFrom = min(writtenFrom, entry.index)
        var writer = BinaryWriter(capacity: (entry.command?.count ?? 0) + 12)
        writer.writeUVarint(entry.term)
        writer.writeBool(entry.command != nil)
        if let command = entry.command { writer.writeBytes(command) }
        try write(Self.entryKey(entry.index), writer.bytes)
    }

    private func write(_ key: [UInt8], _ value: [UInt8]) throws {
        do { try engine.set(key, value) } catch { throw RaftError.storage("\(error)") }
        dirty = true
    }

    // MARK: - Keys

    static let entryTag: UInt8 = 0x01
    static let entryPrefix: [UInt8] = [entryTag]
    static let termVoteKey: [UInt8] = [0x02]
    static let commitKey: [UInt8] = [0x03]

    static func entryKey(_ index: LogIndex) -> [UInt8] {
        var key = KeyEncoder()
        key.appendTag(entryTag)
        key.append(index)
        return key.bytes
    }
}
