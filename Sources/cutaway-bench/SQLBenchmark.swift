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
/// engines fairly (both run single-threaded). The engines take turns in small rounds (see
/// `SQLWorkload.run(_:)`), so both are measured during the same minutes.
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
        var sides: [any BenchSide] = [CutawaySide(name: "cutaway", engine: try LocalEngine.memory())]
        if !skipSQLite {
            do {
                sides.append(try SQLiteSide())
            } catch {
                print("sqlite: not measured (\(error))")
            }
        }
        let results = try workload.run(sides)
        let cutaway = results["cutaway"] ?? [:]
        let sqlite = results["sqlite"]
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

    // MARK: - Running

    /// Runs every workload on every side, the sides taking turns: the bulk insert and the
    /// point SELECTs in twenty rounds of statements each, a compared query one run at a time.
    /// So all sides run a workload within moments of each other, and a machine whose speed
    /// drifts (this one's did by 2× within minutes, and by 1.5× between one query's runs a
    /// tenth of a second apart) cannot tilt the ratio. Returns each side's figures by
    /// workload, under the side's name.
    func run(_ sides: [any BenchSide]) throws -> [String: [String: SQLBenchmark.Measurement]] {
        var results: [String: [String: SQLBenchmark.Measurement]] = [:]
        func record(_ workload: String, operations: Int, rounds: [[String]], columns: [Int]?) throws {
            for round in rounds {
                for side in sides {
                    let figures = try side.run(round, columns: columns)
                    results[side.name, default: [:]][workload, default: SQLBenchmark.Measurement(
                        seconds: 0, cpuSeconds: 0, operations: operations, samples: [])].add(figures)
                }
            }
        }
        for side in sides { _ = try side.run([side.createBench], columns: nil) }
        try record("insert", operations: rows, rounds: Self.rounds(insertStatements(table: "bench", count: rows, values: Self.values)),
                   columns: nil)
        print("  insert done")
        try record("point-select", operations: points,
                   rounds: Self.rounds(pointIDs().map { "SELECT * FROM bench WHERE id = \($0)" }), columns: [0])
        for side in sides {
            guard results[side.name]?["point-select"]?.rows?.count == 1 else {
                throw SQLBenchmarkError("\(side.name): a point select did not return one row")
            }
            _ = try side.run(setupStatements(), columns: nil)
        }
        print("  tables loaded")
        for query in queries {
            try record(query.name, operations: repeats * operations(query.name),
                       rounds: Array(repeating: [query.sql], count: repeats), columns: query.columns)
        }
        let expected = joinCount()
        for side in sides where results[side.name]?["join"].map({ $0.rows != ["\(expected)"] }) ?? false {
            throw SQLBenchmarkError("\(side.name): join count differs from the expected \(expected)")
        }
        return results
    }

    /// `statements` cut into about twenty rounds, in order.
    static func rounds(_ statements: [String]) -> [[String]] {
        let size = max(1, (statements.count + 19) / 20)
        return stride(from: 0, to: statements.count, by: size).map { Array(statements[$0..<min(statements.count, $0 + size)]) }
    }

    /// The join's result, computed directly so both engines are checked.
    func joinCount() -> Int {
        var left: [Int: Int] = [:]
        for id in 0..<joinRows { left[id % 50_000, default: 0] += 1 }
        return (0..<joinRows).reduce(0) { $0 + (left[($1 &* 3) % 50_000] ?? 0) }
    }

    /// Runs `statements` through `body`, timing each (wall clock) and all of them (wall clock
    /// and this process's CPU time). The caller fills in `operations`.
    static func measure(_ statements: [String], _ body: (String) throws -> Void) throws -> SQLBenchmark.Measurement {
        var samples: [Double] = []
        samples.reserveCapacity(statements.count)
        let cpuStart = cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        for statement in statements {
            let begin = DispatchTime.now().uptimeNanoseconds
            try body(statement)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return SQLBenchmark.Measurement(seconds: total, cpuSeconds: cpuSeconds() - cpuStart,
                                        operations: 0, samples: samples)
    }

    /// CPU time this process has used (user + system), like Python's `time.process_time()`.
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A benchmark that could not run or produced a wrong answer.
struct SQLBenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
