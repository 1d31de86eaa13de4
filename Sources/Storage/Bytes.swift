#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Three-way comparison of byte strings in lexicographic, unsigned order: negative when `a`
/// sorts first, zero when equal, positive when `b` sorts first.
///
/// Engines compare keys millions of times a second, so this uses `memcmp` on the common prefix
/// instead of the generic `lexicographicallyPrecedes`, which is much slower in practice.
/// - Complexity: O(min(a.count, b.count))
@inline(__always)
func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let order = a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb -> Int32 in
                // Non-empty arrays always have storage; the guard only satisfies the types.
                guard let left = pa.baseAddress, let right = pb.baseAddress else { return 0 }
                return memcmp(left, right, common)
            }
        }
        if order != 0 { return Int(order) }
    }
    return a.count - b.count
}

/// ``compareBytes(_:_:)`` of an array and bytes borrowed from elsewhere (a key of a `KeyBatch`).
@inline(__always)
func compareBytes(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let order = a.withUnsafeBytes { pa -> Int32 in
            guard let left = pa.baseAddress, let right = b.baseAddress else { return 0 }
            return memcmp(left, right, common)
        }
        if order != 0 { return Int(order) }
    }
    return a.count - b.count
}

extension KeyRange.Bound {
    /// Whether `key` satisfies this bound used as the start of a range.
    @inline(__always)
    func admitsAsStart(_ key: [UInt8]) -> Bool {
        switch self {
        case .unbounded: return true
        case .included(let start): return compareBytes(key, start) >= 0
        case .excluded(let start): return compareBytes(key, start) > 0
        }
    }

    /// Whether `key` satisfies this bound used as the end of a range.
    @inline(__always)
    func admitsAsEnd(_ key: [UInt8]) -> Bool {
        switch self {
        case .unbounded: return true
        case .included(let end): return compareBytes(key, end) <= 0
        case .excluded(let end): return compareBytes(key, end) < 0
        }
    }
}
