/// A small, fast, seeded random number generator (Steele, Lea and Flood's SplitMix64).
///
/// Cutaway's one source of randomness wherever a run must replay: Raft nodes and the simulator,
/// property and fuzz tests, benchmark key orders. A run is a pure function of its seed. It lives
/// in the bottom layer so that every layer (and every test target) shares this one definition.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
