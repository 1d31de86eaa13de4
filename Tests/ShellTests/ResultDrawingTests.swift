import Inspect
import SQL
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
