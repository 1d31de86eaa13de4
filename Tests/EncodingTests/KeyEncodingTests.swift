import Encoding
import Testing

/// Property and example tests for the order-preserving key encoding.
@Suite struct KeyEncodingTests {
    /// For every field kind: thousands of random pairs compare the same way as values and as
    /// encoded bytes, and every value decodes back exactly.
    @Test(arguments: KeyField.Kind.allCases)
    func singleFieldOrderAndRoundTrip(kind: KeyField.Kind) throws {
        var rng = SplitMix64(seed: 0xC0FFEE ^ UInt64(KeyField.Kind.allCases.firstIndex(of: kind) ?? 0))
        for _ in 0..<3000 {
            let a = KeyField.random(kind, using: &rng)
            let b = KeyField.random(kind, using: &rng)
            let ea = encodeTuple([a]), eb = encodeTuple([b])
            #expect(KeyField.compare(a, b) == lexicographic(ea, eb), "\(a) vs \(b): \(ea) vs \(eb)")
            let decoded = try decodeTuple(ea, schema: [kind])
            #expect(decoded.count == 1 && KeyField.identical(decoded[0], a), "\(a) decoded as \(decoded)")
        }
    }

    /// Random tuple schemas: encode-order == tuple order, and round trips are exact.
    @Test func tupleOrderAndRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<40 {
            let length = Int.random(in: 1...4, using: &rng)
            let schema = (0..<length).map { _ in KeyField.Kind.allCases[Int.random(in: 0..<KeyField.Kind.allCases.count, using: &rng)] }
            // A small pool makes equal leading fields common, so later fields decide the order.
            let pool = (0..<40).map { _ in schema.map { KeyField.random($0, using: &rng) } }
            for _ in 0..<300 {
                let a = pool[Int.random(in: 0..<pool.count, using: &rng)]
                var b = pool[Int.random(in: 0..<pool.count, using: &rng)]
                if Bool.random(using: &rng) {  // share a prefix of fields
                    let shared = Int.random(in: 0..<length, using: &rng)
                    b.replaceSubrange(0..<shared, with: a[0..<shared])
                }
                let ea = encodeTuple(a), eb = encodeTuple(b)
                #expect(compareTuples(a, b) == lexicographic(ea, eb), "\(a) vs \(b)")
                let decoded = try decodeTuple(ea, schema: schema)
                #expect(zip(decoded, a).allSatisfy { KeyField.identical($0, $1) }, "\(a) decoded as \(decoded)")
            }
        }
    }

    @Test func integersSortAcrossTheSign() {
        let values: [Int64] = [Int64.min, -256, -1, 0, 1, 255, 256, Int64.max]
        let encoded = values.map { v -> [UInt8] in var e = KeyEncoder(); e.append(v); return e.bytes }
        #expect(encoded == encoded.sorted { $0.lexicographicallyPrecedes($1) })
        #expect(encoded[3] == [0x80, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func doublesHaveADocumentedTotalOrder() throws {
        let values: [Double] = [-.infinity, -1e300, -1, -.leastNonzeroMagnitude, -0.0, 0.0,
                                .leastNonzeroMagnitude, 1, 1e300, .infinity, .nan]
        let encoded = values.map { v -> [UInt8] in var e = KeyEncoder(); e.append(v); return e.bytes }
        for (lower, upper) in zip(encoded, encoded.dropFirst()) {
            #expect(lower.lexicographicallyPrecedes(upper))
        }
        // Every NaN, whatever its sign or payload, becomes the one canonical NaN.
        var negativeNaN = KeyEncoder()
        negativeNaN.append(-Double(nan: 99, signaling: true))
        #expect(negativeNaN.bytes == encoded.last)
        // -0.0 keeps its sign through a round trip.
        var decoder = KeyDecoder(encoded[4])
        let negativeZero = try decoder.readDouble()
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
    }

    @Test func byteStringsEscapeZerosAndSortPrefixesFirst() {
        func enc(_ b: [UInt8]) -> [UInt8] { var e = KeyEncoder(); e.append(bytes: b); return e.bytes }
        #expect(enc([]) == [0x00, 0x00])
        #expect(enc([0x61, 0x00, 0x62]) == [0x61, 0x00, 0xFF, 0x62, 0x00, 0x00])
        let ordered: [[UInt8]] = [[], [0x00], [0x00, 0x00], [0x00, 0x01], [0x01], [0x61], [0x61, 0x00], [0x61, 0x62], [0xFF]]
        let encoded = ordered.map(enc)
        for (lower, upper) in zip(encoded, encoded.dropFirst()) {
            #expect(lower.lexicographicallyPrecedes(upper), "\(lower) < \(upper)")
        }
    }

    @Test func prefixEncodingIsAPrefixOfEveryExtension() {
        var prefix = KeyEncoder()
        prefix.appendPrefix(bytes: [0x61, 0x00])
        for tail: [UInt8] in [[], [0x00], [0x62], [0xFF, 0x00]] {
            var full = KeyEncoder()
            full.append(bytes: [0x61, 0x00] + tail)
            #expect(full.bytes.starts(with: prefix.bytes))
        }
        var other = KeyEncoder()
        other.append(bytes: [0x61])
        #expect(!other.bytes.starts(with: prefix.bytes))
    }

    @Test func optionalNoneSortsFirst() {
        var none = KeyEncoder(), some = KeyEncoder()
        none.appendOptional(Int64?.none) { $0.append($1) }
        some.appendOptional(Int64.min) { $0.append($1) }
        #expect(none.bytes == [0x00])
        #expect(none.bytes.lexicographicallyPrecedes(some.bytes))
    }
}

/// Malformed keys: every one throws a specific `EncodingError`, none crashes.
@Suite struct KeyDecodingErrorTests {
    @Test func everyProperPrefixOfAKeyIsRejected() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let schema = (0..<Int.random(in: 1...4, using: &rng)).map { _ in KeyField.Kind.allCases[Int.random(in: 0..<KeyField.Kind.allCases.count, using: &rng)] }
            let key = encodeTuple(schema.map { KeyField.random($0, using: &rng) })
            for cut in 0..<key.count {
                #expect(throws: EncodingError.self) { try decodeTuple(Array(key[0..<cut]), schema: schema) }
            }
        }
    }

    @Test func trailingBytesAreRejected() {
        var e = KeyEncoder()
        e.append(Int64(5))
        #expect(throws: EncodingError(offset: 8, expected: "key", reason: .trailingBytes(count: 1))) {
            try decodeTuple(e.bytes + [0x01], schema: [.int])
        }
    }

    @Test func badMarkersNameOffsetAndByte() {
        #expect(throws: EncodingError(offset: 0, expected: "Bool", reason: .invalidByte(2))) {
            try decodeTuple([0x02], schema: [.bool])
        }
        #expect(throws: EncodingError(offset: 0, expected: "optional marker", reason: .invalidByte(7))) {
            try decodeTuple([0x07], schema: [.optionalInt])
        }
        #expect(throws: EncodingError(offset: 2, expected: "0x00 or 0xFF after 0x00 in bytes", reason: .invalidByte(0x01))) {
            try decodeTuple([0x61, 0x00, 0x01, 0x00, 0x00], schema: [.bytes])
        }
        #expect(throws: EncodingError(offset: 0, expected: "string", reason: .invalidUTF8)) {
            try decodeTuple([0xC3, 0x28, 0x00, 0x00], schema: [.string])
        }
    }

    @Test func errorsDescribeThemselves() {
        let error = EncodingError(offset: 3, expected: "Int64", reason: .truncated)
        #expect(error.description == "malformed encoding at offset 3: input ends while reading Int64")
        #expect(EncodingError(offset: 0, expected: "Bool", reason: .invalidByte(0xAB)).description
            == "malformed encoding at offset 0: byte 0xab is not a valid Bool")
    }

    /// Random garbage never crashes the decoder: it either decodes or throws.
    @Test func randomGarbageDecodesOrThrows() {
        var rng = SplitMix64(seed: 99)
        var thrown = 0
        for _ in 0..<5000 {
            let garbage = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let schema = (0..<Int.random(in: 1...3, using: &rng)).map { _ in KeyField.Kind.allCases[Int.random(in: 0..<KeyField.Kind.allCases.count, using: &rng)] }
            do { _ = try decodeTuple(garbage, schema: schema) } catch { thrown += 1 }
        }
        #expect(thrown > 0)
    }
}
