import Testing
import SQL

/// Parser behaviour that golden scripts cannot show well: line endings, keyword lists, the
/// round trip from text to tree to text, and positions of errors in odd text.
@Suite("Parser")
struct ParserTests {
    @Test("CRLF and lone CR end lines, and count as one character each")
    func lineEndings() throws {
        let tokens = try Lexer.tokenize("SELECT\r\n  a,\r b")
        #expect(tokens.map(\.position.description) == ["1:1", "2:3", "2:4", "3:2", "3:3"])
        #expect(tokens[1].position.offset == 9)
        do {
            _ = try Parser.parse("SELECT 1\r\nFROM\r\n")
            Issue.record("parsed a FROM without a table")
        } catch {
            #expect(error.description == "syntax error at 3:1: expected table name, found end of input")
        }
    }

    @Test("offsets count characters, so slicing a String's characters finds the token")
    func characterOffsets() throws {
        let text = "SELECT 'e\u{301}👨‍👩‍👧', 表 FROM \"ÄÅÆ\""
        let characters = Array(text)
        for token in try Lexer.tokenize(text) where token.kind != .end {
            let first = characters[token.position.offset]
            switch token.kind {
            case .string: #expect(first == "'")
            case .identifier(_, true): #expect(first == "\"")
            case .identifier(let name, false): #expect(String(first) == String(name.prefix(1)))
            case .keyword(let keyword): #expect(first == keyword.rawValue.first)
            default: break
            }
        }
    }

    @Test("keyword lists for completion are sorted, uppercase and complete")
    func keywordLists() {
        #expect(Keywords.all == Keywords.all.sorted())
        #expect(Keywords.all.contains("SELECT") && Keywords.all.contains("DISTINCT") && Keywords.all.contains("BETWEEN"))
        #expect(Set(Keywords.reserved).isSubset(of: Set(Keywords.all)))
        #expect(!Keywords.reserved.contains("TIME") && Keywords.reserved.contains("TABLE"))
        #expect(Keyword(word: "sElEcT") == .select)
        #expect(Keyword(word: "ıf") == nil)
    }

    @Test("a parsed statement prints as SQL that parses to the same statement", arguments: [
        "SELECT DISTINCT a, t.*, count(*), count(DISTINCT b) AS n FROM t AS x LEFT JOIN u ON x.id = u.id, v WHERE a IN (1, 2) AND b NOT BETWEEN 1 AND 2 GROUP BY a HAVING n > 1 ORDER BY 1 DESC LIMIT 5 OFFSET 2",
        "SELECT CASE WHEN a IS NULL THEN 'none' WHEN a IS NOT DISTINCT FROM b THEN 'same' ELSE a || 'x' END FROM t",
        "SELECT -2 ^ 2, 3!, NOT TRUE, 'it''s', \"Odd \"\"Name\"\"\", time, 1.5e300, INFINITY, NAN, .5",
        "CREATE TABLE \"select\" (id INT PRIMARY KEY, v STRING NOT NULL DEFAULT 'x' UNIQUE INDEX REFERENCES other)",
        "INSERT INTO t (a, b) VALUES (1, DEFAULT), (-1, NULL)",
        "UPDATE t SET a = DEFAULT, b = b + 1 WHERE c LIKE '%x_'",
        "DELETE FROM t WHERE NOT (a = 1 OR b != 2)",
        "BEGIN READ ONLY AS OF SYSTEM TIME 7",
        "EXPLAIN ANALYZE SELECT * FROM a CROSS JOIN b",
        "CREATE UNIQUE INDEX i ON t (c)",
        "DROP INDEX IF EXISTS i",
        "DROP TABLE IF EXISTS t",
    ])
    func roundTrip(_ text: String) throws {
        let statement = try Parser.parse(text)
        let printed = statement.description
        let reparsed = try Parser.parse(printed)
        #expect(reparsed.description == printed)
    }

    @Test("errors in the middle of long multi-line statements point at the right line and column")
    func multiLinePositions() {
        let text = "SELECT a,\n       b,\n       'ünï' c\nFROM t\nWHERE a = = 1"
        do {
            _ = try Parser.parse(text)
            Issue.record("parsed '= ='")
        } catch {
            #expect(error.position == SourcePosition(line: 5, column: 11, offset: 52))
            #expect(error.rendered(in: text) == """
                syntax error at 5:11: expected an expression, found '='
                  WHERE a = = 1
                            ^
                """)
        }
    }
}
