import ArgumentParser
import Foundation
import SQL

/// `cutaway-bench sql`: the SQL engine on the in-memory store against SQLite (python3's sqlite3
/// module, in-memory) running the same statements in the same run, with the ratio.
///
/// Workloads: a bulk insert in multi-row INSERT batches; a full scan with SUM/COUNT grouped
/// into 100 groups; an equi-join of two tables with COUNT; ORDER BY … LIMIT 10; and point
/// SELECTs by primary key (p50/p99 per query). Each side times only statement execution:
/// SQL text is generated before the clock starts. Both wall-clock and CPU time are recorded,
/// and the ratio uses CPU time, so a machine shared with other work still compares the
/// engines fairly (both run single-threaded).
struct SQLBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Benchmark SQL queries on the memory engine against SQLite.",
        discussion: "Run in release mode: swift build -c release && .build/release/cutaway-bench sql")

    @Option(help: "Rows in the main table (bulk insert, aggregate, ORDER BY … LIMIT).")
    var rows = 1_000_000

    @Option(help: "Rows per side of the join (default: rows / 10).")
    var joinRows: Int?

    @Option(help: "Primary-key point SELECTs (default: rows / 10).")
    var points: Int?

    @Option(help: "Rows per multi-row INSERT statement.")
    var batch = 1_000

    @Flag(name: .customLong("skip-sqlite"), help: "Skip the SQLite comparison.")
    var skipSQLite = false

    func validate() throws {
        guard rows > 0, batch > 0, (joinRows ?? 1) > 0, (points ?? 1) > 0 else {
            throw ValidationError("--rows, --batch, --join-rows and --points must be positive")
        }
    }

    func run() throws {
        let workload = SQLWorkload(rows: rows, joinRows: joinRows ?? max(1, rows / 10),
                                points: points ?? max(1, rows / 10), batch: batch)
        print("sql: \(workload.rows) rows, join \(workload.joinRows) × \(workload.joinRows), "
              + "\(workload.points) point selects, \(workload.batch) rows per INSERT")
        let cutaway = try workload.runCutaway()
        let sqlite: [String: Measurement]?
        if skipSQLite {
            sqlite = nil
        } else {
            do {
                sqlite = try workload.runSQLite()
            } catch {
                print("sqlite: not measured (\(error))")
                sqlite = nil
            }
        }
        print(Self.report(cutaway: cutaway, sqlite: sqlite))
    }

    /// One workload's figures: the total time, and per-statement samples where there are many.
    struct Measurement {
        /// Wall-clock seconds.
        var seconds: Double
        /// CPU seconds the process spent (the engines are single-threaded).
        var cpuSeconds: Double
        var operations: Int
        var samples: [Double]
    }

    static let order = ["insert", "aggregate", "join", "order-limit", "point-select"]

    static func report(cutaway: [String: Measurement], sqlite: [String: Measurement]?) -> String {
        var lines = ["workload       cutaway      cpu    ops/s (cpu)       p50       p99  |   sqlite      cpu  cpu ratio"]
        for name in order {
            guard let ours = cutaway[name] else { continue }
            var line = pad(name, 12) + pad(seconds(ours.seconds), 10, left: true)
                + pad(seconds(ours.cpuSeconds), 9, left: true)
                + pad(String(format: "%.0f", Double(ours.operations) / max(ours.cpuSeconds, 1e-9)), 15, left: true)
                + pad(percentile(ours.samples, 0.50).map(seconds) ?? "-", 10, left: true)
                + pad(percentile(ours.samples, 0.99).map(seconds) ?? "-", 10, left: true)
            if let theirs = sqlite?[name] {
                let ratio = ours.cpuSeconds / max(theirs.cpuSeconds, 1e-9)
                line += "  | " + pad(seconds(theirs.seconds), 8, left: true)
                    + pad(seconds(theirs.cpuSeconds), 9, left: true)
                    + pad(String(format: "%.1f×", ratio), 11, left: true)
                    + (ratio > 10 ? "  (over 10×)" : "")
            }
            lines.append(line)
        }
        lines.append("p50/p99: wall time per statement (an INSERT carries --batch rows); ratio: CPU time")
        return lines.joined(separator: "\n")
    }

    /// The `fraction` percentile of `samples` (sorted copy), nil when there are none.
    static func percentile(_ samples: [Double], _ fraction: Double) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))
        return sorted[index]
    }

    static func seconds(_ s: Double) -> String {
        if s >= 1 { return String(format: "%.2fs", s) }
        if s >= 1e-3 { return String(format: "%.1fms", s * 1e3) }
        return String(format: "%.1fµs", s * 1e6)
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }
}

/// The statements both engines run, generated the same way for both.
struct SQLWorkload {
    var rows: Int
    var joinRows: Int
    var points: Int
    var batch: Int

    static let createBench = "CREATE TABLE bench (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val FLOAT NOT NULL, name STRING NOT NULL)"
    static let aggregate = "SELECT grp, SUM(val), COUNT(*) FROM bench GROUP BY grp"
    static let orderLimit = "SELECT id, val FROM bench ORDER BY val DESC LIMIT 10"
    static let join = "SELECT COUNT(*) FROM left_side l JOIN right_side r ON l.k = r.k"

    /// Deterministic column values for row `id`: 100 groups, scattered floats.
    static func values(_ id: Int) -> String {
        "(\(id), \(id % 100), \(Double((id &* 7919) % 100_003) / 10.0), 'name\(id)')"
    }

    func insertStatements(table: String, count: Int, values: (Int) -> String) -> [String] {
        stride(from: 0, to: count, by: batch).map { start in
            let rows = (start..<min(count, start + batch)).map(values).joined(separator: ", ")
            return "INSERT INTO \(table) VALUES \(rows)"
        }
    }

    /// Point-select ids, scattered over the table by a fixed stride.
    func pointIDs() -> [Int] {
        (0..<points).map { ($0 &* 7_919) % rows }
    }

    // MARK: - Cutaway

    func runCutaway(on engine: (any Engine)? = nil) throws -> [String: SQLBenchmark.Measurement] {
        let session = Session(engine: try engine ?? LocalEngine.memory())
        var results: [String: SQLBenchmark.Measurement] = [:]
        _ = try session.execute(Self.createBench)
        let inserts = insertStatements(table: "bench", count: rows, values: Self.values)
        results["insert"] = try measure(inserts, operations: rows) { _ = try session.execute($0) }
        print("  cutaway insert done")
        results["aggregate"] = try measure([Self.aggregate], operations: rows) { sql in
            guard case .query(_, let out) = try session.execute(sql), out.count == min(100, rows) else {
                throw SQLBenchmarkError("aggregate returned the wrong number of groups")
            }
        }
        results["order-limit"] = try measure([Self.orderLimit], operations: rows) { sql in
            guard case .query(_, let out) = try session.execute(sql), out.count == min(10, rows) else {
                throw SQLBenchmarkError("ORDER BY … LIMIT returned the wrong number of rows")
            }
        }
        let points = pointIDs().map { "SELECT * FROM bench WHERE id = \($0)" }
        results["point-select"] = try measure(points, operations: points.count) { sql in
            guard case .query(_, let out) = try session.execute(sql), out.count == 1 else {
                throw SQLBenchmarkError("point select did not return one row: \(sql)")
            }
        }
        _ = try session.execute("CREATE TABLE left_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)")
        _ = try session.execute("CREATE TABLE right_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)")
        for statement in insertStatements(table: "left_side", count: joinRows, values: { "(\($0), \($0 % 50_000))" })
            + insertStatements(table: "right_side", count: joinRows, values: { "(\($0), \(($0 &* 3) % 50_000))" }) {
            _ = try session.execute(statement)
        }
        let expected = joinCount()
        results["join"] = try measure([Self.join], operations: 2 * joinRows) { sql in
            guard case .query(_, let out) = try session.execute(sql), out.first?.first == .integer(Int64(expected)) else {
                throw SQLBenchmarkError("join count differs from the expected \(expected)")
            }
        }
        return results
    }

    /// The join's result, computed directly so both engines are checked.
    func joinCount() -> Int {
        var left: [Int: Int] = [:]
        for id in 0..<joinRows { left[id % 50_000, default: 0] += 1 }
        return (0..<joinRows).reduce(0) { $0 + (left[($1 &* 3) % 50_000] ?? 0) }
    }

    func measure(_ statements: [String], operations: Int,
                         _ body: (String) throws -> Void) throws -> SQLBenchmark.Measurement {
        var samples: [Double] = []
        samples.reserveCapacity(statements.count)
        let cpuStart = Self.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for statement in statements {
            let begin = DispatchTime.now().uptimeNanoseconds
            try body(statement)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return SQLBenchmark.Measurement(seconds: total, cpuSeconds: Self.cpuSeconds() - cpuStart,
                                        operations: operations, samples: samples)
    }

    /// CPU time this process has used (user + system), like Python's `time.process_time()`.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    // MARK: - SQLite

    /// Runs the same workload in `python3` with sqlite3 in memory; the script times each
    /// statement itself and prints one JSON object per workload.
    func runSQLite() throws -> [String: SQLBenchmark.Measurement] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.python, String(rows), String(joinRows), String(points), String(batch)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SQLBenchmarkError("python3 exited with \(process.terminationStatus): "
                                 + (String(data: errorData, encoding: .utf8) ?? ""))
        }
        var results: [String: SQLBenchmark.Measurement] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = object["name"] as? String, let seconds = object["seconds"] as? Double,
                  let cpu = object["cpu"] as? Double, let operations = object["operations"] as? Int,
                  let samples = object["samples"] as? [Double] else {
                throw SQLBenchmarkError("unexpected line from python3: \(line)")
            }
            results[name] = SQLBenchmark.Measurement(seconds: seconds, cpuSeconds: cpu,
                                                     operations: operations, samples: samples)
        }
        return results
    }

    /// The SQLite side: the same statements, generated the same way (see `values`).
    static let python = #"""
import json, sqlite3, sys, time
rows, join_rows, points, batch = (int(a) for a in sys.argv[1:5])
db = sqlite3.connect(":memory:", isolation_level=None)   # autocommit, like Cutaway
def values(i):
    return "(%d, %d, %r, 'name%d')" % (i, i % 100, ((i * 7919) % 100003) / 10.0, i)
def inserts(table, count, fn):
    return ["INSERT INTO %s VALUES %s" % (table, ", ".join(fn(i) for i in range(s, min(count, s + batch))))
            for s in range(0, count, batch)]
def measure(name, statements, operations, check=None):
    samples = []
    cpu = time.process_time()
    start = time.perf_counter()
    for sql in statements:
        t = time.perf_counter()
        out = db.execute(sql).fetchall()
        samples.append(time.perf_counter() - t)
        if check: check(out)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    print(json.dumps({"name": name, "seconds": total, "cpu": cpu, "operations": operations, "samples": samples}), flush=True)
db.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val FLOAT NOT NULL, name TEXT NOT NULL)")
measure("insert", inserts("bench", rows, values), rows)
measure("aggregate", ["SELECT grp, SUM(val), COUNT(*) FROM bench GROUP BY grp"], rows)
measure("order-limit", ["SELECT id, val FROM bench ORDER BY val DESC LIMIT 10"], rows)
ids = [(i * 7919) % rows for i in range(points)]
measure("point-select", ["SELECT * FROM bench WHERE id = %d" % i for i in ids], points)
db.execute("CREATE TABLE left_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)")
db.execute("CREATE TABLE right_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)")
for sql in inserts("left_side", join_rows, lambda i: "(%d, %d)" % (i, i % 50000)) + \
           inserts("right_side", join_rows, lambda i: "(%d, %d)" % (i, (i * 3) % 50000)):
    db.execute(sql)
measure("join", ["SELECT COUNT(*) FROM left_side l JOIN right_side r ON l.k = r.k"], 2 * join_rows)
"""#
}

/// A benchmark that could not run or produced a wrong answer.
struct SQLBenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
