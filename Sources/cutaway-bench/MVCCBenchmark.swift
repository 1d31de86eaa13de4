import Encoding
import ArgumentParser
import Dispatch
import Foundation
import Storage

/// `cutaway-bench mvcc`: what transactions cost on top of the raw engine.
///
/// Runs the same point reads and writes straight on a storage engine and through MVCC
/// (begin + set + commit, begin + get + commit, read-only begin + get), plus a 100-row
/// snapshot scan, on MemoryEngine and on BitCask without fsync, and prints ops/s with
/// p50/p99 latencies. Run it in release mode:
/// `swift run -c release cutaway-bench mvcc`.
struct MVCCBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mvcc",
        abstract: "Benchmark MVCC transactions against raw engine gets and sets.")

    /// Which engines to measure.
    enum EngineChoice: String, ExpressibleByArgument, CaseIterable {
        case memory, bitcask, both
    }

    @Option(help: "Operations per measurement.")
    var ops = 100_000

    @Option(help: "Value size in bytes.")
    var valueSize = 100

    @Option(help: "Engine to measure: memory, bitcask (sync never, in a temporary directory) or both.")
    var engine: EngineChoice = .both

    func validate() throws {
        guard ops > 0 else { throw ValidationError("--ops must be positive") }
        guard valueSize >= 0 else { throw ValidationError("--value-size must not be negative") }
    }

    func run() throws {
        print("mvcc benchmark: \(ops) ops per row, \(valueSize)-byte values")
        if engine != .bitcask {
            try runAll(label: "memory") { MemoryEngine() }
        }
        if engine != .memory {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cutaway-bench-mvcc-\(ProcessInfo.processInfo.processIdentifier)")
            defer { try? FileManager.default.removeItem(at: directory) }
            var made = 0
            try runAll(label: "bitcask, sync never") {
                made += 1
                return try BitCask(directory: directory.appendingPathComponent("db\(made)").path, sync: .never)
            }
            try runDurable(directory: directory.appendingPathComponent("durable").path)
        }
    }

    /// Durable commits: BitCask with batched sync and MVCC's flush on commit, so each commit
    /// costs one fsync however many keys it wrote. Few ops: the disk sets the pace.
    private func runDurable(directory: String) throws {
        let count = min(max(ops / 100, 100), 2_000)
        print("\n[bitcask, sync batched + flush on commit: durable commits, \(count) ops]")
        print(MVCCBenchResult.header)
        let mvcc = try MVCC(engine: BitCask(directory: directory, sync: .batched()), flushOnCommit: true)
        let value = [UInt8](repeating: 0x61, count: valueSize)
        print(try measure("commit 1 set", count: count) { i in
            let t = try mvcc.begin()
            try t.set(Array("one/\(i)".utf8), value)
            try t.commit()
        })
        print(try measure("commit 10 sets", count: count) { i in
            let t = try mvcc.begin()
            for j in 0..<10 { try t.set(Array("ten/\(i)/\(j)".utf8), value) }
            try t.commit()
        })
    }

    /// Every measurement on fresh engines from `makeEngine`.
    private func runAll(label: String, _ makeEngine: () throws -> any StorageEngine) throws {
        print("\n[\(label)]")
        print(MVCCBenchResult.header)
        let value = [UInt8](repeating: 0x61, count: valueSize)
        let keys = (0..<ops).map { Array("key/\(String($0 + 10_000_000))".utf8) }
        var rng = MVCCBenchRandom(seed: 1)
        let readOrder = (0..<ops).map { _ in keys[Int(rng.next() % UInt64(keys.count))] }

        // Raw engine.
        let engine = try makeEngine()
        print(try measure("engine set") { i in try engine.set(keys[i], value) })
        print(try measure("engine get") { i in _ = try engine.get(readOrder[i]) })

        // The same through MVCC, each operation its own transaction.
        // No flush on commit: these rows measure MVCC's own cost, not the disk's.
        let mvcc = try MVCC(engine: makeEngine(), flushOnCommit: false)
        print(try measure("mvcc begin+set+commit") { i in
            let t = try mvcc.begin()
            try t.set(keys[i], value)
            try t.commit()
        })
        print(try measure("mvcc begin+get+commit") { i in
            let t = try mvcc.begin()
            _ = try t.get(readOrder[i])
            try t.commit()
        })
        print(try measure("mvcc read-only get") { i in
            let t = try mvcc.beginReadOnly()
            _ = try t.get(readOrder[i])
            try t.commit()
        })
        let scanOps = max(1, ops / 100)
        print(try measure("mvcc scan 100 rows", count: scanOps) { i in
            let t = try mvcc.beginReadOnly()
            let cursor = try t.scan(KeyRange(start: .included(keys[(i * 100) % keys.count]), end: .unbounded))
            var rows = 0
            while rows < 100, try cursor.next() != nil { rows += 1 }
            try t.commit()
        })
    }

    /// Times `count` calls of `body` one by one.
    private func measure(_ name: String, count: Int? = nil, _ body: (Int) throws -> Void) throws -> MVCCBenchResult {
        let n = count ?? ops
        var samples = [UInt64](repeating: 0, count: n)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<n {
            let before = DispatchTime.now().uptimeNanoseconds
            try body(i)
            samples[i] = DispatchTime.now().uptimeNanoseconds - before
        }
        let total = DispatchTime.now().uptimeNanoseconds - start
        return MVCCBenchResult(name: name, samples: samples, totalNanoseconds: total)
    }
}

/// One benchmark row: throughput and latency percentiles from per-operation samples.
struct MVCCBenchResult: CustomStringConvertible {
    static let header = pad("operation", 24) + pad("ops/s", 12, left: true) + pad("p50 µs", 10, left: true)
        + pad("p99 µs", 10, left: true)

    let name: String
    let opsPerSecond: Double
    let p50: UInt64
    let p99: UInt64

    init(name: String, samples: [UInt64], totalNanoseconds: UInt64) {
        self.name = name
        let sorted = samples.sorted()
        opsPerSecond = Double(samples.count) / (Double(max(totalNanoseconds, 1)) / 1e9)
        p50 = sorted.isEmpty ? 0 : sorted[sorted.count * 50 / 100]
        p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    }

    var description: String {
        Self.pad(name, 24) + Self.pad(String(Int(opsPerSecond)), 12, left: true)
            + Self.pad(Self.micros(p50), 10, left: true) + Self.pad(Self.micros(p99), 10, left: true)
    }

    static func micros(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + fill
    }
}

/// A fixed-seed generator (SplitMix64) so every run reads the same keys.
struct MVCCBenchRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
