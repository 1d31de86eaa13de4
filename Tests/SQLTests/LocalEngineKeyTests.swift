import Encoding
import Foundation
@testable import SQL
import Testing


/// Random values that favour the edges: zero, extremes, infinities, NaN, −0.0, empty strings,
/// strings with embedded NUL bytes and non-ASCII characters.
private func randomValue(_ rng: inout SplitMix64) -> Value {
    switch rng.next() % 5 {
    case 0: return .null
    case 1: return .boolean(rng.next() % 2 == 0)
    case 2:
        let edges: [Int64] = [0, 1, -1, .max, .min, 255, 256, -256]
        if rng.next() % 4 == 0 { return .integer(edges[Int(rng.next() % UInt64(edges.count))]) }
        return .integer(Int64(bitPattern: rng.next()) >> (rng.next() % 64))
    case 3:
        let edges: [Double] = [0.0, -0.0, .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1.5, -1.5]
        if rng.next() % 3 == 0 { return .float(edges[Int(rng.next() % UInt64(edges.count))]) }
        return .float(Double(bitPattern: rng.next()))
    default:
        let alphabet: [Character] = ["a", "b", "\u{0}", "\u{1}", "é", "👋", "Z", " "]
        let length = Int(rng.next() % 6)
        return .string(String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
    }
}

/// The order SQL keys must follow: by type (NULL, BOOLEAN, INTEGER, FLOAT, STRING), then by
/// value; floats totally (−inf < … < 0.0 = −0.0 < … < inf < NaN), strings by UTF-8 bytes.
private func referenceOrder(_ a: Value, _ b: Value) -> Int {
    func rank(_ v: Value) -> Int {
        switch v {
        case .null: 0
        case .boolean: 1
        case .integer: 2
        case .float: 3
        case .string: 4
        }
    }
    func compare<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : (x == y ? 0 : 1) }
    switch (a, b) {
    case (.boolean(let x), .boolean(let y)): return compare(x ? 1 : 0, y ? 1 : 0)
    case (.integer(let x), .integer(let y)): return compare(x, y)
    case (.float(let x), .float(let y)):
        if x.isNaN || y.isNaN { return compare(x.isNaN ? 1 : 0, y.isNaN ? 1 : 0) }
        return compare(x, y)
    case (.string(let x), .string(let y)):
        let (p, q) = (Array(x.utf8), Array(y.utf8))
        return p == q ? 0 : (p.lexicographicallyPrecedes(q) ? -1 : 1)
    default: return compare(rank(a), rank(b))
    }
}

private func byteOrder(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a == b ? 0 : (a.lexicographicallyPrecedes(b) ? -1 : 1)
}

@Test func rowKeysSortLikeTheirPrimaryKeys() {
    var rng = SplitMix64(seed: 0xC0FFEE)
    for _ in 0..<20_000 {
        let (a, b) = (randomValue(&rng), randomValue(&rng))
        let keys = (SQLKey.row(table: "t", id: a).encoded, SQLKey.row(table: "t", id: b).encoded)
        #expect(byteOrder(keys.0, keys.1) == referenceOrder(a, b), "\(a) vs \(b)")
    }
}

@Test func indexKeysSortByTableThenColumnThenValue() {
    var rng = SplitMix64(seed: 42)
    let names = ["", "a", "ab", "a\u{0}", "b", "表"]
    for _ in 0..<10_000 {
        let a = (names[Int(rng.next() % 6)], names[Int(rng.next() % 6)], randomValue(&rng))
        let b = (names[Int(rng.next() % 6)], names[Int(rng.next() % 6)], randomValue(&rng))
        let expected = byteOrder(Array(a.0.utf8), Array(b.0.utf8)) != 0 ? byteOrder(Array(a.0.utf8), Array(b.0.utf8))
            : byteOrder(Array(a.1.utf8), Array(b.1.utf8)) != 0 ? byteOrder(Array(a.1.utf8), Array(b.1.utf8))
            : referenceOrder(a.2, b.2)
        let actual = byteOrder(SQLKey.index(table: a.0, column: a.1, value: a.2).encoded,
                               SQLKey.index(table: b.0, column: b.1, value: b.2).encoded)
        #expect(actual == expected, "\(a) vs \(b)")
    }
}

@Test func keysRoundTripAndEqualValuesShareBytes() throws {
    var rng = SplitMix64(seed: 7)
    for _ in 0..<5_000 {
        let value = randomValue(&rng)
        for key in [SQLKey.row(table: "movies", id: value), .index(table: "m", column: "c", value: value)] {
            let decoded = try SQLKey.decode(key.encoded)
            #expect(decoded.encoded == key.encoded)
        }
    }
    #expect(try SQLKey.decode(SQLKey.table("表").encoded) == .table("表"))
    #expect(SQLKey.row(table: "t", id: .float(-0.0)).encoded == SQLKey.row(table: "t", id: .float(0.0)).encoded)
    #expect(SQLKey.row(table: "t", id: .float(-.nan)).encoded == SQLKey.row(table: "t", id: .float(.nan)).encoded)
}

@Test func prefixesContainExactlyTheirKeys() {
    let rows = SQLKey.rowPrefix(table: "a")
    #expect(SQLKey.row(table: "a", id: .integer(1)).encoded.starts(with: rows))
    #expect(!SQLKey.row(table: "ab", id: .integer(1)).encoded.starts(with: rows))
    #expect(!SQLKey.index(table: "a", column: "c", value: .integer(1)).encoded.starts(with: rows))
    let index = SQLKey.indexPrefix(table: "a", column: "c")
    #expect(SQLKey.index(table: "a", column: "c", value: .null).encoded.starts(with: index))
    #expect(!SQLKey.index(table: "a", column: "cd", value: .null).encoded.starts(with: index))
    #expect(SQLKey.index(table: "a", column: "c", value: .null).encoded.starts(with: SQLKey.indexPrefix(table: "a")))
    #expect(SQLKey.table("a").encoded.starts(with: SQLKey.tablePrefix))
}

@Test func malformedKeysThrow() {
    let valid = SQLKey.row(table: "t", id: .string("x")).encoded
    var cases: [[UInt8]] = [[], [0x09], valid + [0x00]]
    for length in 1..<valid.count { cases.append(Array(valid.prefix(length))) }
    var badValueTag = SQLKey.row(table: "t", id: .null).encoded
    badValueTag[badValueTag.count - 1] = 0x7F
    cases.append(badValueTag)
    for bytes in cases {
        #expect(throws: SQLError.self, "\(bytes)") { try SQLKey.decode(bytes) }
    }
}

@Test func rowsRoundTripExactly() throws {
    var rng = SplitMix64(seed: 99)
    for _ in 0..<5_000 {
        let row = (0..<Int(rng.next() % 6)).map { _ in randomValue(&rng) }
        let decoded = try RowCodec.decode(RowCodec.encode(row))
        #expect(RowCodec.encode(decoded) == RowCodec.encode(row))
        #expect(decoded.count == row.count)
    }
    let exact: Row = [.integer(.min), .float(-0.0), .string(""), .boolean(false), .null]
    let back = try RowCodec.decode(RowCodec.encode(exact))
    guard case .float(let f) = back[1] else { Issue.record("not a float"); return }
    #expect(f.sign == .minus && f == 0)
    #expect(back[0] == .integer(.min) && back[2] == .string("") && back[4] == .null)
}

@Test func everyTruncationOrCorruptionOfARowThrows() {
    let bytes = RowCodec.encode([.integer(300), .string("héllo"), .float(2.5), .boolean(true)])
    for length in 0..<bytes.count {
        #expect(throws: SQLError.self) { try RowCodec.decode(Array(bytes.prefix(length))) }
    }
    #expect(throws: SQLError.self) { try RowCodec.decode(bytes + [0]) }
    #expect(throws: SQLError.self) { try RowCodec.decode([1, 0x42]) }            // unknown type tag
    #expect(throws: SQLError.self) { try RowCodec.decode([0xFF, 0xFF, 0xFF, 0x0F]) }  // absurd count
    // Random bytes: decoding may succeed or fail, but must never crash.
    var rng = SplitMix64(seed: 5)
    for _ in 0..<5_000 {
        let noise = (0..<Int(rng.next() % 12)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        _ = try? RowCodec.decode(noise)
        _ = try? SQLKey.decode(noise)
        _ = try? SchemaCodec.decode(noise)
    }
}

@Test func schemasRoundTripThroughTheCatalogCodec() throws {
    let table = Table(name: "movies", primaryKey: 0, columns: [
        Column(name: "id", dataType: .integer, nullable: false),
        Column(name: "title", dataType: .string, nullable: false, defaultValue: .string("untitled")),
        Column(name: "rating", dataType: .float, defaultValue: .null, unique: true,
               indexes: ["by_rating"], uniqueIndexes: ["by_rating"]),
        Column(name: "sequel_of", dataType: .integer, indexes: ["movies_sequel_of_idx"], references: "movies"),
        Column(name: "seen", dataType: .boolean, defaultValue: .boolean(false)),
    ])
    #expect(try SchemaCodec.decode(SchemaCodec.encode(table)) == table)
    let bytes = SchemaCodec.encode(table)
    for length in 0..<bytes.count {
        #expect(throws: SQLError.self) { try SchemaCodec.decode(Array(bytes.prefix(length))) }
    }
    var future = bytes
    future[0] = 99
    #expect(throws: SQLError.self) { try SchemaCodec.decode(future) }
}

@Test func indexEntryEditsMatchASortedSetModel() throws {
    var rng = SplitMix64(seed: 2024)
    for _ in 0..<300 {
        var bytes: [UInt8]? = nil
        var model: [[UInt8]: Value] = [:]
        for _ in 0..<Int(rng.next() % 40) {
            // Mostly rising integer ids (the append fast path), sometimes anything.
            let id: Value = rng.next() % 3 == 0 ? randomValue(&rng) : .integer(Int64(rng.next() % 50))
            if case .null = id { continue }
            if case .float(let f) = id, f.isNaN { continue }
            if rng.next() % 3 == 0, let current = bytes {
                bytes = try IndexEntry.removing(id, from: current)
                model[SQLKey.encodedValue(id)] = nil
            } else {
                bytes = try IndexEntry.adding(id, to: bytes) ?? bytes
                model[SQLKey.encodedValue(id)] = id.canonicalized
            }
            let expected = model.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
            let actual = try bytes.map { (b) throws(SQLError) in try RowCodec.decodeIDs(b) } ?? []
            #expect(actual.map(SQLKey.encodedValue) == expected.map(SQLKey.encodedValue))
            #expect((bytes == nil) == model.isEmpty)
        }
    }
    #expect(throws: SQLError.self) { try IndexEntry.adding(.integer(1), to: [2, 3]) }
    #expect(throws: SQLError.self) { try IndexEntry.removing(.integer(1), from: [1, 9]) }
}

/// One decoder, three wordings: each call site picks how the same key reads.
@Test func keysInWords() {
    let row = SQLKey.row(table: "movies", id: .integer(7)).encoded
    let index = SQLKey.index(table: "movies", column: "genre", value: .string("scifi")).encoded
    let table = SQLKey.table("movies").encoded
    #expect(SQLKey.describe(row) == "row 7 of movies")
    #expect(SQLKey.describe(index, .sentence) == "the index entry movies.genre = 'scifi'")
    #expect(SQLKey.describe(table, .sentence) == "the schema of table movies")
    #expect(SQLKey.describe(index, .withinTable, value: { "<\($0)>" }) == "index genre=<'scifi'>")
    #expect(SQLKey.describe([0xEE], .sentence) == "key ee")
    #expect(SQLKey.describe([0xEE], .withinTable) == "0xee")
}
