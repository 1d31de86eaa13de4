import Foundation
import Inspect
import Shell
import Testing

/// The pipeline's rules that golden scripts cannot show: exit conditions, json silence,
/// recording, and the real binary's flags.
@Suite struct DriverTests {
    func driver(_ options: ShellDriver.Options = .init()) throws -> (ShellDriver, CapturedOutput) {
        let output = CapturedOutput()
        return (try ShellDriver(backend: try LocalBackend.open(directory: nil), output: output, options: options), output)
    }

    @Test func bailStopsAtTheFirstFailure() throws {
        var options = ShellDriver.Options()
        options.bail = true
        let (shell, output) = try driver(options)
        shell.feed(text: "SELECT 1; SELECT nope; SELECT 'after';")
        #expect(shell.failed && shell.finished)
        #expect(!output.text.contains("after"))
    }

    @Test func withoutBailProcessingContinuesAfterAnError() throws {
        let (shell, output) = try driver()
        shell.feed(text: "SELECT nope;\nSELECT 'after' AS a;")
        #expect(shell.failed && !shell.finished)
        #expect(output.text.contains("after"))
    }

    @Test func jsonModePrintsOneObjectPerStatementAndNothingForCommands() throws {
        final class Split: OutputSink {
            var out = "", err = ""
            func write(_ text: String) { out += text }
            func writeError(_ text: String) { err += text }
        }
        var options = ShellDriver.Options()
        options.mode = .json
        let sink = Split()
        let shell = try ShellDriver(backend: try LocalBackend.open(directory: nil), output: sink, options: options)
        shell.feed(text: """
            .session default
            CREATE TABLE t (id INT PRIMARY KEY, f FLOAT);
            .tables
            INSERT INTO t VALUES (1, 3.0), (2, -0.5);
            .session other
            BEGIN; UPDATE t SET f = 1.0 WHERE id = 1;
            .session default
            UPDATE t SET f = 2.0 WHERE id = 1;
            SELECT * FROM t;
            .nonsense
            """)
        let lines = sink.out.split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"command": "CREATE TABLE"}"#,
            #"{"command": "INSERT", "count": 2}"#,
            #"{"command": "BEGIN"}"#,
            #"{"command": "UPDATE", "count": 1}"#,
            lines.count > 4 ? lines[4] : "",
            #"{"columns": ["id", "f"], "rows": [[1, 3.0], [2, -0.5]]}"#,
        ])
        #expect(lines.count > 4 && lines[4].hasPrefix(#"{"error": "serialization failure"#))
        #expect(sink.err.contains("unknown command '.nonsense'"))
        #expect(sink.err.contains("t\n"))   // .tables went to stderr, not into the result stream
    }

    @Test func aLastStatementWithoutSemicolonRunsAtEndOfInput() throws {
        let (shell, output) = try driver()
        shell.feed(text: "SELECT 6 * 7 AS answer")
        #expect(!output.text.contains("42"))
        shell.finish()
        #expect(output.text.contains("42"))
    }

    @Test func recordWritesWhatIsTypedForReplay() throws {
        let path = NSTemporaryDirectory() + "cutaway-record-\(getpid()).sql"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (shell, _) = try driver()
        shell.feed(text: """
            .record \(path)
            CREATE TABLE t (id INT PRIMARY KEY);
            INSERT INTO t
              VALUES (1);
            .mode csv
            .record off
            SELECT * FROM t;
            """)
        let recorded = try String(contentsOfFile: path, encoding: .utf8)
        #expect(recorded == "CREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t\n  VALUES (1);\n.mode csv\n")
        let (replay, output) = try driver()
        replay.feed(text: recorded + "SELECT * FROM t;")
        #expect(output.text.hasSuffix("id\n1\n"))
    }

    @Test func promptShowsSessionAndTransaction() throws {
        let (shell, _) = try driver()
        #expect(shell.prompt == "cutaway> ")
        shell.feed(line: "BEGIN;")
        #expect(shell.prompt.hasPrefix("cutaway txn ") && shell.prompt.hasSuffix("> "))
        shell.feed(line: ".session s2")
        shell.feed(line: "BEGIN READ ONLY;")
        // A read-only transaction owns no number: it is named as the snapshot it reads.
        #expect(shell.prompt == "cutaway(s2) snapshot@2> ")
        shell.feed(line: "SELECT")
        #expect(shell.isPending && shell.continuationPrompt.hasSuffix("-> "))
    }
}

/// The real binary: flags, stdin, exit status.
@Suite(.serialized) struct BinaryTests {
    /// Runs the binary with `arguments`, `input` on stdin; returns stdout and the exit status.
    func run(_ arguments: String, input: String, stderr: Bool = false) throws -> (String, Int32) {
        try Tmux.requireBinary()
        let file = NSTemporaryDirectory() + "cutaway-input-\(getpid()).sql"
        try input.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard let pipe = popen("'\(Tmux.binary)' \(arguments) < '\(file)' \(stderr ? "2>&1" : "2>/dev/null")", "r") else { return ("", -1) }
        var output = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, pipe)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        let status = pclose(pipe)
        return (String(decoding: output, as: UTF8.self), (status >> 8) & 0xFF)
    }

    @Test func jsonFromStdinWithASemicolonInsideAString() throws {
        let (out, status) = try run("--format json", input: ".session default\nSELECT 'a;b' AS s; SELECT 1.5e300 * 10.0;\n")
        #expect(out == #"{"columns": ["s"], "rows": [["a;b"]]}"# + "\n" + #"{"columns": ["1.5e300 * 10.0"], "rows": [[1.5e+301]]}"# + "\n")
        #expect(status == 0)
    }

    @Test func bailGivesANonZeroExitStatus() throws {
        let (out, status) = try run("--bail --format json", input: "SELECT 1;\nSELECT x;\nSELECT 2;\n")
        #expect(out.split(separator: "\n").count == 2)
        #expect(status != 0)
        let (_, okStatus) = try run("--format json", input: "SELECT x;\n")
        #expect(okStatus == 0)
    }

    @Test func dashCRunsAndExits() throws {
        let (out, status) = try run("--format csv -c 'SELECT 1 AS a; SELECT 2 AS b'", input: "SELECT 'stdin is ignored';")
        #expect(out == "a\n1\nb\n2\n")
        #expect(status == 0)
    }

    @Test func dataDirectoryKeepsTheDatabase() throws {
        let dir = NSTemporaryDirectory() + "cutaway-data-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("--data '\(dir)'", input: "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (7);")
        let (out, _) = try run("--data '\(dir)' --format csv", input: "SELECT * FROM t;")
        #expect(out == "id\n7\n")
    }

    /// A torn tail (a crash mid-write) is cut off on open, and the user is told what was cut.
    @Test(arguments: ["--local", "--nodes 1"])
    func aTornTailIsReportedWhenTheDatabaseOpens(_ backend: String) throws {
        let dir = NSTemporaryDirectory() + "cutaway-torn-\(getpid())-\(backend.count)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("\(backend) --data '\(dir)'", input: "CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (7);")
        let log = backend == "--local" ? dir + "/data.log" : dir + "/n1/raft/data.log"
        let handle = try #require(FileHandle(forWritingAtPath: log))
        let size = handle.seekToEndOfFile()
        handle.write(Data([0x01, 0x02, 0x03]))   // half a record header: a torn write
        handle.closeFile()
        let (out, _) = try run("\(backend) --data '\(dir)' --format csv", input: "SELECT * FROM t;", stderr: true)
        #expect(out.contains("truncated 3 bytes at offset \(size)"), "\(out)")
        #expect(out.hasSuffix("id\n7\n"))
    }
}
