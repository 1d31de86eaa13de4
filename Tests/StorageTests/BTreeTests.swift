import Encoding
import Testing
@testable import Storage

/// The B-tree under both engines: its invariants hold through every kind of insert and delete.
@Suite struct BTreeTests {
    @Test func ascendingDescendingAndRandomInsertsKeepTheInvariants() throws {
        for order in ["ascending", "descending", "random"] {
            let tree = IntTree()
            var numbers = Array(0..<3000)
            if order == "descending" { numbers.reverse() }
            if order == "random" { var g = SplitMix64(seed: 3); numbers.shuffle(using: &g) }
            for n in numbers { tree.set(bigEndian(n), n) }
            #expect(tree.invariantViolation() == nil, "\(order)")
            #expect(tree.count == 3000)
            #expect(tree.get(bigEndian(1234)) == 1234)
            #expect(tree.get(bigEndian(3000)) == nil)
        }
    }

    /// Deleting in random order exercises borrowing from both siblings, merging, and the root
    /// shrinking; the invariants are checked after every step.
    @Test func randomDeletesKeepTheInvariantsAtEveryStep() throws {
        var generator = SplitMix64(seed: 11)
        let tree = IntTree()
        var present = Set<Int>()
        for step in 0..<6000 {
            let n = Int(generator.next() % 2500)
            if generator.next() % 3 == 0 {
                #expect((tree.remove(bigEndian(n)) != nil) == present.contains(n))
                present.remove(n)
            } else {
                tree.set(bigEndian(n), n)
                present.insert(n)
            }
            // Checking walks the whole tree, so check often but not after every step.
            if step % 4 == 0, let problem = tree.invariantViolation() {
                Issue.record("invariant broken: \(problem)")
                return
            }
        }
        for n in present.shuffled(using: &generator) {
            #expect(tree.remove(bigEndian(n)) == n)
        }
        #expect(tree.count == 0)
        #expect(tree.invariantViolation() == nil)
        #expect(tree.pairs(from: .unbounded, to: .unbounded, limit: 10).isEmpty)
    }

    /// Searches against a sorted array, with keys made to share long beginnings (as one
    /// table's keys do, beyond the 8-byte prefix the tree caches), to be prefixes of one
    /// another and of the probes (and the probes of them), under inserts and deletes.
    @Test(arguments: [5, 6, 7] as [UInt64])
    func searchesWithSharedBeginningsMatchASortedArray(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let beginnings: [[UInt8]] = [[], [0x05, 0x02, 0x74, 0x00, 0xFF], Array(repeating: 0x07, count: 19)]
        func randomKey() -> [UInt8] {
            let beginning = beginnings[Int(generator.next() % UInt64(beginnings.count))]
            return beginning + (0..<Int(generator.next() % 14)).map { _ in [0x00, 0x01, 0xFF][Int(generator.next() % 3)] }
        }
        let tree = IntTree()
        var model: [[UInt8]: Int] = [:]
        for step in 0..<8000 {
            let key = randomKey()
            if generator.next() % 3 == 0 {
                #expect(tree.remove(key) == model.removeValue(forKey: key))
            } else {
                #expect(tree.set(key, step) == model.updateValue(step, forKey: key))
            }
            guard step % 500 == 499 else { continue }
            if let problem = tree.invariantViolation() { Issue.record("seed \(seed): \(problem)"); return }
            let sorted = model.keys.sorted { compareBytes($0, $1) < 0 }
            for _ in 0..<200 {
                let probe = randomKey()
                #expect(tree.get(probe) == model[probe], "seed \(seed)")
                let expected = sorted.last { compareBytes($0, probe) <= 0 }
                #expect(tree.last(from: .included(probe), to: .unbounded)?.0 == expected, "seed \(seed)")
            }
        }
    }

    /// Bulk loading (used when BitCask opens) builds a valid tree for every size, including the
    /// sizes around a full node and a full two-level tree, and the tree stays valid under
    /// inserts and deletes afterwards.
    @Test func bulkLoadedTreesKeepTheInvariants() throws {
        let maximum = 2 * IntTree.minimumDegree - 1
        for size in [0, 1, 2, maximum - 1, maximum, maximum + 1, 2 * maximum + 1, 2 * maximum + 2,
                     (maximum + 1) * (maximum + 1) - 1, (maximum + 1) * (maximum + 1), 10_000] {
            let tree = IntTree(sorted: (0..<size).map { bigEndian($0 * 2) }, values: Array(0..<size))
            #expect(tree.invariantViolation() == nil, "size \(size)")
            #expect(tree.count == size)
            #expect(tree.pairs(from: .unbounded, to: .unbounded, limit: .max).map(\.1) == Array(0..<size))
            if size > 0 { #expect(tree.get(bigEndian((size - 1) * 2)) == size - 1) }
            var generator = SplitMix64(seed: UInt64(size))
            for _ in 0..<200 {
                let n = Int(generator.next() % UInt64(2 * size + 2))
                if generator.next() % 2 == 0 { tree.set(bigEndian(n), n) } else { tree.remove(bigEndian(n)) }
            }
            #expect(tree.invariantViolation() == nil, "size \(size) after changes")
        }
    }

    /// Each node keeps its pairs' bytes in one buffer, where overwrites with longer or shorter
    /// values and deletes leave unused bytes until the node compacts: values of every length
    /// (empty ones too) against a dictionary, with the buffer's bookkeeping checked on the way.
    @Test(arguments: [8, 9] as [UInt64])
    func nodeBuffersKeepEveryValueThroughOverwritesAndDeletes(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        let tree = BTree(minimumDegree: 4)
        var model: [[UInt8]: [UInt8]] = [:]
        for step in 0..<6000 {
            let key = bigEndian(Int(generator.next() % 400))
            switch generator.next() % 4 {
            case 0:
                #expect(tree.remove(key) == model.removeValue(forKey: key))
            default:
                let value = (0..<Int(generator.next() % 90)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                #expect(tree.set(key, value) == model.updateValue(value, forKey: key))
            }
            guard step % 300 == 299 else { continue }
            if let problem = tree.invariantViolation() { Issue.record("seed \(seed): \(problem)"); return }
            let pairs = tree.pairs(from: .unbounded, to: .unbounded, limit: .max) { KeyValue(copying: $0, $1) }
            #expect(pairs == model.keys.sorted { compareBytes($0, $1) < 0 }.map { KeyValue(key: $0, value: model[$0] ?? []) })
        }
    }

    /// Pairs are handed out as slices of a node's buffer; they keep the bytes they showed when
    /// the tree later overwrites, moves (splits, merges) or deletes those pairs.
    @Test func handedOutSlicesKeepTheirBytesWhenTheTreeChanges() {
        let tree = BTree(minimumDegree: 4)
        for n in 0..<500 { tree.set(bigEndian(n), bigEndian(n * 3)) }
        var kept: [(key: ArraySlice<UInt8>, value: ArraySlice<UInt8>)] = []
        tree.walk(from: .unbounded, to: .unbounded, reverse: false) { key, value in
            kept.append((key, value))
            return true
        }
        for n in 0..<500 where n % 2 == 0 { tree.set(bigEndian(n), [0xEE]) }
        for n in 0..<500 where n % 3 == 0 { tree.remove(bigEndian(n)) }
        for n in 500..<900 { tree.set(bigEndian(n), bigEndian(n)) }
        #expect(tree.invariantViolation() == nil)
        #expect(kept.count == 500)
        #expect(kept.enumerated().allSatisfy { n, pair in Array(pair.key) == bigEndian(n) && Array(pair.value) == bigEndian(n * 3) })
    }

    @Test func compareBytesIsUnsignedLexicographicOrder() {
        #expect(compareBytes([], []) == 0)
        #expect(compareBytes([], [0]) < 0)
        #expect(compareBytes([0x7F], [0x80]) < 0)  // unsigned: 0x80 sorts after 0x7F
        #expect(compareBytes([1, 2], [1]) > 0)
        #expect(compareBytes([1, 2, 3], [1, 2, 3]) == 0)
        #expect(compareBytes([2], [1, 9]) > 0)
    }
}
