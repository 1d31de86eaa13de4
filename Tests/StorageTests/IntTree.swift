@testable import Storage

/// A B-tree whose values are integers, stored as 8 big-endian bytes: the tree tests check it
/// against models of numbers rather than of byte strings. Its nodes are narrow (t = 8), so the
/// tests' few thousand keys make trees four or five levels deep, through which every kind of
/// split, rotation and merge happens.
final class IntTree {
    let tree: BTree

    static let minimumDegree = 8

    init() { tree = BTree(minimumDegree: Self.minimumDegree) }

    /// A bulk-loaded tree (`keys` strictly ascending).
    init(sorted keys: [[UInt8]], values: [Int]) {
        let encoded = values.map(Self.bytes)
        tree = BTree(sorted: zip(keys, encoded).map { BTreePair(key: $0[...], value: $1[...]) },
                     minimumDegree: Self.minimumDegree)
    }

    var count: Int { tree.count }

    @discardableResult
    func set(_ key: [UInt8], _ value: Int) -> Int? { tree.set(key, Self.bytes(value)).map(Self.number) }

    @discardableResult
    func remove(_ key: [UInt8]) -> Int? { tree.remove(key).map(Self.number) }

    func get(_ key: [UInt8]) -> Int? { tree.get(key).map(Self.number) }

    func last(from end: KeyRange.Bound, to start: KeyRange.Bound) -> ([UInt8], Int)? {
        tree.last(from: end, to: start).map { ($0.key, Self.number($0.value)) }
    }

    func lastAtOrBefore(_ probes: [[UInt8]]) -> [([UInt8], Int)?] {
        tree.lastAtOrBefore(probes).map { $0.map { ($0.key, Self.number($0.value)) } }
    }

    func pairs(from start: KeyRange.Bound, to end: KeyRange.Bound, limit: Int) -> [([UInt8], Int)] {
        tree.pairs(from: start, to: end, limit: limit) { (Array($0), Self.number($1)) }
    }

    func invariantViolation() -> String? { tree.invariantViolation() }

    static func bytes(_ number: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(bitPattern: Int64(number)).bigEndian) { Array($0) }
    }

    static func number(_ bytes: some Collection<UInt8>) -> Int {
        Int(Int64(bitPattern: bytes.reduce(0) { $0 << 8 | UInt64($1) }))
    }
}
