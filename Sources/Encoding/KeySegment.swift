/// One labelled piece of an encoded key: its bytes and what they mean. A key's segments, in
/// order, concatenate to the key, so `.keys` can line each part up with its meaning.
public struct KeySegment: Sendable, Hashable {
    public var bytes: [UInt8]
    /// What the bytes are, such as `integer 7: big-endian, sign bit flipped`.
    public var meaning: String

    public init(_ bytes: [UInt8], _ meaning: String) {
        self.bytes = bytes
        self.meaning = meaning
    }
}
