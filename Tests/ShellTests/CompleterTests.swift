@testable import Shell
import Testing

/// Tab completion's choices, without a terminal.
@Suite struct CompleterTests {
    let context: CompletionContext = {
        var c = CompletionContext()
        c.keywords = ["SELECT", "SET", "FROM", "WHERE"]
        c.tables = ["accounts", "authors"]
        c.columns = ["balance", "id", "owner"]
        c.commands = ["help", "mode", "mvcc", "explain", "session"]
        c.commandArguments = ["mode": ["table", "line", "csv", "json"], "mvcc": ["txns", "accounts", "authors"],
                              "explain": ["steps", "analyze"], "session": ["default", "s2"]]
        return c
    }()

    @Test func keywordsFollowTheCaseTyped() {
        #expect(Completer.candidates(before: "", word: "se", in: context) == ["select", "set"])
        #expect(Completer.candidates(before: "", word: "SE", in: context) == ["SELECT", "SET"])
    }

    @Test func afterFromOnlyTablesAreOffered() {
        #expect(Completer.candidates(before: "SELECT * FROM ", word: "a", in: context) == ["accounts", "authors"])
        #expect(Completer.candidates(before: "select * from ", word: "acc", in: context) == ["accounts"])
    }

    @Test func afterWhereTheStatementsOwnTablesColumnsComeFirst() {
        var c = context
        c.tables = ["accounts", "audit"]
        c.columns = ["actor", "amount", "id"]
        c.columnsByTable = ["accounts": ["id", "amount"], "audit": ["id", "actor"]]
        #expect(Completer.candidates(before: "SELECT * FROM audit WHERE ", word: "a", in: c)
                == ["actor", "accounts", "audit", "amount"])
        #expect(Completer.candidates(before: "SELECT * FROM accounts WHERE ", word: "a", in: c)
                == ["amount", "accounts", "audit", "actor"])
    }

    @Test func elsewhereColumnsAndTablesAndKeywordsMix() {
        #expect(Completer.candidates(before: "SELECT ", word: "b", in: context) == ["balance"])
        #expect(Completer.candidates(before: "SELECT * FROM t ", word: "w", in: context) == ["where"])
    }

    @Test func dotCommandsAndTheirArguments() {
        #expect(Completer.candidates(before: "", word: ".m", in: context) == [".mode", ".mvcc"])
        #expect(Completer.candidates(before: ".mode ", word: "c", in: context) == ["csv"])
        #expect(Completer.candidates(before: ".mvcc ", word: "a", in: context) == ["accounts", "authors"])
        #expect(Completer.candidates(before: ".session ", word: "", in: context) == ["default", "s2"])
        #expect(Completer.candidates(before: ".explain steps SELECT * FROM ", word: "au", in: context) == ["authors"])
        #expect(Completer.candidates(before: ".explain ", word: "SEL", in: context) == ["SELECT"])
    }

    @Test func aDotInsideAPendingStatementIsNotACommand() {
        var pending = context
        pending.statementPending = true
        #expect(Completer.candidates(before: "", word: ".m", in: pending) == [])
    }
}
