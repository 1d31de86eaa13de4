import Foundation
import Shell
import ScriptTesting
import Server
import SQL
import SQLScriptSupport
import Testing

/// The SQL golden scripts through a node server's client protocol must print exactly what the
/// local engine prints (the files are its output; this test never rewrites them), and the
/// `cutaway --connect` REPL must print what the in-process REPL prints.
@Suite(.serialized)
struct RemoteConformanceTests {
    @Test(arguments: SQLScripts.files)
    func sqlScriptOverTheNetwork(_ name: String) throws {
        let cluster = try NodeProcesses(nodes: 1, fsync: false)
        defer { cluster.killAll() }
        try cluster.startAll()
        try cluster.waitForLeader()
        let address = cluster.address(1)
        let interpreter = SQLScriptInterpreter { () throws(SQLError) in RemoteSession(try RemoteConnection(address)) }
        try GoldenScripts.check(SQLScripts.area, name, with: interpreter, rewrite: false)
    }

    @Test func connectPrintsWhatTheInProcessREPLPrints() throws {
        let cluster = try NodeProcesses(nodes: 3, fsync: false)
        defer { cluster.killAll() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader()
        let follower = leader % 3 + 1
        let script = """
            CREATE TABLE t (id INT PRIMARY KEY, name STRING, score FLOAT);
            INSERT INTO t VALUES (1, 'ann', 1.5), (2, 'bob', NULL), (3, 'cy', 0.0 / 0);
            SELECT * FROM t ORDER BY id;
            BEGIN;
            UPDATE t SET score = 2.5 WHERE id = 2;
            SELECT name, score FROM t WHERE id = 2;
            COMMIT;
            SELECT nope FROM t;
            SELECT COUNT(*), MAX(id) FROM t;
            """
        for format in ["table", "json", "csv", "line"] {
            let local = try run(["--format", format], input: script)
            let remote = try run(["--connect", "\(cluster.address(follower))", "--format", format], input: script)
            #expect(remote.status == 0)
            // Transaction numbers grow with the server's history; the in-process one starts fresh.
            #expect(masked(remote.output) == masked(local.output), "--format \(format) differs")
            // The next run's CREATE TABLE must not collide with this one's table.
            _ = try cluster.session(follower).execute("DROP TABLE t")
        }
        let kill = try run(["--connect", "\(cluster.address(follower))", "-c", ".kill n1"], input: "")
        #expect(kill.output.contains("drives the cluster inside this process"))
    }
}

/// The text with transaction numbers replaced by `N`.
func masked(_ text: String) -> String {
    text.replacingOccurrences(of: #"transaction [0-9]+"#, with: "transaction N", options: .regularExpression)
}

/// Runs the built `cutaway` with `arguments`, `input` on stdin; stdout and stderr together.
func run(_ arguments: [String], input: String) throws -> (output: String, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try NodeProcesses.binary())
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (String(decoding: data, as: UTF8.self), process.terminationStatus)
}

extension RemoteSession: ScriptSession {
    public func planSteps(_ statement: String) throws(SQLError) -> [(pass: String, changed: Bool, drawing: String)] {
        try explainSteps(statement).map { ($0.pass, $0.changed, $0.drawing) }
    }
}
