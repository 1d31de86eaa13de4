import Foundation
import Inspect
import Shell
import Testing

/// What a learner meets first: the banner, leaving with work open, errors in piped input.
@Suite struct FirstUseTests {
    func driver() throws -> (ShellDriver, CapturedOutput) {
        let output = CapturedOutput()
        return (try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output), output)
    }

    @Test func bannerNamesWhereTheDataLivesAndOnlyPointsAtLessonsThatExist() throws {
        let memory = REPL.banner(lessons: [], database: try LocalBackend.open(directory: nil).summary)
        #expect(memory.contains("in memory"))
        #expect(memory.contains("gone on exit"))
        #expect(!memory.contains("lessons/"))
        #expect(REPL.banner(lessons: ["01-first-steps.md"], database: "").contains(".lessons lists the 1 guided lessons"))
    }

    /// An error in piped input names the line of the input it is on, as sqlite3 does, so a
    /// learner can find it in a long file.
    @Test func anErrorInPipedInputNamesItsLineInTheInput() throws {
        let (shell, output) = try driver()
        shell.input = InputSource(name: "stdin")
        shell.feed(text: """
            SELECT 1;
            -- a comment
            SELECT 1,
              2,
              nope;
            """)
        #expect(output.text.contains("stdin, line 5: error at 3:3: unknown column 'nope'"), "\(output.text)")
    }

    /// Text typed at the continuation prompt that is a dot-command runs on its own; words from
    /// other shells are refused with a hint, and neither joins the statement.
    @Test func dotCommandsAndOtherShellsWordsAtTheContinuationPromptStayOutOfTheStatement() throws {
        let (shell, output) = try driver()
        shell.feed(line: "SELECT 40 +")
        shell.feed(line: ".tables")
        shell.feed(line: "exit")
        shell.feed(line: "SHOW TABLES")
        #expect(shell.isPending)
        shell.feed(line: "2 AS answer;")
        #expect(output.text.contains("(no tables)"))
        #expect(output.text.contains("42"), "\(output.text)")
        #expect(shell.failedStatements == 0)
    }

    /// Leaving with a transaction open rolls it back and says so.
    @Test func finishingWithAnOpenTransactionSaysItIsRolledBack() throws {
        let (shell, output) = try driver()
        shell.feed(text: "CREATE TABLE t (id INT PRIMARY KEY);\n.session alice\nBEGIN;\nINSERT INTO t VALUES (1);")
        shell.feed(text: ".session carol\nBEGIN READ ONLY;")
        shell.finish()
        #expect(output.text.contains("alice's transaction 2 was still open: rolled back"), "\(output.text)")
        #expect(output.text.contains("carol's snapshot@3 was still open: closed (it wrote nothing)"), "\(output.text)")
    }
}

/// Help is read at 80 columns: no line of it may wrap mid-word there.
@Test func everyHelpLineFitsEightyColumns() throws {
    let output = CapturedOutput()
    let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
    shell.feed(line: ".help")
    for name in shell.registry.names { shell.feed(line: ".help \(name)") }
    let long = output.text.split(separator: "\n").filter { Drawing.width(String($0)) > 80 }
    #expect(long.isEmpty, "lines over 80 columns:\n\(long.joined(separator: "\n"))")
}
