import ArgumentParser
import Foundation
import Raft
import Storage

/// `cutaway-bench raft`: a simulated 3-node cluster's throughput of committed proposals, with
/// and without batching, and how many ticks an election takes (over many seeds).
///
/// Time in the simulator is ticks, so throughput here is the CPU cost of the protocol (plus
/// fsyncs with `--engine bitcask`): wall-clock proposals committed per second while clients
/// keep `--batch` proposals arriving at the leader every tick.
struct RaftBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raft", abstract: "Benchmark the raft layer.")

    @Option(help: "Proposals to commit in each throughput run.")
    var proposals = 20_000

    @Option(help: "Proposals arriving at the leader together each tick.")
    var batch = 50

    @Option(help: "Seeds for the election measurement.")
    var seeds = 1_000

    @Option(help: "Log storage: memory, or bitcask (temporary directories, fsync on flush).")
    var engine = "memory"

    @Flag(help: "Also run the simulator's safety checks after every step (slower).")
    var checkSafety = false

    func validate() throws {
        guard proposals > 0, batch > 0, seeds > 0 else { throw ValidationError("counts must be positive") }
        guard ["memory", "bitcask"].contains(engine) else { throw ValidationError("--engine is memory or bitcask") }
    }

    func run() throws {
        print("raft: simulated 3-node cluster, \(proposals) proposals, \(batch) arriving per tick, \(engine) log storage, "
              + "safety checks \(checkSafety ? "on" : "off")")
        for batching in [true, false] {
            try throughput(batching: batching)
        }
        try elections()
    }

    private func throughput(batching: Bool) throws {
        var options = NodeOptions()
        options.batchProposals = batching
        options.maxAppendEntries = max(64, batch)
        var directories: [String] = []
        defer { for directory in directories { try? FileManager.default.removeItem(atPath: directory) } }
        let cluster = try SimulatedCluster(nodes: 3, seed: 1, options: options) { id in
            guard engine == "bitcask" else { return MemoryEngine() }
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cutaway-bench-raft-\(ProcessInfo.processInfo.processIdentifier)-\(batching)-\(id)").path
            try? FileManager.default.removeItem(atPath: directory)
            directories.append(directory)
            return try BitCask(directory: directory, sync: .never)
        }
        cluster.recordEvents = false
        cluster.traceLimit = 0
        cluster.checksSafety = checkSafety
        try cluster.campaign(1)
        try cluster.stabilize()
        guard cluster.leaders == [1], let leader = cluster.node(1) else {
            throw ValidationError("no leader")
        }

        var submittedAt: [RequestID: Int] = [:]
        var latencies: [Int] = []  // ticks from proposal to the client's answer
        var tickMicros: [Double] = []
        var submitted = 0
        var answered = 0
        let flushesBefore = ids(cluster).reduce(0) { $0 + (cluster.node($1)?.log.flushCount ?? 0) }
        let start = ContinuousClock.now
        while answered < proposals {
            let tickStart = ContinuousClock.now
            if submitted < proposals {
                let count = min(batch, proposals - submitted)
                let commands = (0..<count).map { "put k\((submitted + $0) % 1000)=\(submitted + $0)" }
                for request in try cluster.propose(1, batch: commands) { submittedAt[request] = cluster.now }
                submitted += count
            }
            try cluster.tick()
            tickMicros.append(microseconds(ContinuousClock.now - tickStart))
            for (request, at) in submittedAt where cluster.responses[request] != nil {
                latencies.append(cluster.now - at)
                submittedAt[request] = nil
                answered += 1
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = microseconds(elapsed) / 1e6
        let flushes = ids(cluster).reduce(0) { $0 + (cluster.node($1)?.log.flushCount ?? 0) } - flushesBefore
        let label = batching ? "batching on " : "batching off"
        print("  \(label): \(format(Double(proposals) / seconds)) committed proposals/s; "
              + "commit latency p50 \(percentile(latencies, 0.5)) ticks, p99 \(percentile(latencies, 0.99)) ticks; "
              + "tick p50 \(format(percentile(tickMicros, 0.5))) µs, p99 \(format(percentile(tickMicros, 0.99))) µs; "
              + "\(flushes) flushes (leader log \(leader.log.lastIndex) entries)")
    }

    private func elections() throws {
        var ticks: [Int] = []
        for seed in 0..<UInt64(seeds) {
            let cluster = try SimulatedCluster(nodes: 3, seed: seed)
            cluster.recordEvents = false
            cluster.traceLimit = 0
            var elapsed = 0
            while elapsed < 1000 {
                try cluster.tick()
                elapsed += 1
                if let leader = cluster.leaders.first, let node = cluster.node(leader),
                   node.log.commitTerm == node.log.term { break }
            }
            ticks.append(elapsed)
        }
        print("  election (3 nodes, timeouts 10-19 ticks, until the leader commits its entry) over \(seeds) seeds: "
              + "median \(percentile(ticks, 0.5)) ticks, p99 \(percentile(ticks, 0.99)) ticks, max \(ticks.max() ?? 0)")
    }

    private func ids(_ cluster: SimulatedCluster) -> [NodeID] { cluster.ids }
}

/// The value below which `fraction` of the samples fall (by sorting; nearest rank).
private func percentile<T: Comparable>(_ samples: [T], _ fraction: Double) -> T {
    let sorted = samples.sorted()
    guard let last = sorted.last else { preconditionFailure("no samples") }
    let rank = Int((Double(sorted.count) * fraction).rounded(.up)) - 1
    return rank >= 0 && rank < sorted.count ? sorted[rank] : last
}

private func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

private func format(_ value: Double) -> String {
    value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
}
