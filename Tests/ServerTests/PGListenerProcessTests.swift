import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL listener as the command line starts it: `cutaway --pg` (the REPL's embedded
/// cluster, serving after its input ends) and `cutaway serve --pg` (a node), each asked by psql.
@Suite(.serialized) struct PGListenerProcessTests {
    /// psql's unaligned, tuples-only answer to `sql` on `port`, retried while the listener starts.
    static func psql(_ sql: String, port: Int) throws -> String {
        let psql = ["/usr/bin/psql", "/usr/local/bin/psql"].first(where: FileManager.default.isExecutableFile(atPath:))
        guard let psql else { throw TestFailure("psql is not installed: `make deps` installs postgresql-client") }
        var last = ""
        for _ in 0..<100 {
            let (process, pipe) = try startPSQL(psql, sql, port: port)
            last = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus == 0 { return last }
            guard last.contains("Connection refused") else { break }
            usleep(100_000)
        }
        throw TestFailure("psql failed: \(last)")
    }

    /// psql running `sql` on `port`, its output (and errors) going to the pipe.
    static func startPSQL(_ psql: String, _ sql: String, port: Int) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments = ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "test", "-d", "cutaway", "-tA", "-c", sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try NodeProcesses.binary())
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func theREPLServesItsClusterUntilSIGTERM() throws {
        let port = try NodeProcesses.freePorts(1)[0]
        let repl = try Self.launch(["--pg", "127.0.0.1:\(port)", "-c", "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1), (2);"])
        defer { if repl.isRunning { kill(repl.processIdentifier, SIGKILL) } }
        #expect(try Self.psql("SELECT count(*) FROM t", port: port) == "2\n")
        #expect(repl.isRunning)   // the input has ended; the clients keep it serving
        repl.terminate()
        repl.waitUntilExit()
        #expect(repl.terminationStatus == 0)
    }

    /// The port opens before the piped setup runs, but a client connecting meanwhile waits
    /// for it to finish: it never sees the table created and not yet filled.
    @Test func aClientConnectingDuringTheSetupWaitsForAllOfIt() throws {
        let psql = try #require(["/usr/bin/psql", "/usr/local/bin/psql"].first(where: FileManager.default.isExecutableFile(atPath:)))
        let port = try NodeProcesses.freePorts(1)[0]
        let input = Pipe()
        let repl = Process()
        repl.executableURL = URL(fileURLWithPath: try NodeProcesses.binary())
        repl.arguments = ["--pg", "127.0.0.1:\(port)"]
        repl.standardInput = input
        repl.standardOutput = FileHandle.nullDevice
        repl.standardError = FileHandle.nullDevice
        try repl.run()
        defer { if repl.isRunning { kill(repl.processIdentifier, SIGKILL) } }
        try input.fileHandleForWriting.write(contentsOf: Data("CREATE TABLE t (id INTEGER PRIMARY KEY);\n".utf8))
        // A psql still running half a second after it started is connected and held (one
        // refused while the REPL starts up is tried again).
        var held: (Process, Pipe)?
        for _ in 0..<100 where held == nil {
            let (client, output) = try Self.startPSQL(psql, "SELECT count(*) FROM t", port: port)
            usleep(500_000)
            if client.isRunning {
                held = (client, output)
            } else {
                let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                guard answer.contains("Connection refused") else {
                    Issue.record("psql answered before the setup ended: \(answer)")
                    return
                }
            }
        }
        let (client, output) = try #require(held)
        try input.fileHandleForWriting.write(contentsOf: Data("INSERT INTO t VALUES (1), (2);\n".utf8))
        try input.fileHandleForWriting.close()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        #expect(answer == "2\n")
        repl.terminate()
        repl.waitUntilExit()
    }

    @Test func aNodeServerServesPostgreSQLClients() throws {
        let ports = try NodeProcesses.freePorts(3)
        let directory = NSTemporaryDirectory() + "cutaway-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = try Self.launch(["serve", "--id", "1", "--listen", "127.0.0.1:\(ports[0])", "--raft-listen", "127.0.0.1:\(ports[1])",
                                    "--data", directory, "--fsync", "off", "--pg", "127.0.0.1:\(ports[2])"])
        defer { if node.isRunning { kill(node.processIdentifier, SIGKILL) } }
        _ = try Self.psql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", port: ports[2])
        _ = try Self.psql("INSERT INTO t VALUES (1, 'one')", port: ports[2])
        #expect(try Self.psql("SELECT v FROM t WHERE id = 1", port: ports[2]) == "one\n")
        node.terminate()
        node.waitUntilExit()
    }
}
