import Cluster
import Raft
import SQL
import Testing

/// The cluster answers SQL like a local engine, and what it writes reaches every node.
struct LocalClusterTests {
    func cluster(_ nodes: Int = 3, clock: LocalCluster.Clock = .manual) throws -> LocalCluster {
        var options = LocalCluster.Options()
        options.nodes = nodes
        options.clock = clock
        return try LocalCluster(options: options)
    }

    @Test func statementsRunThroughAFollowerAndReachEveryNode() throws {
        let cluster = try cluster()
        let follower = try #require(cluster.ids.first { $0 != cluster.leader?.id })
        let session = Session(engine: cluster.makeEngine(node: follower))
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY, name STRING)")
        #expect(try session.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')") == .insert(count: 2))
        #expect(try session.execute("SELECT name FROM t WHERE id = 2") == .query(columns: ["name"], rows: [[.string("b")]]))
        // Followers learn the commit index with the next heartbeat.
        try cluster.tick(5)
        for id in cluster.ids {
            let engine = try #require(cluster.database(id))
            let txn = try engine.beginReadOnly(asOf: nil)
            var count = 0
            let cursor = try txn.scan(table: "t", filter: nil)
            while try cursor.next() != nil { count += 1 }
            #expect(count == 2, "n\(id) has \(count) rows")
        }
    }

    /// A top-N and a semi-join offer the scan a sieve; on a cluster the scan applies it to each
    /// page from the leader, and a page whose last rows the sieve drops must still say where
    /// the next page starts. Three pages of rows, with the page ends among the dropped rows:
    /// every answer must equal the local engine's.
    @Test func sievedScansAcrossPagesAnswerLikeTheLocalEngine() throws {
        let cluster = try cluster()
        let remote = Session(engine: cluster.makeEngine(node: try #require(cluster.leader?.id)))
        let local = Session(engine: try LocalEngine.memory())
        let rows = 2 * RaftEngine.scanPage + 100
        // v peaks away from the page boundaries, so the rows ending each page are never in
        // the top 5; k picks a few rows (none at a page end) for the IN; c (a copy of id)
        // picks rows in the first and last pages only, so the middle page is sieved out whole.
        let values = (0..<rows).map { id in "(\(id), \((id &* 7_919) % 1_000 + (id % 1_500 == 700 ? 5_000 : 0)), \(id % 977), \(id))" }
        for session in [remote, local] {
            _ = try session.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, k INTEGER, c INTEGER)")
            _ = try session.execute("CREATE TABLE picks (k INTEGER PRIMARY KEY)")
            _ = try session.execute("INSERT INTO picks VALUES (3), (500), (976), (\(rows - 1))")
            for start in stride(from: 0, to: rows, by: 1_000) {
                _ = try session.execute("INSERT INTO t VALUES " + values[start..<min(rows, start + 1_000)].joined(separator: ", "))
            }
        }
        for query in ["SELECT id, v FROM t ORDER BY v DESC, id LIMIT 5",
                      "SELECT id, v FROM t ORDER BY v, id LIMIT 3",
                      "SELECT COUNT(*), SUM(id) FROM t WHERE k IN (SELECT k FROM picks)",
                      "SELECT COUNT(*) FROM t WHERE k NOT IN (SELECT k FROM picks)",
                      "SELECT COUNT(*), SUM(c) FROM t WHERE c IN (SELECT k FROM picks WHERE k > 3)"] {
            #expect(try remote.execute(query) == local.execute(query), "\(query)")
        }
    }

    @Test func anAutocommittedWriteIsOneLogEntryAndAQueryNone() throws {
        let cluster = try cluster()
        let leader = try #require(cluster.leader?.id)
        let session = Session(engine: cluster.makeEngine(node: leader))
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        let before = lastIndex(cluster, leader)
        _ = try session.execute("INSERT INTO t VALUES (1), (2), (3)")
        #expect(lastIndex(cluster, leader) == before + 1)
        _ = try session.execute("SELECT * FROM t")
        #expect(lastIndex(cluster, leader) == before + 1)
        _ = try session.execute("BEGIN")
        _ = try session.execute("INSERT INTO t VALUES (4), (5)")
        _ = try session.execute("UPDATE t SET id = id + 10 WHERE id > 3")
        _ = try session.execute("COMMIT")
        #expect(lastIndex(cluster, leader) == before + 5)
    }

    @Test func aFailedStatementInATransactionChangesNothingOnAnyNode() throws {
        let cluster = try cluster()
        let session = Session(engine: cluster.makeEngine(node: 1))
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        _ = try session.execute("BEGIN")
        _ = try session.execute("INSERT INTO t VALUES (1)")
        #expect(throws: SQLError.self) { try session.execute("INSERT INTO t VALUES (2), (1)") }
        _ = try session.execute("COMMIT")
        #expect(try session.execute("SELECT * FROM t") == .query(columns: ["id"], rows: [[.integer(1)]]))
    }

    @Test func withNoLeaderAManualClockFailsAtOnceWithAHint() throws {
        let cluster = try cluster()
        let leader = try #require(cluster.leader?.id)
        let other = try #require(cluster.ids.first { $0 != leader })
        let session = Session(engine: cluster.makeEngine(node: other))
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        try cluster.kill(leader)
        try cluster.tick(3)
        do {
            _ = try session.execute("INSERT INTO t VALUES (1)")
            Issue.record("a write without a reachable leader succeeded")
        } catch {
            #expect(error.kind == .unavailable)
            #expect(error.isRetryable)
        }
        try cluster.tick(60)
        #expect(cluster.leader != nil)
        #expect(try session.execute("INSERT INTO t VALUES (1)") == .insert(count: 1))
    }

    /// Ending a transaction that has already ended (another client resumed it after its own
    /// ROLLBACK was lost, say) is an answer every node computes alike, not a reason to halt.
    @Test func endingAnEndedTransactionAgainIsAnErrorNotAHalt() throws {
        let cluster = try cluster()
        let first = cluster.makeEngine(node: 1)
        let txn = try first.begin()
        let state = txn.state
        try txn.rollback()
        let other = cluster.makeEngine(node: 2)
        do {
            try other.resume(state).rollback()
            Issue.record("a second ROLLBACK of an ended transaction succeeded")
        } catch {
            #expect(error.kind == .transaction, "\(error)")
        }
        try cluster.tick(10)
        for id in cluster.ids {
            #expect(cluster.isRunning(id), "n\(id) halted: \(cluster.haltReason(id) ?? "?")")
        }
        let session = Session(engine: cluster.makeEngine(node: 3))
        #expect(try session.execute("CREATE TABLE t (id INT PRIMARY KEY)") == .createTable(name: "t"))
    }

    func lastIndex(_ cluster: LocalCluster, _ id: NodeID) -> LogIndex {
        cluster.snapshot().nodes.first { $0.id == id }?.lastIndex ?? 0
    }
}
