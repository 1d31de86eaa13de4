import Foundation
import Testing

/// `cutaway serve` refuses to start, with a clear message and a non-zero exit, when its flags,
/// its data directory or its ports are wrong.
@Suite(.serialized)
struct ServeErrorTests {
    @Test func badStartsSayWhyAndExitNonZero() throws {
        let cluster = try NodeProcesses(nodes: 2, fsync: false)
        defer { cluster.killAll() }
        let dir = cluster.directory
        let (sql, raft) = (cluster.sqlPorts, cluster.raftPorts)
        func serve(_ extra: [String]) throws -> (output: String, status: Int32) {
            try run(["serve", "--log-level", "error"] + extra, input: "")
        }
        let peer = ["--peer", "2=127.0.0.1:\(raft[1])"]
        let own = ["--listen", "127.0.0.1:\(sql[0])", "--raft-listen", "127.0.0.1:\(raft[0])"]

        var result = try serve(["--id", "1", "--data", dir + "/missing"] + own + peer)
        #expect(result.status != 0 && result.output.contains("does not exist"))
        result = try serve(["--id", "1", "--data", dir, "--peer", "2=nowhere"] + own)
        #expect(result.status != 0 && result.output.contains("--peer takes ID=HOST:PORT"))
        result = try serve(["--id", "1", "--data", dir, "--peer", "3=127.0.0.1:1"] + own)
        #expect(result.status != 0 && result.output.contains("numbers its nodes 1 to 2"))

        try cluster.start(1)                       // n1 runs on its ports and holds DIR/n1
        try waitUntilListening(cluster, node: 1)
        result = try serve(["--id", "1", "--data", dir, "--listen", "127.0.0.1:0", "--raft-listen", "127.0.0.1:0"] + peer)
        #expect(result.status != 0 && result.output.contains("already running"))
        result = try serve(["--id", "2", "--data", dir, "--listen", "127.0.0.1:\(sql[0])", "--raft-listen", "127.0.0.1:\(raft[1])",
                            "--peer", "1=127.0.0.1:\(raft[0])"])
        #expect(result.status != 0 && result.output.contains("already in use"))
        result = try serve(["--id", "1", "--data", dir, "--listen", "127.0.0.1:0", "--raft-listen", "127.0.0.1:0",
                            "--peer", "2=127.0.0.1:1", "--peer", "3=127.0.0.1:2"])
        #expect(result.status != 0 && result.output.contains("holds a cluster of 2 nodes"))
        #expect(cluster.terminate(1) == 0, "SIGTERM should stop a node cleanly")
    }

    private func waitUntilListening(_ cluster: NodeProcesses, node: Int) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? cluster.session(node)) != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("n\(node) never listened:\n\(cluster.log(node))")
    }
}
