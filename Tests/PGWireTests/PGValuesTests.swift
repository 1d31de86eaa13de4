import Testing
@testable import PGWire
import SQL

/// Parameters become literals; placeholders in strings, quoted names and comments stay.
@Suite struct PGValuesTests {
    @Test func substitutesParametersOutsideQuotes() throws {
        let sql = try PGValues.substitute("SELECT '$1', \"$2\", $1 - $2 -- $3\nFROM t WHERE a = $2",
                                          ["'it''s'", "(-5)"])
        #expect(sql == "SELECT '$1', \"$2\", 'it''s' - (-5) -- $3\nFROM t WHERE a = (-5)")
    }

    @Test func missingParameterIsAnError() {
        #expect(throws: SQLError.self) { try PGValues.substitute("SELECT $2", ["1"]) }
    }

    @Test func literalsFollowTheDeclaredType() throws {
        #expect(try PGValues.literal(Array("42".utf8), oid: 23, binary: false) == "42")
        #expect(try PGValues.literal(Array("it's".utf8), oid: 0, binary: false) == "'it''s'")
        #expect(try PGValues.literal([0, 0, 0, 0, 0, 0, 0, 7], oid: 20, binary: true) == "7")
        #expect(try PGValues.literal([0xFF, 0xFE], oid: 21, binary: true) == "(-2)")
        #expect(try PGValues.literal(nil, oid: 25, binary: false) == "NULL")
        #expect(try PGValues.literal(Array("t".utf8), oid: 16, binary: false) == "TRUE")
        #expect(throws: SQLError.self) { try PGValues.literal(Array("x".utf8), oid: 20, binary: false) }
    }

    @Test func errorKindsHaveSQLStates() {
        #expect(PGErrorFields(SQLError(.semantic, "table t does not exist")).code == "42P01")
        #expect(PGErrorFields(SQLError(.serialization, "conflict")).code == "40001")
        #expect(PGErrorFields(SQLError(.constraint, "primary key 1 already exists in table t")).code == "23505")
        let syntax = PGErrorFields(SQLError(.syntax, "expected FROM, found identifier 'form' (did you mean FROM?)"))
        #expect(syntax.code == "42601")
        #expect(syntax.hint == "Did you mean FROM?")
        #expect(syntax.message == "expected FROM, found identifier 'form'")
    }
}
