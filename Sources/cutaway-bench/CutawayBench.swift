import ArgumentParser

/// `cutaway-bench`: the release-mode benchmarks whose figures the README reports.
@main
struct CutawayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cutaway-bench",
        abstract: "Benchmarks for Cutaway's layers (run in release mode).",
        subcommands: [StorageBenchmark.self, MVCCBenchmark.self, SQLBenchmark.self, RaftBenchmark.self, ClusterBenchmark.self, AllBenchmarks.self])
}

/// Runs every benchmark in turn.
struct AllBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every benchmark.")

    func run() throws {
        try StorageBenchmark.parse([]).run()
        try MVCCBenchmark.parse([]).run()
        try SQLBenchmark.parse([]).run()
        try RaftBenchmark.parse([]).run()
    }
}
