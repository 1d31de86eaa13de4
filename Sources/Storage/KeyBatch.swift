import Encoding

/// Many keys laid end to end in one buffer, with where each one ends: the input of a batched
/// read (`StorageEngine.lastAtOrBefore`). A lookup join asks for a thousand keys at a time;
/// as an array of arrays that was a thousand allocations, and another thousand for their MVCC
/// version keys, which cost more than the searches they fed.
public struct KeyBatch: Sendable {
    /// Writes the keys, one after another, into one buffer.
    private var encoder: KeyEncoder
    /// Where each key ends in `bytes` (it starts where the one before it ends).
    public private(set) var ends: [Int] = []

    /// An empty batch with room for `keys` keys of `bytes` bytes in all.
    public init(keys: Int = 0, bytes: Int = 0) {
        encoder = KeyEncoder(capacity: bytes)
        ends.reserveCapacity(keys)
    }

    /// The given keys, copied into one buffer.
    public init(_ keys: [[UInt8]]) {
        self.init(keys: keys.count, bytes: keys.reduce(0) { $0 + $1.count })
        for key in keys { append { $0.appendRaw(key[...]) } }
    }

    /// Every key's bytes, back to back.
    public var bytes: [UInt8] { encoder.bytes }

    /// The number of keys.
    public var count: Int { ends.count }

    /// Where key `index` lies in `bytes` (`index` must be below `count`).
    public func range(_ index: Int) -> Range<Int> {
        (index == 0 ? 0 : ends[index - 1])..<ends[index]
    }

    /// Key `index`, copied out (for the rare paths that need it as an array of its own).
    public subscript(index: Int) -> [UInt8] { Array(encoder.bytes[range(index)]) }

    /// Appends one key, which `build` encodes in place at the end of the buffer.
    public mutating func append(_ build: (inout KeyEncoder) -> Void) {
        build(&encoder)
        ends.append(encoder.bytes.count)
    }
}
