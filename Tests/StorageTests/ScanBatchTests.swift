import Encoding
import Testing
@testable import Storage

/// `scanBatch` is the one-walk fast path MVCC scans use; it must return exactly the first
/// `limit` pairs the engine's own cursor would, in either direction, for any range.
@Suite struct ScanBatchTests {
    /// Random keys (with zero and 0xFF bytes, which matter for bounds) and random ranges,
    /// checked against the cursor on the memory engine and the protocol's default.
    @Test func memoryEngineBatchesMatchItsCursor() throws {
        var generator = SplitMix64(seed: 77)
        let engine = MemoryEngine()
        func randomKey() -> [UInt8] {
            (0..<Int(generator.next() % 4)).map { _ in [0x00, 0x01, 0x7F, 0xFF][Int(generator.next() % 4)] }
        }
        for _ in 0..<400 { engine.set(randomKey(), [UInt8(truncatingIfNeeded: generator.next())]) }
        func randomBound() -> KeyRange.Bound {
            switch generator.next() % 3 {
            case 0: return .unbounded
            case 1: return .included(randomKey())
            default: return .excluded(randomKey())
            }
        }
        var nonEmpty = 0
        for _ in 0..<500 {
            let range = KeyRange(start: randomBound(), end: randomBound())
            let reverse = generator.next() % 2 == 0
            let limit = Int(generator.next() % 20) + 1
            let expected = Array(try engine.scan(range, reverse: reverse).collect().prefix(limit))
            #expect(engine.scanBatch(range, reverse: reverse, limit: limit) == expected)
            #expect(try DefaultBatches(engine).scanBatch(range, reverse: reverse, limit: limit) == expected)
            if !expected.isEmpty { nonEmpty += 1 }
        }
        #expect(nonEmpty > 100, "the random ranges should mostly hold keys")
    }
}

/// Forwards everything but `scanBatch`, so the protocol's default implementation is tested.
private final class DefaultBatches: StorageEngine {
    let inner: MemoryEngine
    init(_ inner: MemoryEngine) { self.inner = inner }
    var name: String { inner.name }
    func get(_ key: [UInt8]) -> [UInt8]? { inner.get(key) }
    func set(_ key: [UInt8], _ value: [UInt8]) { inner.set(key, value) }
    func delete(_ key: [UInt8]) { inner.delete(key) }
    func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor { inner.scan(range, reverse: reverse) }
    func flush() {}
    func status() -> EngineStatus { inner.status() }
}

/// `BTree.last`, the single-descent lookup of the newest version, against a sorted model.
@Suite struct BTreeLastTests {
    @Test func lastMatchesTheSortedModel() {
        var generator = SplitMix64(seed: 5)
        let tree = IntTree()
        var model: [[UInt8]] = []
        // Enough keys for a tree three levels deep, so descents pass inner nodes.
        for index in 0..<5000 {
            let key = [UInt8(truncatingIfNeeded: generator.next() % 64), UInt8(truncatingIfNeeded: generator.next())]
            if tree.set(key, index) == nil { model.append(key) }
        }
        model.sort { compareBytes($0, $1) < 0 }
        func randomBound() -> KeyRange.Bound {
            let key = [UInt8(truncatingIfNeeded: generator.next() % 70), UInt8(truncatingIfNeeded: generator.next())]
            switch generator.next() % 5 {
            case 0: return .unbounded
            case 1, 2: return .included(generator.next() % 2 == 0 ? key : model[Int(generator.next() % UInt64(model.count))])
            default: return .excluded(generator.next() % 2 == 0 ? key : model[Int(generator.next() % UInt64(model.count))])
            }
        }
        var found = 0
        for _ in 0..<2000 {
            let (end, start) = (randomBound(), randomBound())
            // The model's answer is the greatest key under `end`, if it also clears `start`.
            let greatest = model.last { end.admitsAsEnd($0[...]) }
            let answer = greatest.flatMap { start.admitsAsStart($0[...]) ? $0 : nil }
            #expect(tree.last(from: end, to: start)?.0 == answer)
            if answer != nil { found += 1 }
        }
        #expect(found > 500)
    }
}
