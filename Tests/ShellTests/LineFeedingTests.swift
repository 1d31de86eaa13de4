import Encoding
import Shell
import SQL
import Testing

/// Feeding the shell a line at a time cuts the same statements as splitting the whole text at
/// once, although the shell lexes only each new line of a statement it is still collecting
/// (which is what keeps a 1,000-line INSERT linear).
@Suite struct LineFeedingTests {
    /// Pieces that end or don't end a statement, and strings, names and comments that span
    /// lines or hide a `;`.
    static let pieces = [
        "SELECT", "'a;b'", "'x\ny;'", "\"odd;name\"", "1", "+", "2", "-- note; here\n", "/* ; \n ; */",
        ";", ";", "\n", "\n", " ", "'it''s'", "'\n'", "AS", "c", ",", "(", ")", "/* open", "*/", "'",
    ]

    /// Texts of random pieces: every statement the shell runs, fed line by line, is one that
    /// `StatementSplitter.split` finds in the whole text, in the same order (the results of
    /// running each, or its error, compared through the JSON output).
    @Test(arguments: 0..<60)
    func linesSplitLikeTheWholeText(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var text = ""
        for _ in 0..<(5 + Int(random.next() % 40)) {
            text += Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] + " "
        }
        let (statements, remainder) = StatementSplitter.split(text)
        let expected = try outputs(of: statements + (remainder.isEmpty ? [] : [remainder]), eachOnItsOwn: true)
        let fed = try outputs(of: [text], eachOnItsOwn: false)
        #expect(fed == expected, "seed \(seed): \(text.debugDescription)")
    }

    /// A statement of many lines runs once, whole, when its `;` arrives.
    @Test func aLongMultiLineInsertRunsOnceWhole() throws {
        let output = CapturedOutput()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output)
        shell.feed(line: "CREATE TABLE t (id INT PRIMARY KEY, s STRING);")
        shell.feed(line: "INSERT INTO t VALUES")
        for i in 0..<2_000 { shell.feed(line: "(\(i), 'row; \(i)')" + (i < 1_999 ? "," : "")) }
        #expect(shell.isPending)
        shell.feed(line: "; SELECT COUNT(*) AS n,")
        #expect(shell.isPending)
        shell.feed(line: "MAX(s) AS m FROM t;")
        #expect(!shell.isPending)
        #expect(output.text.contains("INSERT 2000"))
        #expect(output.text.contains("row; 999"))
    }

    /// The JSON lines printed for `texts`: fed line by line to one shell, or (`eachOnItsOwn`)
    /// each text to a fresh shell's `finish`, so nothing but the text itself decides its end.
    private func outputs(of texts: [String], eachOnItsOwn: Bool) throws -> [String] {
        var options = ShellDriver.Options()
        options.mode = .json
        let output = CapturedOutput()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output, options: options)
        for text in texts {
            if eachOnItsOwn {
                // Handed over in one piece: the shell splits it whole, as it does a first line.
                shell.feed(line: text)
            } else {
                for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    shell.feed(line: String(line))
                }
            }
        }
        shell.finish()
        return output.text.split(separator: "\n").map(String.init)
    }
}
