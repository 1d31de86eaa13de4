import Cluster
import Encoding
import Foundation
import Raft
import Server
import SQL
import Testing

/// Real node processes on loopback: writes survive kill -9 of the leader, and nodes recover
/// and agree after crashes at random moments. Serialized: each test owns a whole cluster, and
/// the machine has few cores.
@Suite(.serialized)
struct NodeServerTests {
    /// Write through one node, read through another; kill -9 the leader in the middle of a
    /// stream of INSERTs; restart it. Every acknowledged row is then on every node exactly
    /// once, and no row whose INSERT surely failed is anywhere.
    @Test func acknowledgedInsertsSurviveKillingTheLeader() throws {
        let cluster = try NodeProcesses(nodes: 3)
        defer { cluster.killAll() }
        try cluster.startAll()
        let leader = try cluster.waitForLeader()
        let writer = leader % 3 + 1            // a follower: it survives the kill
        let reader = writer % 3 + 1
        let session = try cluster.session(writer)
        _ = try session.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")

        var acknowledged: [Int] = [], unknown: [Int] = [], failed: [Int] = []
        let deadline = Date().addingTimeInterval(25)
        var killed = false
        var id = 0
        while acknowledged.count < 120 && Date() < deadline {
            id += 1
            do {
                _ = try session.execute("INSERT INTO t VALUES (\(id), \(id * 10))")
                acknowledged.append(id)
            } catch where error.kind == .unavailable && (error.message.contains("may still commit") || error.message.contains("unknown")) {
                unknown.append(id)
            } catch {
                failed.append(id)
            }
            if acknowledged.count == 40 && !killed {
                cluster.kill9(leader)
                killed = true
            }
        }
        #expect(killed)
        #expect(acknowledged.count == 120, "only \(acknowledged.count) INSERTs were acknowledged in 25 s")

        // Read through another node (forwarded to the new leader).
        let rows = try cluster.session(reader).execute("SELECT id FROM t ORDER BY id")
        let seen = try ids(rows)
        #expect(Set(acknowledged).isSubset(of: Set(seen)))
        #expect(Set(failed).isDisjoint(with: Set(seen)))

        try cluster.start(leader)
        try cluster.waitForLeader()
        try cluster.waitUntilCaughtUp()
        for node in 1...3 { #expect(cluster.terminate(node) == 0, "n\(node) did not shut down cleanly:\n\(cluster.log(node))") }
        try expectAgreement(in: cluster.directory, nodes: 3, acknowledged: acknowledged, failed: failed, allowed: unknown)
    }

    /// Rounds of kill -9 at random moments while a client writes: first a follower, then every
    /// node at once. After each restart the cluster elects a leader and takes writes again, and
    /// in the end every node holds the same rows, every acknowledged one among them.
    @Test func nodesRecoverAndAgreeAfterRandomKills() throws {
        var random = SplitMix64(seed: 11)
        let cluster = try NodeProcesses(nodes: 3)
        defer { cluster.killAll() }
        try cluster.startAll()
        try cluster.waitForLeader()
        _ = try cluster.session(1).execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        var acknowledged: [Int] = [], unknown: [Int] = [], failed: [Int] = []
        var next = 0
        var phase = ""

        func write(through node: Int, for seconds: Double) throws {
            let session = try cluster.session(node)
            let until = Date().addingTimeInterval(seconds)
            while Date() < until {
                next += 1
                do {
                    _ = try session.execute("INSERT INTO t VALUES (\(next), \(next))")
                    acknowledged.append(next)
                    if ProcessInfo.processInfo.environment["DEBUG_KILLS"] != nil { print("ack \(next) via n\(node) phase \(phase)") }
                } catch where error.kind == .unavailable {
                    unknown.append(next)
                    return   // the connection or its node is gone; the round goes on
                } catch {
                    failed.append(next)
                }
            }
        }

        for round in 1...3 {
            let leader = try cluster.waitForLeader()
            let follower = [1, 2, 3].filter { $0 != leader }[round % 2]
            phase = "\(round)a"
            try write(through: leader, for: Double.random(in: 0.1...0.4, using: &random))
            cluster.kill9(follower)
            phase = "\(round)b"
            try write(through: leader, for: Double.random(in: 0.1...0.3, using: &random))
            try cluster.start(follower)
            try cluster.waitForLeader()
            let writer = try cluster.waitForLeader()
            phase = "\(round)c"
            try write(through: writer, for: Double.random(in: 0.1...0.4, using: &random))
            // The whole cluster at a random moment: a writer is mid-stream.
            let box = UncheckedBox(try cluster.session(writer))
            let stream = Thread { _ = try? box.value.execute("INSERT INTO t VALUES (\(-round), 0)") }
            stream.start()
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.05, using: &random))
            for node in 1...3 { cluster.kill9(node) }
            unknown.append(-round)
            try cluster.startAll()
        }
        let leader = try cluster.waitForLeader()
        try write(through: leader, for: 0.3)
        try cluster.waitUntilCaughtUp()
        #expect(acknowledged.count > 10, "too few writes were acknowledged to test anything: \(acknowledged.count)")
        let live = try ids(try cluster.session(leader).execute("SELECT id FROM t ORDER BY id"))
        #expect(Set(acknowledged).isSubset(of: Set(live)), "the live cluster lacks \(Set(acknowledged).subtracting(live).sorted())")
        for node in 1...3 { cluster.terminate(node) }
        try expectAgreement(in: cluster.directory, nodes: 3, acknowledged: acknowledged, failed: failed, allowed: unknown)
    }
}

/// The ids of a `SELECT id …` result.
func ids(_ result: StatementResult) throws -> [Int] {
    guard case .query(_, let rows) = result else { throw TestFailure("not a query result: \(result)") }
    return rows.compactMap { row in
        if case .integer(let n)? = row.first { return Int(n) }
        return nil
    }
}

/// Opens the stopped cluster's files in-process (each node replays its own log into its own
/// database) and checks that every node holds the same rows: each acknowledged one exactly
/// once, none that surely failed, nothing that was never written.
func expectAgreement(in directory: String, nodes: Int, acknowledged: [Int], failed: [Int], allowed: [Int],
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
    var options = LocalCluster.Options()
    options.nodes = nodes
    options.dataDirectory = directory
    options.clock = .manual
    let cluster = try LocalCluster(options: options)
    defer { cluster.stop() }
    try cluster.tick(100)
    var copies: [[Int]] = []
    for id in cluster.ids {
        guard let database = cluster.database(id) else { throw TestFailure("n\(id) did not come back") }
        copies.append(try ids(try Session(engine: database).execute("SELECT id FROM t ORDER BY id")))
    }
    for (i, copy) in copies.enumerated() {
        #expect(copy == copies[0], "n\(i + 1) differs from n1", sourceLocation: sourceLocation)
        #expect(Set(copy).count == copy.count, "n\(i + 1) holds a row twice", sourceLocation: sourceLocation)
        #expect(Set(acknowledged).isSubset(of: Set(copy)),
                "n\(i + 1) lacks acknowledged rows \(Set(acknowledged).subtracting(copy).sorted())", sourceLocation: sourceLocation)
        #expect(Set(failed).isDisjoint(with: Set(copy)), "n\(i + 1) holds rows whose INSERT failed", sourceLocation: sourceLocation)
        #expect(Set(copy).isSubset(of: Set(acknowledged + allowed)), "n\(i + 1) holds rows never written", sourceLocation: sourceLocation)
    }
}

/// Hands a value to another thread in a test that joins nothing racy on it.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
