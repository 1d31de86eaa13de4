import Storage

/// A minimal in-memory ``StorageEngine`` that outlives the simulated node using it, so a
/// simulated crash keeps the node's durable state. It also counts flushes (simulated fsyncs).
///
/// Only the Raft log uses it, and the log reads the engine just once, when a node (re)starts,
/// so a plain dictionary with a sorting scan is enough.
public final class SimulatedStorage: StorageEngine {
    private var pairs: [[UInt8]: [UInt8]] = [:]
    /// How many times `flush` was called.
    public private(set) var flushes = 0

    public init() {}

    public var name: String { "simulated" }

    /// - Complexity: O(1) average.
    public func get(_ key: [UInt8]) throws -> [UInt8]? { pairs[key] }

    /// - Complexity: O(1) average.
    public func set(_ key: [UInt8], _ value: [UInt8]) throws { pairs[key] = value }

    /// - Complexity: O(1) average.
    public func delete(_ key: [UInt8]) throws { pairs[key] = nil }

    /// - Complexity: O(n log n): it sorts the matching keys.
    public func scan(_ range: KeyRange, reverse: Bool) -> any KeyValueCursor {
        var matching = pairs.filter { range.contains($0.key) }
            .map { KeyValue(key: $0.key, value: $0.value) }
            .sorted { $0.key.lexicographicallyPrecedes($1.key) }
        if reverse { matching.reverse() }
        return ArrayCursor(matching)
    }

    public func flush() throws { flushes += 1 }

    public func status() throws -> EngineStatus {
        EngineStatus(name: name, keys: pairs.count,
                     logicalSize: pairs.reduce(0) { $0 + $1.key.count + $1.value.count },
                     diskSize: 0, garbageSize: 0)
    }
}

/// A cursor over pairs already in memory.
final class ArrayCursor: KeyValueCursor {
    private var pairs: ArraySlice<KeyValue>
    init(_ pairs: [KeyValue]) { self.pairs = pairs[...] }
    func next() throws -> KeyValue? { pairs.popFirst() }
}
