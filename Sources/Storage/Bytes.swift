#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Three-way comparison of byte strings in lexicographic, unsigned order: negative when `a`
/// sorts first, zero when equal, positive when `b` sorts first.
///
/// Engines compare keys millions of times a second, so this uses `memcmp` on the common prefix
/// instead of the generic `lexicographicallyPrecedes`, which is much slower in practice. The
/// other forms borrow the bytes of an array or a slice (a key inside a B-tree node's buffer)
/// and come here.
/// - Complexity: O(min(a.count, b.count))
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    // Non-empty buffers always have an address; the guard only satisfies the types.
    if common > 0, let left = a.baseAddress, let right = b.baseAddress {
        let order = memcmp(left, right, common)
        if order != 0 { return Int(order) }
    }
    return a.count - b.count
}

@inline(__always)
func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in compareBytes(a, b) } }
}

@inline(__always)
func compareBytes(_ a: ArraySlice<UInt8>, _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in compareBytes(a, b) } }
}

@inline(__always)
func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
    a.withUnsafeBytes { a in b.withUnsafeBytes { b in compareBytes(a, b) } }
}

@inline(__always)
func compareBytes(_ a: ArraySlice<UInt8>, _ b: UnsafeRawBufferPointer) -> Int {
    a.withUnsafeBytes { a in compareBytes(a, b) }
}

extension KeyRange.Bound {
    /// Whether `key` satisfies this bound used as the start of a range.
    @inline(__always)
    func admitsAsStart(_ key: ArraySlice<UInt8>) -> Bool {
        switch self {
        case .unbounded: return true
        case .included(let start): return compareBytes(key, start) >= 0
        case .excluded(let start): return compareBytes(key, start) > 0
        }
    }

    /// Whether `key` satisfies this bound used as the end of a range.
    @inline(__always)
    func admitsAsEnd(_ key: ArraySlice<UInt8>) -> Bool {
        switch self {
        case .unbounded: return true
        case .included(let end): return compareBytes(key, end) <= 0
        case .excluded(let end): return compareBytes(key, end) < 0
        }
    }
}
