import Encoding
import Testing
@testable import Storage

/// The batched lookups a lookup join rides on must answer exactly what one-by-one lookups
/// answer: the B-tree's batched search against `last`, every engine's `lastAtOrBefore` against
/// `scanBatch(limit: 1)`, and MVCC's `get(batch:)` against `get` — over random trees,
/// versions and snapshots, with keys sorted (the fast path), shuffled and repeated.
@Suite struct BatchedLookupTests {
    /// Random probes into a tree shaped by inserts and deletes (three levels deep, so the
    /// probes leave the remembered leaf and descend through inner nodes), asked sorted — in runs close together,
    /// as a join asks, and spread out — and in random order.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func batchedSearchMatchesOneDescentPerKey(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let tree = IntTree()
        func randomKey(_ first: UInt64 = 64) -> [UInt8] {
            [UInt8(truncatingIfNeeded: generator.next() % first), UInt8(truncatingIfNeeded: generator.next())]
                + (generator.next() % 3 == 0 ? [0x00] : [])
        }
        var stored: [[UInt8]] = []
        for index in 0..<6000 {
            if generator.next() % 4 == 0, let victim = stored.randomElement(using: &generator) {
                tree.remove(victim)
            } else {
                let key = randomKey()
                tree.set(key, index)
                stored.append(key)
            }
        }
        #expect(tree.invariantViolation() == nil)
        var found = 0
        for round in 0..<3 {
            // Stored keys (answers found exactly) mixed with keys that fall between them.
            var probes = (0..<800).map { _ in
                generator.next() % 2 == 0 ? stored[Int(generator.next() % UInt64(stored.count))] : randomKey(round == 0 ? 4 : 70)
            }
            if round < 2 { probes.sort { compareBytes($0, $1) < 0 } } else { probes.shuffle(using: &generator) }
            let batched = tree.lastAtOrBefore(probes)
            #expect(batched.count == probes.count)
            for (probe, answer) in zip(probes, batched) {
                let expected = tree.last(from: .included(probe), to: .unbounded)
                #expect(answer?.0 == expected?.0 && answer?.1 == expected?.1, "seed \(seed), probe \(probe)")
                if expected != nil { found += 1 }
            }
        }
        #expect(found > 2000, "most probes should have a key at or before them")
        #expect(tree.lastAtOrBefore([]).isEmpty)
        #expect(IntTree().lastAtOrBefore([[1], [2]]).allSatisfy { $0 == nil })
    }

    /// A batch keeps its keys end to end: empty keys included, each comes back as it went in.
    @Test func keyBatchKeepsEachKey() {
        let keys: [[UInt8]] = [[], [0x61], [], [0x00, 0xFF], [0x62, 0x63]]
        let batch = KeyBatch(keys)
        #expect(batch.count == keys.count)
        #expect((0..<batch.count).map { batch[$0] } == keys)
        #expect(batch.bytes == keys.flatMap { $0 })
        #expect(KeyBatch().count == 0)
    }

    /// Each engine's `lastAtOrBefore` (and the protocol's default) against `scanBatch`.
    @Test(arguments: EngineKind.allCases)
    func enginesMatchScanBatch(kind: EngineKind) throws {
        let directory = try TemporaryDirectory("last-at-or-before")
        let engine = try kind.make(in: directory)
        var generator = SplitMix64(seed: 11)
        func randomKey() -> [UInt8] {
            (0..<Int(generator.next() % 3 + 1)).map { _ in [0x00, 0x01, 0x7F, 0xFF][Int(generator.next() % 4)] }
        }
        for _ in 0..<300 { try engine.set(randomKey(), [UInt8(truncatingIfNeeded: generator.next())]) }
        var probes = (0..<300).map { _ in randomKey() }
        for _ in 0..<2 {
            let expected = try probes.map { try engine.scanBatch(KeyRange(end: .included($0)), reverse: true, limit: 1).first }
            #expect(try engine.lastAtOrBefore(probes) == expected)
            #expect(try OneByOne(engine).lastAtOrBefore(probes) == expected)
            #expect(expected.contains { $0 != nil })
            probes.sort { compareBytes($0, $1) < 0 }
        }
    }

    /// Random transactions write, delete, commit and roll back; readers of every kind (read-
    /// write, read-only, as of an old version, with writers still running) then read random
    /// batches of keys — present, deleted, never written, repeated — with `get(batch:)`.
    @Test(arguments: zip([1, 2, 3] as [UInt64], [EngineKind.memoryTreeOnly, .memoryTreeOnly, .bitcask]))
    func batchedGetMatchesGetOneByOne(seed: UInt64, kind: EngineKind) throws {
        var generator = SplitMix64(seed: seed)
        let directory = try TemporaryDirectory("batched-get")
        let mvcc = try MVCC(engine: try kind.make(in: directory))
        // Keys with 0x00 bytes too: their escaping must not confuse the version ranges.
        let keys: [[UInt8]] = (0..<40).map { [UInt8($0 / 8), 0x00, UInt8($0 % 8)] } + [[], [0x00], [0xFF, 0xFF]]
        var open: [MVCCTransaction] = []
        var readers: [MVCCTransaction] = []
        var compared = 0
        var newestVersion: UInt64 = 1
        for step in 0..<600 {
            if open.count < 3 || generator.next() % 5 == 0 {
                open.append(try mvcc.begin())
                newestVersion = max(newestVersion, open[open.count - 1].version)
            }
            let writer = open[Int(generator.next() % UInt64(open.count))]
            let key = keys[Int(generator.next() % UInt64(keys.count))]
            do {
                if generator.next() % 4 == 0 { try writer.delete(key) } else { try writer.set(key, [UInt8(step % 256)]) }
            } catch MVCCError.serialization {
                // Another running writer holds the key: part of the story, not a failure.
            }
            if generator.next() % 6 == 0, let index = open.indices.randomElement(using: &generator) {
                let ending = open.remove(at: index)
                if generator.next() % 3 == 0 { try ending.rollback() } else { try ending.commit() }
            }
            if generator.next() % 10 == 0 {
                // Read-only readers stay usable to the end; the running writers read below too.
                let asOf = generator.next() % 2 == 0 ? nil : 1 + generator.next() % newestVersion
                readers.append(try mvcc.beginReadOnly(asOf: asOf))
            }
            guard step % 20 == 19 else { continue }
            for reader in readers + open {
                var batch = (0..<Int(generator.next() % 30)).map { _ in keys[Int(generator.next() % UInt64(keys.count))] }
                if generator.next() % 2 == 0 { batch.sort { compareBytes($0, $1) < 0 } }
                let batched = try reader.get(batch: KeyBatch(batch))
                let oneByOne = try batch.map { try reader.get($0) }
                #expect(batched == oneByOne, "seed \(seed), step \(step), reader \(reader.version)")
                compared += batch.count
            }
        }
        #expect(compared > 1000)
    }

    /// The case the batched get cannot answer from the newest version alone: a newer version
    /// written by a transaction the reader cannot see sits above the one it reads.
    @Test func invisibleNewestVersionFallsBackToOlderOnes() throws {
        let mvcc = try MVCC(engine: MemoryEngine(pointIndex: false))
        let setup = try mvcc.begin()
        for key in ["a", "b", "c"] { try setup.set(b(key), b("old " + key)) }
        try setup.commit()
        let reader = try mvcc.begin()
        let writer = try mvcc.begin()
        try writer.set(b("b"), b("new b"))
        try writer.delete(b("c"))
        try writer.commit()
        let later = try mvcc.beginReadOnly()
        #expect(try reader.get(batch: KeyBatch([b("a"), b("b"), b("c"), b("d")])) == [b("old a"), b("old b"), b("old c"), nil])
        #expect(try later.get(batch: KeyBatch([b("a"), b("b"), b("c"), b("d")])) == [b("old a"), b("new b"), nil, nil])
        #expect(try reader.get(batch: KeyBatch()) == [])
    }
}

/// Forwards everything but `lastAtOrBefore`, so the protocol's default is tested.
private final class OneByOne: StorageEngine {
    let inner: any StorageEngine
    init(_ inner: any StorageEngine) { self.inner = inner }
    var name: String { inner.name }
    func get(_ key: [UInt8]) throws -> [UInt8]? { try inner.get(key) }
    func set(_ key: [UInt8], _ value: [UInt8]) throws { try inner.set(key, value) }
    func delete(_ key: [UInt8]) throws { try inner.delete(key) }
    func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor { inner.scan(range, reverse: reverse) }
    func scanBatch(_ range: KeyRange, reverse: Bool, limit: Int) throws -> [KeyValue] {
        try inner.scanBatch(range, reverse: reverse, limit: limit)
    }
    func flush() throws { try inner.flush() }
    func status() throws -> EngineStatus { try inner.status() }
}
