import ArgumentParser
import Foundation
import SQL

/// `cutaway-bench sql`: the SQL engine on the in-memory store against SQLite (python3's sqlite3
/// module, in-memory) running the same statements in the same run, with the ratio.
///
/// Workloads: a bulk insert in multi-row INSERT batches; a full scan with SUM/COUNT grouped
/// into 100 groups; an equi-join of two tables with COUNT; ORDER BY … LIMIT 10; point SELECTs
/// by primary key (p50/p99 per query); and the queries of `SQLWorkload.compared` — a small
/// table joined to a big one on its primary key (all rows, and one row), a correlated EXISTS,
/// IN (SELECT …), and a UNION of two scans. Every query's rows are compared with SQLite's as
/// multisets: a fast wrong answer fails the benchmark. Each side times only statement execution:
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

    @Option(name: .customLong("only"), parsing: .upToNextOption,
            help: "Run only these compared queries (for profiling one of them), e.g. --only pk-join union.")
    var only: [String] = []

    @Option(help: "Run each compared query this many times (steadier figures, more profile samples).")
    var `repeat` = 1

    func validate() throws {
        guard rows > 0, batch > 0, `repeat` > 0, (joinRows ?? 1) > 0, (points ?? 1) > 0 else {
            throw ValidationError("--rows, --batch, --repeat, --join-rows and --points must be positive")
        }
        let names = Set(SQLWorkload.compared.map(\.name))
        if let unknown = only.first(where: { !names.contains($0) }) {
            throw ValidationError("--only: no query named '\(unknown)'; the queries are "
                                  + SQLWorkload.compared.map(\.name).joined(separator: ", "))
        }
    }

    func run() throws {
        let workload = SQLWorkload(rows: rows, joinRows: joinRows ?? max(1, rows / 10),
                                points: points ?? max(1, rows / 10), batch: batch, repeats: `repeat`,
                                queries: only.isEmpty ? SQLWorkload.compared
                                    : SQLWorkload.compared.filter { only.contains($0.name) })
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
        if let sqlite {
            for (name, ours) in cutaway.sorted(by: { $0.key < $1.key }) {
                guard let mine = ours.rows, let theirs = sqlite[name]?.rows else { continue }
                guard mine == theirs else {
                    throw SQLBenchmarkError("\(name): Cutaway's rows differ from SQLite's: \(mine.prefix(5)) vs \(theirs.prefix(5))")
                }
            }
            print("every query's rows equal SQLite's (as multisets)")
        }
    }

    /// One workload's figures: the total time, and per-statement samples where there are many.
    struct Measurement {
        /// Wall-clock seconds.
        var seconds: Double
        /// CPU seconds the process spent (the engines are single-threaded).
        var cpuSeconds: Double
        var operations: Int
        var samples: [Double]
        /// The query's rows as text (see `SQLWorkload.text`), sorted, for comparing engines.
        var rows: [String]? = nil
    }

    static let order = ["insert", "point-select"] + SQLWorkload.compared.map(\.name)

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
    /// How many times each compared query runs.
    var repeats = 1
    /// The compared queries to run (all of `compared` unless `--only` picks some).
    var queries: [Query] = compared

    static let createBench = "CREATE TABLE bench (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val FLOAT NOT NULL, name STRING NOT NULL)"

    /// A query workload: its SQL and which result columns to compare (ORDER BY … LIMIT compares
    /// only the sort key: rows tied on it may be either).
    struct Query {
        var name: String
        var sql: String
        var columns: [Int]
    }

    /// The queries whose rows are compared with SQLite's. `t` has rows / 5 rows, `u` rows / 50
    /// (200,000 and 20,000 for the default million), `u.tid` points at rows of `t`.
    static let compared: [Query] = [
        Query(name: "aggregate", sql: "SELECT grp, SUM(val), COUNT(*) FROM bench GROUP BY grp", columns: [0, 1, 2]),
        Query(name: "order-limit", sql: "SELECT id, val FROM bench ORDER BY val DESC LIMIT 10", columns: [1]),
        Query(name: "join", sql: "SELECT COUNT(*) FROM left_side l JOIN right_side r ON l.k = r.k", columns: [0]),
        Query(name: "pk-join", sql: "SELECT COUNT(*) FROM u JOIN t ON u.tid = t.id", columns: [0]),
        Query(name: "pk-join-1", sql: "SELECT t.id, t.v FROM u JOIN t ON u.tid = t.id WHERE u.id = 7", columns: [0, 1]),
        Query(name: "exists", sql: "SELECT COUNT(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.tid = t.id)", columns: [0]),
        Query(name: "in-select", sql: "SELECT COUNT(*) FROM t WHERE v IN (SELECT tid FROM u)", columns: [0]),
        Query(name: "union", sql: "SELECT COUNT(*) FROM (SELECT v FROM t WHERE id < \(unionSplit) UNION SELECT k FROM t WHERE id >= \(unionSplit)) AS x", columns: [0]),
    ]
    /// Where the UNION's two scans divide `t` (two 100,000-row scans for the default size).
    static let unionSplit = 100_000

    /// The tables the compared queries read besides `bench`, loaded unmeasured.
    func setupStatements() -> [String] {
        let tRows = max(1, rows / 5), uRows = max(1, rows / 50)
        return ["CREATE TABLE left_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)",
                "CREATE TABLE right_side (id INTEGER PRIMARY KEY, k INTEGER NOT NULL)",
                "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, v INTEGER NOT NULL)",
                "CREATE TABLE u (id INTEGER PRIMARY KEY, tid INTEGER NOT NULL)",
                // Without it SQLite runs the correlated EXISTS as a scan of u per row of t.
                "CREATE INDEX u_tid ON u (tid)"]
            + insertStatements(table: "left_side", count: joinRows, values: { "(\($0), \($0 % 50_000))" })
            + insertStatements(table: "right_side", count: joinRows, values: { "(\($0), \(($0 &* 3) % 50_000))" })
            + insertStatements(table: "t", count: tRows, values: { "(\($0), \($0 % 1_000), \(($0 &* 13) % (2 * tRows)))" })
            + insertStatements(table: "u", count: uRows, values: { "(\($0), \(($0 &* 7) % tRows))" })
    }

    /// Rows each compared query reads, for ops/s.
    func operations(_ name: String) -> Int {
        switch name {
        case "join": 2 * joinRows
        case "pk-join", "exists", "in-select": rows / 5 + rows / 50
        case "pk-join-1": 1
        case "union": rows / 5
        default: rows
        }
    }

    /// A value as both engines' results are compared: floats to six significant digits (sums
    /// in another order may differ in the last bits), integers exactly, NULL as NULL.
    static func text(_ value: Value) -> String {
        switch value {
        case .null: "NULL"
        case .boolean(let b): b ? "1" : "0"
        case .integer(let i): "\(i)"
        case .float(let f): String(format: "%.6g", f)
        case .string(let s): s
        }
    }

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
        let points = pointIDs().map { "SELECT * FROM bench WHERE id = \($0)" }
        results["point-select"] = try measure(points, operations: points.count) { sql in
            guard case .query(_, let out) = try session.execute(sql), out.count == 1 else {
                throw SQLBenchmarkError("point select did not return one row: \(sql)")
            }
        }
        for statement in setupStatements() { _ = try session.execute(statement) }
        print("  cutaway tables loaded")
        for query in queries {
            var rows: [String] = []
            var measured = try measure(Array(repeating: query.sql, count: repeats),
                                       operations: repeats * operations(query.name)) { sql in
                guard case .query(_, let out) = try session.execute(sql) else {
                    throw SQLBenchmarkError("\(query.name) returned no rows")
                }
                rows = out.map { row in query.columns.map { row.indices.contains($0) ? Self.text(row[$0]) : "?" }
                    .joined(separator: "|") }.sorted()
            }
            measured.rows = rows
            results[query.name] = measured
        }
        let expected = joinCount()
        guard results["join"] == nil || results["join"]?.rows == ["\(expected)"] else {
            throw SQLBenchmarkError("join count differs from the expected \(expected)")
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
        // The compared queries and the statements loading their tables go in on stdin.
        let input = try JSONSerialization.data(withJSONObject: [
            "queries": queries.map { [$0.name, $0.sql, $0.columns, repeats * operations($0.name)] as [Any] },
            "repeats": repeats,
            "setup": setupStatements(),
        ])
        process.arguments = ["python3", "-c", Self.python, String(rows), String(joinRows), String(points), String(batch)]
        let stdin = Pipe()
        process.standardInput = stdin
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
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
            results[name] = SQLBenchmark.Measurement(seconds: seconds, cpuSeconds: cpu, operations: operations,
                                                     samples: samples, rows: (object["rows"] as? [String])?.sorted())
        }
        return results
    }

    /// The SQLite side: the same statements, generated the same way (see `values`).
    static let python = #"""
import json, sqlite3, sys, time
rows, join_rows, points, batch = (int(a) for a in sys.argv[1:5])
work = json.load(sys.stdin)   # all of stdin first: Cutaway writes it before reading our output
db = sqlite3.connect(":memory:", isolation_level=None)   # autocommit, like Cutaway
def values(i):
    return "(%d, %d, %r, 'name%d')" % (i, i % 100, ((i * 7919) % 100003) / 10.0, i)
def inserts(table, count, fn):
    return ["INSERT INTO %s VALUES %s" % (table, ", ".join(fn(i) for i in range(s, min(count, s + batch))))
            for s in range(0, count, batch)]
def text(v):
    if v is None: return "NULL"
    if isinstance(v, float): return "%.6g" % v
    return str(v)
def measure(name, statements, operations, columns=None):
    samples = []
    cpu = time.process_time()
    start = time.perf_counter()
    for sql in statements:
        t = time.perf_counter()
        out = db.execute(sql).fetchall()
        samples.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu
    result = {"name": name, "seconds": total, "cpu": cpu, "operations": operations, "samples": samples}
    if columns is not None:
        result["rows"] = ["|".join(text(r[c]) for c in columns) for r in out]
    print(json.dumps(result), flush=True)
db.execute("CREATE TABLE bench (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val FLOAT NOT NULL, name TEXT NOT NULL)")
measure("insert", inserts("bench", rows, values), rows)
ids = [(i * 7919) % rows for i in range(points)]
measure("point-select", ["SELECT * FROM bench WHERE id = %d" % i for i in ids], points)
for sql in work["setup"]:
    db.execute(sql)
for name, sql, columns, operations in work["queries"]:
    measure(name, [sql] * work["repeats"], operations, columns)
"""#
}

/// A benchmark that could not run or produced a wrong answer.
struct SQLBenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
