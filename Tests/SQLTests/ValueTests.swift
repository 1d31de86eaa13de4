@testable import SQL
import Testing

/// Value printing, ordering and arithmetic at the unit level (the scripts cover them in SQL).
struct ValueTests {
    @Test func floatsPrintLikeToyDB() {
        #expect(Value.float(3).description == "3.0")
        #expect(Value.float(0.02718).description == "0.02718")
        #expect(Value.float(1e-7).description == "1e-7")
        #expect(Value.float(9.223372036854776e18).description == "9.223372036854776e18")
        #expect(Value.float(1.23456789012345e308).description == "1.23456789012345e308")
        #expect(Value.float(-0.0).description == "-0.0")
        #expect(Value.float(.nan).description == "NaN")
        #expect(Value.float(-.infinity).description == "-inf")
        #expect(Value.string("it's").description == "'it\\'s'")
    }

    @Test func integerOverflowIsAnArithmeticError() throws {
        #expect(throws: SQLError(.arithmetic, "integer overflow")) {
            try Arithmetic.add(.integer(.max), .integer(1))
        }
        #expect(throws: SQLError(.arithmetic, "can't divide by zero")) {
            try Arithmetic.divide(.integer(1), .integer(0))
        }
        #expect(throws: SQLError(.arithmetic, "integer overflow")) {
            try Arithmetic.divide(.integer(.min), .integer(-1))
        }
        #expect(try Arithmetic.power(.integer(3), .integer(4)) == .integer(81))
        #expect(try Arithmetic.power(.integer(2), .integer(-1)) == .float(0.5))
    }

    @Test func likeMatchesPercentAndUnderscore() {
        #expect(Like.matches("hello", pattern: "h%o"))
        #expect(Like.matches("hello", pattern: "_ello"))
        #expect(Like.matches("", pattern: "%%"))
        #expect(!Like.matches("hello", pattern: "h_o"))
        #expect(Like.matches("a%b", pattern: "a%b"))
    }

    /// The sort order is a total order: antisymmetric and transitive over mixed values.
    @Test func sortOrderIsATotalOrder() {
        var rng = ValueTestGenerator(seed: 42)
        let pool: [Value] = [.null, .boolean(false), .boolean(true), .integer(-3), .integer(0), .integer(7),
                             .float(-.infinity), .float(-0.0), .float(0), .float(2.5), .float(.infinity),
                             .float(.nan), .string(""), .string("B"), .string("a"), .string("å")]
        for _ in 0..<2_000 {
            let a = pool[Int(rng.next() % UInt64(pool.count))]
            let b = pool[Int(rng.next() % UInt64(pool.count))]
            let c = pool[Int(rng.next() % UInt64(pool.count))]
            #expect(Value.sortOrder(a, b) == -Value.sortOrder(b, a))
            if Value.sortOrder(a, b) <= 0 && Value.sortOrder(b, c) <= 0 {
                #expect(Value.sortOrder(a, c) <= 0)
            }
            // Keys that are equal must hash equally (hash joins and GROUP BY rely on it).
            if ValueKey(a) == ValueKey(b) { #expect(ValueKey(a).hashValue == ValueKey(b).hashValue) }
        }
    }
}

/// A fixed-seed generator, so property tests are reproducible.
struct ValueTestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
