import Foundation
import SQL

/// One engine the SQL benchmark drives: it runs statements and times them itself.
///
/// The workload hands every side the same statements in small rounds, taking turns (see
/// `SQLWorkload.run(_:)`), so a machine whose speed drifts while the benchmark runs slows
/// every side alike instead of whichever happened to run during the slow minutes.
protocol BenchSide: AnyObject {
    /// The side's name in the results ("cutaway", "sqlite", "cluster").
    var name: String { get }
    /// The CREATE TABLE for the main table in the side's dialect.
    var createBench: String { get }
    /// Runs `statements` in order, timing each. With `columns`, the last statement's rows come
    /// back as text (see `SQLWorkload.text`), to compare engines.
    func run(_ statements: [String], columns: [Int]?) throws -> SQLBenchmark.Measurement
}

extension SQLBenchmark.Measurement {
    /// Adds another round's figures (the rows are the latest round's).
    mutating func add(_ round: SQLBenchmark.Measurement) {
        seconds += round.seconds
        cpuSeconds += round.cpuSeconds
        samples += round.samples
        if round.rows != nil { rows = round.rows }
    }
}

/// Cutaway through a `Session` (on the local engine or a cluster node), in this process.
final class CutawaySide: BenchSide {
    let name: String
    let createBench = SQLWorkload.createBench
    private let session: Session

    init(name: String, engine: any Engine) {
        self.name = name
        session = Session(engine: engine)
    }

    func run(_ statements: [String], columns: [Int]?) throws -> SQLBenchmark.Measurement {
        var rows: [[Value]] = []
        var measurement = try SQLWorkload.measure(statements) { sql in
            switch try session.execute(sql) {
            case .query(_, let out): rows = out
            default: rows = []
            }
        }
        if let columns {
            measurement.rows = rows.map { row in
                columns.map { row.indices.contains($0) ? SQLWorkload.text(row[$0]) : "?" }.joined(separator: "|")
            }.sorted()
        }
        return measurement
    }
}

/// SQLite in memory, through python3's sqlite3 module in a child process that answers one
/// request line (statements to run) with one line of figures; the child times itself, and
/// this process waits meanwhile, so neither's CPU time includes the other's.
final class SQLiteSide: BenchSide {
    let name = "sqlite"
    let createBench = "CREATE TABLE bench (id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, val FLOAT NOT NULL, name TEXT NOT NULL)"
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    /// Bytes read from the child but not yet consumed as a line.
    private var pending = Data()

    init() throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.python]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    func run(_ statements: [String], columns: [Int]?) throws -> SQLBenchmark.Measurement {
        var request: [String: Any] = ["statements": statements]
        if let columns { request["columns"] = columns }
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(UInt8(ascii: "\n"))
        try input.fileHandleForWriting.write(contentsOf: line)
        let reply = try readLine()
        guard let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any],
              let seconds = object["seconds"] as? Double, let cpu = object["cpu"] as? Double,
              let samples = object["samples"] as? [Double] else {
            throw SQLBenchmarkError("unexpected line from python3: \(String(decoding: reply, as: UTF8.self))")
        }
        return SQLBenchmark.Measurement(seconds: seconds, cpuSeconds: cpu, operations: 0, samples: samples,
                                        rows: (object["rows"] as? [String])?.sorted())
    }

    /// The child's next line of output; an error with its standard error if it ended instead.
    private func readLine() throws -> Data {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<end]
                pending = pending[(end + 1)...]
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw SQLBenchmarkError("python3 exited with \(process.terminationStatus): \(message)")
            }
            pending.append(chunk)
        }
    }

    /// The child: one JSON request per line in, one JSON result per line out.
    static let python = #"""
import json, sqlite3, sys, time
db = sqlite3.connect(":memory:", isolation_level=None)   # autocommit, like Cutaway
def text(v):
    if v is None: return "NULL"
    if isinstance(v, float): return "%.6g" % v
    return str(v)
for line in sys.stdin:
    request = json.loads(line)
    samples, out = [], []
    cpu = time.process_time()
    start = time.perf_counter()
    for sql in request["statements"]:
        t = time.perf_counter()
        out = db.execute(sql).fetchall()
        samples.append(time.perf_counter() - t)
    result = {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "samples": samples}
    columns = request.get("columns")
    if columns is not None:
        result["rows"] = ["|".join(text(r[c]) for c in columns) for r in out]
    print(json.dumps(result), flush=True)
"""#
}
