import ArgumentParser
import Cluster
import Foundation
import SQL

/// `cutaway-bench cluster`: the SQL benchmark's workloads on a 3-node in-process cluster beside
/// the single-node engine in the same run, plus single-row autocommitted INSERTs — what Raft
/// adds to each statement (read-index rounds, one log entry per write, applying on every node).
///
/// The cluster runs with the manual clock: a statement delivers its own messages, so no driver
/// thread competes for the CPU and both sides run single-threaded (CPU time compares fairly).
struct ClusterBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Benchmark SQL on a 3-node LocalCluster against the local engine.",
        discussion: "Run in release mode: swift build -c release && .build/release/cutaway-bench cluster")

    @Option(help: "Rows in the main table (bulk insert, aggregate, ORDER BY … LIMIT).")
    var rows = 1_000_000

    @Option(help: "Single-row autocommitted INSERTs.")
    var singleInserts = 20_000

    @Option(help: "Nodes in the cluster.")
    var nodes = 3

    func validate() throws {
        guard rows > 0, singleInserts > 0, (1...7).contains(nodes) else {
            throw ValidationError("--rows and --single-inserts must be positive, --nodes 1 to 7")
        }
    }

    func run() throws {
        let workload = SQLWorkload(rows: rows, joinRows: max(1, rows / 10), points: max(1, rows / 10), batch: 1_000)
        print("cluster: \(rows) rows, \(nodes) nodes (memory, manual clock) against --local, "
              + "\(singleInserts) single-row INSERTs")
        var options = LocalCluster.Options()
        options.nodes = nodes
        options.clock = .manual
        let cluster = try LocalCluster(options: options)
        let results = try workload.run([CutawaySide(name: "local", engine: try LocalEngine.memory()),
                                        CutawaySide(name: "cluster", engine: cluster.makeEngine(node: cluster.leader?.id ?? 1))])
        var local = results["local"] ?? [:]
        var replicated = results["cluster"] ?? [:]
        local["single-insert"] = try singleRowInserts(on: try LocalEngine.memory())
        replicated["single-insert"] = try singleRowInserts(on: cluster.makeEngine(node: cluster.leader?.id ?? 1))
        print("  single-row inserts done")
        print("workload        local cpu   cluster cpu   cluster ops/s (cpu)   cluster/local")
        for name in SQLBenchmark.order + ["single-insert"] {
            guard let ours = local[name], let theirs = replicated[name] else { continue }
            print(SQLBenchmark.pad(name, 14) + SQLBenchmark.pad(SQLBenchmark.seconds(ours.cpuSeconds), 12, left: true)
                  + SQLBenchmark.pad(SQLBenchmark.seconds(theirs.cpuSeconds), 14, left: true)
                  + SQLBenchmark.pad(String(format: "%.0f", Double(theirs.operations) / max(theirs.cpuSeconds, 1e-9)), 22, left: true)
                  + SQLBenchmark.pad(String(format: "%.2f×", theirs.cpuSeconds / max(ours.cpuSeconds, 1e-9)), 16, left: true))
        }
    }

    /// `INSERT INTO single VALUES (i, …)`, one autocommitted statement each.
    func singleRowInserts(on engine: any Engine) throws -> SQLBenchmark.Measurement {
        let session = Session(engine: engine)
        _ = try session.execute("CREATE TABLE single (id INTEGER PRIMARY KEY, name STRING, n INTEGER)")
        let statements = (0..<singleInserts).map { "INSERT INTO single VALUES (\($0), 'name \($0)', \($0 % 97))" }
        var measurement = try SQLWorkload.measure(statements) { _ = try session.execute($0) }
        measurement.operations = singleInserts
        return measurement
    }
}
