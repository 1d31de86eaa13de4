@testable import Inspect
import Encoding
import SQL
import Storage
import Testing

@Suite struct JSONResultTests {
    @Test func queriesWriteFloatsAsFloatsAndSpecialValuesAsStrings() {
        let result = StatementResult.query(columns: ["i", "f", "s", "n", "b"], rows: [
            [.integer(1), .float(3), .string("a\"b\\c\n"), .null, .boolean(true)],
            [.integer(-2), .float(.nan), .string("é"), .float(.infinity), .float(-.infinity)],
            [.integer(0), .float(2.5e-7), .string("\u{01}"), .float(1e20), .float(-0.0)],
        ])
        #expect(JSONResult.encode(result) == #"""
            {"columns": ["i", "f", "s", "n", "b"], "rows": [[1, 3.0, "a\"b\\c\n", null, true], \#
            [-2, "NaN", "é", "Infinity", "-Infinity"], [0, 2.5e-07, "\u0001", 1e+20, -0.0]]}
            """#)
    }

    @Test func commandsCarryACountOnlyWhereRowsWereAffected() {
        #expect(JSONResult.encode(.insert(count: 3)) == #"{"command": "INSERT", "count": 3}"#)
        #expect(JSONResult.encode(.delete(count: 0)) == #"{"command": "DELETE", "count": 0}"#)
        #expect(JSONResult.encode(.begin(version: 4, readOnly: false)) == #"{"command": "BEGIN"}"#)
        #expect(JSONResult.encode(.createTable(name: "t")) == #"{"command": "CREATE TABLE"}"#)
        #expect(JSONResult.error("no \"t\"") == #"{"error": "no \"t\""}"#)
    }
}

@Suite struct TextModeTests {
    let result = StatementResult.query(columns: ["id", "name", "score"], rows: [
        [.integer(1), .string("ann"), .float(2.5)],
        [.integer(10), .string("bo, \"b\""), .null],
    ])

    @Test func tableAlignsLikePsql() {
        #expect(ResultDrawing.draw(result, mode: .table) == """
             id |  name   | score
            ----+---------+-------
              1 | ann     |   2.5
             10 | bo, "b" | NULL
            (2 rows)

            """)
    }

    @Test func lineModeWritesOneColumnPerLine() {
        #expect(ResultDrawing.draw(result, mode: .line) == """
               id = 1
             name = ann
            score = 2.5

               id = 10
             name = bo, "b"
            score = NULL

            """)
    }

    @Test func csvQuotesPerRFC4180() {
        #expect(ResultDrawing.draw(result, mode: .csv) == #"""
            id,name,score
            1,ann,2.5
            10,"bo, ""b""",

            """#)
    }

    @Test func otherStatementsPrintASummary() {
        #expect(ResultDrawing.draw(.insert(count: 1), mode: .table) == "INSERT 1\n")
        #expect(ResultDrawing.draw(.begin(version: 7, readOnly: true), mode: .csv) 
                == "BEGIN — read-only snapshot@7: sees what committed before version 7\n")
    }
}

/// Drawings measure text the way a terminal does, and stay linear in it.
@Suite struct DisplayWidthTests {
    @Test func eachGraphemeTakesTheColumnsATerminalGivesIt() {
        #expect(Drawing.width("abc") == 3)
        #expect(Drawing.width("漢字") == 4)
        #expect(Drawing.width("ｱＡ") == 3)             // halfwidth katakana 1, fullwidth A 2
        #expect(Drawing.width("😀x") == 3)
        #expect(Drawing.width("👍🏽") == 2)             // emoji with a skin-tone modifier: one grapheme
        #expect(Drawing.width("🇯🇵") == 2)             // a flag: two regional indicators, one grapheme
        #expect(Drawing.width("e\u{301}e\u{301}") == 2)  // combining acute accents take no column
        #expect(Drawing.width("\u{301}") == 0)
        #expect(Drawing.width("┌─┐ ✓ ✗ · … ⌫") == 13)  // the drawings' own marks are narrow
    }

    @Test func elidingAndPaddingCountColumnsNotCharacters() {
        #expect(Drawing.elide("漢字漢字", to: 5) == "漢字…")
        #expect(Drawing.padRight("漢", to: 4) == "漢  ")
        #expect(Drawing.padLeft("😀", to: 3) == " 😀")
    }

    @Test func tableLinesOfWideTextLineUp() {
        let drawn = ResultDrawing.table(columns: ["名前", "n"], rows: [[.string("漢字"), .integer(1)], [.string("ab"), .integer(22)]])
        let lines = drawn.split(separator: "\n").dropLast().map { Drawing.width(String($0)) }
        // The rows end in right-aligned numbers, so they are as wide as the rule less its end.
        #expect(lines[2] == lines[3] && lines[1] == lines[2] + 1)
    }

    @Test func nullAndTheStringNULLLookDifferentAndLineBreaksStayInTheirCell() {
        let drawn = ResultDrawing.table(columns: ["v"], rows: [[.null], [.string("NULL")], [.string("a\nb")]])
        #expect(drawn == "   v\n--------\n NULL\n 'NULL'\n a␊b\n(3 rows)\n")
    }

    /// Drawing was quadratic in the length of a value (a 60 KB string took 13 s). The limit is a
    /// guard against that coming back, far above the milliseconds a linear drawing takes.
    @Test(.timeLimit(.minutes(1)))
    func hugeValuesAndHeadersAreCutToTheWidthInLinearTime() {
        let value = String(repeating: "x", count: 2_000_000)
        let header = "1 IN (" + (0..<100_000).map(String.init).joined(separator: ", ") + ")"
        let drawn = ResultDrawing.table(columns: [header], rows: [[.string(value)]], width: 80)
        let lines = drawn.split(separator: "\n")
        #expect(lines.allSatisfy { Drawing.width(String($0)) <= 80 })
        #expect(lines.last == "(2 values cut at … to fit 80 columns; .mode line shows them whole)")
        #expect(ResultDrawing.draw(.query(columns: ["v"], rows: [[.string(value)]]), mode: .line).count > value.count)
        #expect(ResultDrawing.trimTrailing("a" + String(repeating: " ", count: 1_000_000)) == "a")
    }
}

/// `.keys` labels each part of a stored key; the parts must add up to the key exactly.
@Suite struct KeySegmentTests {
    @Test func segmentsConcatenateToTheStoredKeyForRandomKeys() throws {
        var random = SplitMix64(seed: 13)
        func value() -> Value {
            switch random.next() % 5 {
            case 0: return .null
            case 1: return .boolean(random.next() % 2 == 0)
            case 2: return .integer(Int64(bitPattern: random.next()) >> (random.next() % 64))
            case 3: return .float(Double(Int64(bitPattern: random.next() >> 11)) / 1024 - 1e12)
            default: return .string(String((0..<(random.next() % 6)).map { _ in "a\u{0}é漢".randomElement(using: &random) ?? "a" }))
            }
        }
        for _ in 0..<500 {
            let table = random.next() % 2 == 0 ? "t" : "T\u{0}x"
            let key: SQLKey = switch random.next() % 3 {
            case 0: .table(table)
            case 1: .row(table: table, id: value())
            default: .index(table: table, column: "c", value: value())
            }
            #expect(key.segments.flatMap(\.bytes) == key.encoded)
            let version = random.next()
            let stored = MVCCKey.version(key: key.encoded, version: version).encoded
            #expect(MVCCKey.versionSegments(key.segments, version: version).flatMap(\.bytes) == stored)
        }
    }
}
