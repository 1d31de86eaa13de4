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
            let process = Process()
            process.executableURL = URL(fileURLWithPath: psql)
            process.arguments = ["-X", "-h", "127.0.0.1", "-p", String(port), "-U", "test", "-d", "cutaway", "-tA", "-c", sql]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            last = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus == 0 { return last }
            guard last.contains("Connection refused") else { break }
            usleep(100_000)
        }
        throw TestFailure("psql failed: \(last)")
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
