import Encoding
import Testing
@testable import Storage

/// The behaviour every storage engine shares, run against each engine.
@Suite struct EngineBehaviourTests {
    @Test(arguments: EngineKind.allCases)
    func setGetOverwriteDelete(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        #expect(try engine.get(b("a")) == nil)
        try engine.set(b("a"), b("1"))
        try engine.set(b("b"), b("2"))
        #expect(try engine.get(b("a")) == b("1"))
        try engine.set(b("a"), b("one"))
        #expect(try engine.get(b("a")) == b("one"))
        try engine.delete(b("a"))
        #expect(try engine.get(b("a")) == nil)
        try engine.delete(b("missing"))  // deleting a missing key is not an error
        #expect(try engine.get(b("b")) == b("2"))
        #expect(try keys(engine.scan(.all).collect()) == ["b"])
    }

    @Test(arguments: EngineKind.allCases)
    func emptyKeysAndValuesAreOrdinaryData(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        try engine.set([], b("empty key"))
        try engine.set(b("k"), [])
        #expect(try engine.get([]) == b("empty key"))
        #expect(try engine.get(b("k")) == [])
        #expect(try engine.scan(.all).collect() == [KeyValue(key: [], value: b("empty key")), KeyValue(key: b("k"), value: [])])
        try engine.delete([])
        #expect(try engine.get([]) == nil)
        #expect(try engine.get(b("k")) == [])
    }

    @Test(arguments: EngineKind.allCases)
    func rangeBoundsIncludedExcludedAndOpen(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        for key in ["a", "b", "c", "d", "e"] { try engine.set(b(key), b(key.uppercased())) }
        func scan(_ start: KeyRange.Bound, _ end: KeyRange.Bound, reverse: Bool = false) throws -> [String] {
            try keys(engine.scan(KeyRange(start: start, end: end), reverse: reverse).collect())
        }
        #expect(try scan(.included(b("b")), .included(b("d"))) == ["b", "c", "d"])
        #expect(try scan(.excluded(b("b")), .excluded(b("d"))) == ["c"])
        #expect(try scan(.included(b("b")), .excluded(b("d"))) == ["b", "c"])
        #expect(try scan(.unbounded, .included(b("b"))) == ["a", "b"])
        #expect(try scan(.excluded(b("c")), .unbounded) == ["d", "e"])
        #expect(try scan(.included(b("bb")), .included(b("dd"))) == ["c", "d"])  // bounds between keys
        #expect(try scan(.excluded(b("c")), .excluded(b("c"))) == [])
        #expect(try scan(.included(b("d")), .included(b("b"))) == [])  // start after end: empty
        #expect(try scan(.unbounded, .unbounded) == ["a", "b", "c", "d", "e"])
        // Reverse visits the same keys, last first.
        #expect(try scan(.included(b("b")), .included(b("d")), reverse: true) == ["d", "c", "b"])
        #expect(try scan(.excluded(b("b")), .excluded(b("e")), reverse: true) == ["d", "c"])
        #expect(try scan(.unbounded, .unbounded, reverse: true) == ["e", "d", "c", "b", "a"])
        #expect(try scan(.included(b("zz")), .unbounded, reverse: true) == [])
        let values = try engine.scan(KeyRange(start: .included(b("a")), end: .excluded(b("c")))).collect().map(\.value)
        #expect(values == [b("A"), b("B")])
    }

    @Test(arguments: EngineKind.allCases)
    func prefixScansForwardAndReverse(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        let stored: [[UInt8]] = [[0x01], [0x01, 0x00], [0x01, 0xFF], [0x01, 0xFF, 0xFF], [0x02], [0xFF], [0xFF, 0xFF], [0x00, 0x01]]
        for key in stored { try engine.set(key, [0]) }
        #expect(try engine.scanPrefix([0x01]).collect().map(\.key) == [[0x01], [0x01, 0x00], [0x01, 0xFF], [0x01, 0xFF, 0xFF]])
        #expect(try engine.scanPrefix([0x01], reverse: true).collect().map(\.key) == [[0x01, 0xFF, 0xFF], [0x01, 0xFF], [0x01, 0x00], [0x01]])
        #expect(try engine.scanPrefix([0xFF]).collect().map(\.key) == [[0xFF], [0xFF, 0xFF]])  // prefix with no end key
        #expect(try engine.scanPrefix([0x03]).collect().isEmpty)
        #expect(try engine.scanPrefix([]).collect().count == stored.count)
    }

    @Test(arguments: EngineKind.allCases)
    func longScansCrossManyBatchesInOrder(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        let all = (0..<5000).map { bigEndian($0) }
        var generator = SplitMix64(seed: 1)
        for key in all.shuffled(using: &generator) { try engine.set(key, key) }
        #expect(try engine.scan(.all).collect().map(\.key) == all)
        #expect(try engine.scan(.all, reverse: true).collect().map(\.key) == all.reversed())
        let range = KeyRange(start: .excluded(bigEndian(1000)), end: .included(bigEndian(3999)))
        #expect(try engine.scan(range).collect().map(\.key) == Array(all[1001...3999]))
        #expect(try engine.scan(range, reverse: true).collect().map(\.key) == Array(all[1001...3999].reversed()))
    }

    /// The engine may change between `next()` calls: the cursor resumes after the last key it
    /// returned, so it stays in order, never repeats a key, and returns every key that was
    /// present for the whole scan.
    @Test(arguments: EngineKind.allCases)
    func cursorsStayValidWhileTheEngineChanges(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        for index in stride(from: 0, to: 4000, by: 2) { try engine.set(bigEndian(index), [1]) }
        for reverse in [false, true] {
            var generator = SplitMix64(seed: reverse ? 7 : 8)
            let atStart = Set(try engine.scan(.all).collect().map(\.key))
            var everPresent = atStart
            var touched = Set<[UInt8]>()
            let cursor = engine.scan(.all, reverse: reverse)
            var returned: [[UInt8]] = []
            while let pair = try cursor.next() {
                returned.append(pair.key)
                // Mutate all over the key space: inserts, deletes, overwrites.
                for _ in 0..<3 {
                    let key = bigEndian(Int(generator.next() % 4000))
                    touched.insert(key)
                    if generator.next() % 2 == 0 {
                        try engine.set(key, [2])
                        everPresent.insert(key)
                    } else {
                        try engine.delete(key)
                    }
                }
            }
            let ordered = Array(reverse ? returned.reversed() : returned)
            let ascending = zip(ordered, ordered.dropFirst()).allSatisfy { compareBytes($0, $1) < 0 }
            #expect(ascending, "keys in order without repeats (reverse: \(reverse))")
            let strangers = Set(returned).subtracting(everPresent).count
            #expect(strangers == 0, "keys returned that were never stored (reverse: \(reverse))")
            let untouched = atStart.subtracting(touched)
            let missed = untouched.subtracting(returned).count
            #expect(missed == 0, "keys present throughout but not returned (reverse: \(reverse))")
            #expect(untouched.count > 100)
            #expect(returned.count > 100)
        }
    }

    /// Many random operations checked against a Swift dictionary as the model.
    @Test(arguments: EngineKind.allCases)
    func randomOperationsMatchADictionaryModel(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        var generator = SplitMix64(seed: 42)
        var model: [[UInt8]: [UInt8]] = [:]
        func randomKey() -> [UInt8] {
            // Short keys from a small alphabet, so sets hit existing keys and ranges are dense.
            (0..<Int(generator.next() % 4)).map { _ in UInt8(generator.next() % 6) * 40 }
        }
        for step in 0..<6000 {
            let key = randomKey()
            switch generator.next() % 10 {
            case 0...4:
                let value = (0..<Int(generator.next() % 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                try engine.set(key, value)
                model[key] = value
            case 5...6:
                try engine.delete(key)
                model[key] = nil
            case 7...8:
                #expect(try engine.get(key) == model[key], "get at step \(step)")
            default:
                let other = randomKey()
                let (low, high) = compareBytes(key, other) <= 0 ? (key, other) : (other, key)
                let range = KeyRange(start: generator.next() % 2 == 0 ? .included(low) : .excluded(low),
                                     end: generator.next() % 3 == 0 ? .unbounded : .excluded(high))
                let reverse = generator.next() % 2 == 0
                let expected = model.filter { range.contains($0.key) }
                    .map { KeyValue(key: $0.key, value: $0.value) }
                    .sorted { compareBytes($0.key, $1.key) < 0 }
                #expect(try engine.scan(range, reverse: reverse).collect() == (reverse ? expected.reversed() : expected),
                        "scan at step \(step)")
            }
        }
        let status = try engine.status()
        #expect(status.keys == model.count)
        #expect(status.logicalSize == model.reduce(0) { $0 + $1.key.count + $1.value.count })
        #expect(try engine.scan(.all).collect().count == model.count)
    }

    @Test(arguments: EngineKind.allCases)
    func statusCountsLiveKeysAndBytes(kind: EngineKind) throws {
        let directory = try TemporaryDirectory()
        let engine = try kind.make(in: directory)
        try engine.set(b("ab"), b("xyz"))
        try engine.set(b("c"), b("1"))
        try engine.set(b("c"), b("12"))
        try engine.delete(b("ab"))
        let status = try engine.status()
        #expect(status.name == (kind == .bitcask ? "bitcask" : "memory"))
        #expect(status.keys == 1)
        #expect(status.logicalSize == 3)
    }
}

/// A 4-byte big-endian key, so byte order equals numeric order.
func bigEndian(_ value: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt32(value).bigEndian) { Array($0) }
}
