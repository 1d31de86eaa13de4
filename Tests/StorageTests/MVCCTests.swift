import Encoding
import Testing
@testable import Storage

/// MVCC behaviour that scripts do not show well: streaming, corrupt data, error texts.
@Suite struct MVCCTests {
    /// Tools outside Storage read raw version values with the same decoder MVCC uses.
    @Test func versionValuesDecodeAsTombstoneValueOrCorrupt() throws {
        #expect(try MVCCValues.decode(MVCCValues.encodeVersionValue(nil)) == nil)
        #expect(try MVCCValues.decode(MVCCValues.encodeVersionValue([7, 8])) == [7, 8])
        #expect(try MVCCValues.decode([0x01]) == [])
        for bad: [UInt8] in [[], [0x00, 0x01], [0x02, 0x07]] {
            #expect(throws: MVCCError.self) { try MVCCValues.decode(bad) }
        }
    }

    /// A `LIMIT 10` over a large table must read about 10 rows, not the table.
    @Test(arguments: [false, true])
    func scansStreamInsteadOfLoadingEverything(reverse: Bool) throws {
        let engine = CountingEngine()
        let mvcc = try MVCC(engine: engine)
        let load = try mvcc.begin()
        for i in 0..<20_000 { try load.set(b("row/\(String(i + 100_000))"), b("v\(i)")) }
        try load.commit()
        engine.pairsRead = 0

        let t = try mvcc.beginReadOnly()
        let cursor = try t.scanPrefix(b("row/"), reverse: reverse)
        var firstTen: [KeyValue] = []
        while firstTen.count < 10, let pair = try cursor.next() { firstTen.append(pair) }
        #expect(firstTen.count == 10)
        #expect(firstTen.first?.key == b(reverse ? "row/119999" : "row/100000"))
        #expect(engine.pairsRead <= 64, "read \(engine.pairsRead) raw pairs for 10 rows")

        // Draining it sees every row once, in order.
        var count = firstTen.count
        var previous = firstTen.last?.key ?? []
        while let pair = try cursor.next() {
            #expect(reverse ? pair.key.lexicographicallyPrecedes(previous) : previous.lexicographicallyPrecedes(pair.key))
            previous = pair.key
            count += 1
        }
        #expect(count == 20_000)
    }

    /// Scans interleaved with writes keep going from where they were (each batch re-seeks after
    /// the last raw key). After 20 rows the cursor has fetched 16 + 32 raw pairs, so own writes
    /// to k180/k190 land beyond it and are seen; the other transaction's write never is.
    @Test func scanContinuesAcrossConcurrentWrites() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let setup = try mvcc.begin()
        for i in 0..<100 { try setup.set(b("k\(String(i + 100))"), b("old")) }
        try setup.commit()
        let t = try mvcc.begin()
        let other = try mvcc.begin()
        let cursor = try t.scanPrefix(b("k"))
        var seen: [String] = []
        while let pair = try cursor.next() {
            seen.append(String(decoding: pair.key, as: UTF8.self))
            if seen.count == 20 {
                try other.set(b("k150"), b("other"))       // invisible to t
                try t.set(b("k180"), b("mine"))            // own write ahead of the cursor
                try t.delete(b("k190"))                    // own delete ahead of the cursor
            }
            if pair.key == b("k150") { #expect(pair.value == b("old")) }
            if pair.key == b("k180") { #expect(pair.value == b("mine")) }
        }
        #expect(seen.count == 99)
        #expect(!seen.contains("k190"))
        try other.commit()
        try t.commit()
    }

    @Test func emptyKeysAndKeysWithZeroBytesAreOrdinary() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let t = try mvcc.begin()
        let keys: [[UInt8]] = [[], [0x00], [0x00, 0x00], [0x00, 0xFF], [0x01], [0xFF, 0xFF]]
        for (i, key) in keys.enumerated() { try t.set(key, [UInt8(i)]) }
        #expect(try t.scan(.all).collect().map(\.key) == keys)
        #expect(try t.scan(.all, reverse: true).collect().map(\.key) == keys.reversed())
        #expect(try t.scanPrefix([0x00]).collect().map(\.key) == [[0x00], [0x00, 0x00], [0x00, 0xFF]])
        #expect(try t.get([]) == [0])
        #expect(try t.scan(KeyRange(start: .excluded([0x00]), end: .included([0x01]))).collect().map(\.key)
            == [[0x00, 0x00], [0x00, 0xFF], [0x01]])
        try t.commit()
    }

    @Test func corruptStoredBytesAreReportedNotCrashed() throws {
        let engine = MemoryEngine()
        engine.set(MVCCKey.version(key: b("a"), version: 1).encoded, [0x07])     // bad value marker
        engine.set(MVCCKey.version(key: b("b"), version: 1).encoded, [])         // empty value
        engine.set([MVCCKey.Tag.version.rawValue, 0x61], [0x01])                 // truncated key
        let mvcc = try MVCC(engine: engine)
        let t = try mvcc.beginReadOnly()
        #expect(throws: MVCCError.self) { try t.get(b("a")) }
        #expect(throws: MVCCError.self) { try t.get(b("b")) }
        #expect(throws: MVCCError.self) { try t.scan(.all).collect() }
        #expect(throws: MVCCError.self) { try mvcc.versions(prefix: [], viewer: nil) }

        let badCounter = MemoryEngine()
        badCounter.set(MVCCKey.nextVersion.encoded, [0x80])
        #expect(throws: MVCCError.self) { try MVCC(engine: badCounter) }

        let badSnapshot = MemoryEngine()
        badSnapshot.set(MVCCKey.nextVersion.encoded, [0x05])
        badSnapshot.set(MVCCKey.txnActiveSnapshot(3).encoded, [0xFF, 0xFF, 0x01])
        #expect(throws: MVCCError.self) { try MVCC(engine: badSnapshot).beginReadOnly(asOf: 3) }

        #expect(throws: EncodingError.self) { try MVCCKey.decode([0x09]) }
        #expect(throws: EncodingError.self) { try MVCCKey.decode([]) }
    }

    @Test func transactionStateRoundTripsThroughBytes() throws {
        let state = TransactionState(version: 300, readOnly: false, active: [1, 7, 299])
        #expect(try TransactionState(decoding: state.encoded()) == state)
        #expect(throws: EncodingError.self) { try TransactionState(decoding: [0x05, 0x02]) }
        #expect(throws: EncodingError.self) { try TransactionState(decoding: state.encoded() + [0]) }
        // A huge claimed set size is rejected before anything is allocated.
        #expect(throws: EncodingError.self) { try TransactionState(decoding: [0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
    }

    @Test func savepointsMustBeOnesHandedOut() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let t = try mvcc.begin()
        try t.set(b("a"), b("1"))
        #expect(throws: MVCCError.invalidSavepoint(0)) { try t.rollback(toSavepoint: 0) }  // none taken yet
        let savepoint = t.savepoint()
        #expect(throws: MVCCError.invalidSavepoint(5)) { try t.rollback(toSavepoint: 5) }
        #expect(throws: MVCCError.invalidSavepoint(-1)) { try t.rollback(toSavepoint: -1) }
        try t.rollback(toSavepoint: savepoint)
        #expect(try t.get(b("a")) == b("1"))
        try t.rollback()
    }

    @Test func errorsExplainThemselves() {
        #expect(MVCCError.serialization(key: b("acct/1"), otherVersion: 7).description
            == "serialization failure: key \"acct/1\" was written by transaction 7, which this transaction cannot see; retry the transaction")
        #expect(MVCCError.serialization(key: [0x00, 0x01], otherVersion: 2).description.contains("key 0x0001"))
        #expect(MVCCError.readOnly.description == "cannot write in a read-only transaction")
        #expect(MVCCError.invalidVersion(9).description == "version 9 does not exist yet")
        #expect(MVCCError.notActive(3).description == "transaction 3 is not active (it was committed or rolled back)")
        #expect(MVCCError.corrupt("x").description == "corrupt MVCC data: x")
    }

    /// By default a committed read-write transaction that wrote something flushes the engine
    /// once; `flushOnCommit: false` leaves durability to the engine's sync policy.
    @Test(arguments: [false, true])
    func flushOnCommitFlushesOncePerWritingCommit(flushOnCommit: Bool) throws {
        let engine = CountingEngine()
        let mvcc = try MVCC(engine: engine, flushOnCommit: flushOnCommit)
        let writer = try mvcc.begin()
        try writer.set(b("a"), b("1"))
        try writer.set(b("b"), b("2"))
        try writer.commit()
        try mvcc.begin().commit()            // wrote nothing
        try mvcc.beginReadOnly().commit()
        #expect(engine.flushes == (flushOnCommit ? 1 : 0))
    }

    @Test func statusCountsVersionsAndActiveTransactions() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        let t1 = try mvcc.begin()
        _ = try mvcc.begin()
        try t1.set(b("a"), b("1"))
        try t1.commit()
        let status = try mvcc.status()
        #expect(status.versions == 2)
        #expect(status.nextVersion == 3)
        #expect(status.activeTransactions == [2])
        #expect(status.engine.name == "memory")
        #expect(try mvcc.engineStatus().keys == status.engine.keys)
        #expect(try mvcc.rawScan(prefix: [], limit: 2).count == 2)
    }

    @Test func versionListingsCanBeLimitedToTheFirstKeys() throws {
        let mvcc = try MVCC(engine: MemoryEngine())
        for round in 0..<3 {
            let t = try mvcc.begin()
            for key in ["a", "b", "c", "d"] { try t.set(b(key), b("\(round)")) }
            try t.commit()
        }
        let firstTwo = try mvcc.versions(prefix: [], viewer: nil, limit: 2)
        #expect(firstTwo.map(\.key) == [b("a"), b("b")])
        #expect(firstTwo.allSatisfy { $0.versions.map(\.visibility) == [.shadowed, .shadowed, .visible] })
        #expect(try mvcc.versions(prefix: [], viewer: nil).count == 4)
        #expect(try mvcc.versions(key: b("zz"), viewer: nil) == KeyVersions(key: b("zz"), versions: []))
    }
}

/// A MemoryEngine that counts the pairs its cursors hand out, to prove scans stream.
final class CountingEngine: StorageEngine {
    let inner: any StorageEngine = MemoryEngine()
    var pairsRead = 0
    var flushes = 0
    var name: String { inner.name }

    func get(_ key: [UInt8]) throws -> [UInt8]? { try inner.get(key) }
    func set(_ key: [UInt8], _ value: [UInt8]) throws { try inner.set(key, value) }
    func delete(_ key: [UInt8]) throws { try inner.delete(key) }
    func flush() throws {
        flushes += 1
        try inner.flush()
    }
    func status() throws -> EngineStatus { try inner.status() }

    func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor {
        Counted(inner: inner.scan(range, reverse: reverse), engine: self)
    }

    private final class Counted: KeyValueCursor {
        let inner: any KeyValueCursor
        let engine: CountingEngine
        init(inner: any KeyValueCursor, engine: CountingEngine) {
            self.inner = inner
            self.engine = engine
        }
        func next() throws -> KeyValue? {
            let pair = try inner.next()
            if pair != nil { engine.pairsRead += 1 }
            return pair
        }
    }
}

/// MVCC over BitCask survives a restart: versions continue, committed data stays, and a
/// transaction that was running at the "crash" is rolled back on open.
@Suite struct MVCCDurabilityTests {
    @Test func reopenKeepsCommittedDataAndRollsBackAbandonedTransactions() throws {
        let directory = try TemporaryDirectory("mvcc-reopen")
        let path = directory.path + "/db"
        do {
            let mvcc = try MVCC(engine: BitCask(directory: path, sync: .never))
            let t1 = try mvcc.begin()
            try t1.set(b("a"), b("committed"))
            try t1.commit()
            let t2 = try mvcc.begin()
            try t2.set(b("a"), b("abandoned"))
            try t2.set(b("b"), b("abandoned"))
            // t2 never finishes: the process "stops" here and the engine is released.
        }
        let mvcc = try MVCC(engine: BitCask(directory: path, sync: .never))
        #expect(try mvcc.status().activeTransactions == [2])
        #expect(try mvcc.rollbackAbandonedTransactions() == [2])
        #expect(try mvcc.status().activeTransactions.isEmpty)
        let t = try mvcc.begin()
        #expect(t.version == 3)
        #expect(try t.scan(.all).collect() == [KeyValue(key: b("a"), value: b("committed"))])
        try t.set(b("a"), b("after restart"))    // no longer blocked by the abandoned writer
        try t.commit()
        #expect(try mvcc.beginReadOnly(asOf: 2).get(b("a")) == b("committed"))
    }
}
