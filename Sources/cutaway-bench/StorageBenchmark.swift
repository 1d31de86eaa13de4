import Encoding
import ArgumentParser
import Foundation
import Storage

/// `cutaway-bench storage`: point gets, sets and scans on both engines, BitCask under each sync
/// policy beside the disk's plain fsync rate, and the time to open a large BitCask log.
struct StorageBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage",
        abstract: "Benchmark the storage engines (run in release mode).")

    @Option(help: "Keys loaded for gets, sets and scans.")
    var keys = 200_000

    @Option(help: "Bytes per value.")
    var valueSize = 100

    @Option(help: "Sets with sync=always (each one is an fsync).")
    var durableOps = 500

    @Option(help: "Write+fsync rounds for the disk's plain fsync rate.")
    var fsyncOps = 500

    @Option(help: "Keys in the log for the BitCask open benchmark (0 skips it).")
    var openKeys = 1_000_000

    @Option(help: "Pairs read per scan.")
    var scanLength = 100

    @Option(help: "Directory for the benchmark's files (default: a fresh temporary directory).")
    var directory: String?

    func validate() throws {
        guard keys > 0, valueSize >= 0, durableOps > 0, fsyncOps > 0, openKeys >= 0, scanLength > 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() throws {
        let root = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("cutaway-bench-storage-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: root) } }

        #if DEBUG
        print("warning: this is a debug build; figures are only meaningful with -c release")
        #endif
        print("storage benchmark: \(keys) keys of 16 bytes, \(valueSize)-byte values, data in \(root)")
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            // Other work on the machine slows every figure; say how busy it was.
            print("load average: \(load.split(separator: " ").prefix(3).joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        }
        let fsync = try measureFsync(path: root + "/fsync-probe")
        print("disk: plain write+fsync of a 64-byte record: \(fsync.line)")
        print("")
        print(Result.header)

        let workload = Workload(keys: keys, valueSize: valueSize)

        let memory = MemoryEngine()
        try report("memory", workload.run(on: memory, scanLength: scanLength))

        let never = try BitCask(directory: root + "/never", sync: .never)
        try report("bitcask", workload.run(on: never, scanLength: scanLength), policy: "sync=never")
        try never.close()

        let batched = try BitCask(directory: root + "/batched", sync: .batched())
        let batchedSets = try workload.sets(on: batched, count: keys)
        try batched.flush()
        print(batchedSets.row(engine: "bitcask", operation: "set", note: "sync=batched (fsync per 128 sets)"))
        try batched.close()

        let always = try BitCask(directory: root + "/always", sync: .always)
        let alwaysSets = try workload.sets(on: always, count: durableOps)
        print(alwaysSets.row(engine: "bitcask", operation: "set", note: "sync=always (fsync per set)"))
        try always.close()

        print("")
        print("durable sets beside the disk's fsync rate (\(format(fsync.opsPerSecond))/s in this run):")
        print("  sync=always  \(format(alwaysSets.opsPerSecond)) sets/s = \(String(format: "%.2f", alwaysSets.opsPerSecond / fsync.opsPerSecond))× the fsync rate")
        print("  sync=batched \(format(batchedSets.opsPerSecond)) sets/s = \(String(format: "%.0f", batchedSets.opsPerSecond / fsync.opsPerSecond))× the fsync rate, \(String(format: "%.0f", batchedSets.opsPerSecond / alwaysSets.opsPerSecond))× sync=always (target ≥ 20×)")

        if openKeys > 0 {
            print("")
            try measureOpen(path: root + "/open")
        }
    }

    private func report(_ engine: String, _ results: [(String, String, Result)], policy: String = "") throws {
        for (operation, note, result) in results {
            let notes = [policy, note].filter { !$0.isEmpty }.joined(separator: ", ")
            print(result.row(engine: engine, operation: operation, note: notes))
        }
    }

    /// The disk's plain fsync rate: a small write then fsync, repeated, on one file.
    private func measureFsync(path: String) throws -> Result {
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ValidationError("cannot create \(path)") }
        defer {
            close(descriptor)
            unlink(path)
        }
        let record = [UInt8](repeating: 0x42, count: 64)
        var samples = Samples(capacity: fsyncOps)
        for index in 0..<fsyncOps {
            let start = nanoseconds()
            let written = record.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(index * 64)) }
            guard written == 64, fsync(descriptor) == 0 else { throw ValidationError("write/fsync failed on \(path)") }
            samples.add(nanoseconds() - start)
        }
        return samples.result()
    }

    /// Builds a log of `openKeys` keys (plus some overwrites), then times opening it.
    private func measureOpen(path: String) throws {
        let workload = Workload(keys: openKeys, valueSize: valueSize)
        do {
            let engine = try BitCask(directory: path, sync: .never)
            for index in 0..<openKeys { try engine.set(workload.key(index), workload.value) }
            try engine.close()
        }
        let start = nanoseconds()
        let cpuStart = cpuNanoseconds()
        let engine = try BitCask(directory: path, sync: .never)
        let seconds = Double(nanoseconds() - start) / 1e9
        let cpuSeconds = Double(cpuNanoseconds() - cpuStart) / 1e9
        let report = engine.openReport
        print("bitcask open: \(report.records) records, \(report.logSize / 1_048_576) MiB log, \(report.keys) keys in \(String(format: "%.2f", seconds)) s, \(String(format: "%.2f", cpuSeconds)) s of CPU (target < 2 s)")
        try engine.close()
    }
}

/// Keys and values for a run: 16-byte keys ("key:" + 8 big-endian digits of a scrambled
/// index + 4 bytes), visited in a fixed pseudo-random order.
private struct Workload {
    let keys: Int
    let value: [UInt8]
    let order: [Int]

    init(keys: Int, valueSize: Int) {
        self.keys = keys
        value = [UInt8](repeating: 0x61, count: valueSize)
        var generator = SplitMix64(seed: 42)
        order = (0..<keys).shuffled(using: &generator)
    }

    func key(_ index: Int) -> [UInt8] {
        // Scramble so consecutive indexes are far apart in key order.
        let scrambled = UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        var key: [UInt8] = Array("key:".utf8)
        withUnsafeBytes(of: scrambled.bigEndian) { key.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(index).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    func sets(on engine: any StorageEngine, count: Int) throws -> Result {
        let keys = (0..<count).map { key(order[$0 % order.count]) }
        var samples = Samples(capacity: count)
        for key in keys {
            let start = nanoseconds()
            try engine.set(key, value)
            samples.add(nanoseconds() - start)
        }
        return samples.result()
    }

    /// Sets, then gets, then short scans; each as (operation, note, result).
    func run(on engine: any StorageEngine, scanLength: Int) throws -> [(String, String, Result)] {
        let sets = try sets(on: engine, count: keys)
        let probe = order.map { key($0) }
        var gets = Samples(capacity: keys)
        var found = 0
        for key in probe.reversed() {
            let start = nanoseconds()
            if try engine.get(key) != nil { found += 1 }
            gets.add(nanoseconds() - start)
        }
        let getResult = gets.result()  // now, before its CPU clock takes in the scans
        guard found == keys else { throw ValidationError("\(engine.name): only \(found) of \(keys) keys found") }
        let scanCount = max(1, min(keys / 10, 20_000))
        var scans = Samples(capacity: scanCount)
        var pairs = 0
        for index in 0..<scanCount {
            let start = nanoseconds()
            let cursor = engine.scan(KeyRange(start: .included(probe[index]), end: .unbounded))
            var taken = 0
            while taken < scanLength, try cursor.next() != nil { taken += 1 }
            scans.add(nanoseconds() - start)
            pairs += taken
        }
        let scanResult = scans.result()
        let perPair = Double(pairs) / Double(scanCount)
        return [("set", "", sets), ("get", "", getResult),
                ("scan \(scanLength)", "\(format(scanResult.opsPerSecond * perPair)) pairs/s", scanResult)]
    }
}

/// Latency samples in nanoseconds.
/// Latency samples in nanoseconds, plus the CPU time this thread spent while taking them:
/// on a machine shared with other work, wall-clock figures include time spent waiting for a
/// core, and ops per CPU-second shows what the code itself costs.
private struct Samples {
    private var values: [UInt64] = []
    private var total: UInt64 = 0
    private let cpuStart = cpuNanoseconds()

    init(capacity: Int) { values.reserveCapacity(capacity) }

    mutating func add(_ nanoseconds: UInt64) {
        values.append(nanoseconds)
        total += nanoseconds
    }

    /// Percentiles by sorting the samples.
    func result() -> Result {
        let sorted = values.sorted()
        func percentile(_ p: Double) -> UInt64 {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
        let seconds = Double(max(total, 1)) / 1e9
        let cpuSeconds = Double(max(cpuNanoseconds() - cpuStart, 1)) / 1e9
        return Result(count: values.count, opsPerSecond: Double(values.count) / seconds,
                      opsPerCPUSecond: Double(values.count) / cpuSeconds,
                      p50: percentile(0.50), p99: percentile(0.99))
    }
}

/// One measured operation.
private struct Result {
    var count: Int
    var opsPerSecond: Double
    var opsPerCPUSecond: Double
    var p50: UInt64
    var p99: UInt64

    static let header = "engine   operation       ops/s  ops/cpu-s        p50        p99      count  notes"

    func row(engine: String, operation: String, note: String = "") -> String {
        engine.padding(toLength: 9, withPad: " ", startingAt: 0)
            + operation.padding(toLength: 9, withPad: " ", startingAt: 0)
            + format(opsPerSecond).leftPadded(to: 11) + format(opsPerCPUSecond).leftPadded(to: 11)
            + duration(p50).leftPadded(to: 11)
            + duration(p99).leftPadded(to: 11) + String(count).leftPadded(to: 11) + "  " + note
    }

    var line: String { "\(format(opsPerSecond))/s, p50 \(duration(p50)), p99 \(duration(p99)) (\(count) rounds)" }
}

private func format(_ rate: Double) -> String {
    rate >= 100 ? String(Int(rate.rounded())) : String(format: "%.1f", rate)
}

private func duration(_ nanoseconds: UInt64) -> String {
    switch nanoseconds {
    case ..<1_000: return "\(nanoseconds) ns"
    case ..<1_000_000: return String(format: "%.1f µs", Double(nanoseconds) / 1e3)
    default: return String(format: "%.2f ms", Double(nanoseconds) / 1e6)
    }
}

private func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// CPU time used by this thread.
private func cpuNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

