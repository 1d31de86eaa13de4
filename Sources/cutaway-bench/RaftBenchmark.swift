import ArgumentParser

/// The raft benchmark (placeholder until its issue lands).
struct RaftBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "raft", abstract: "Benchmark the raft layer.")

    func run() throws {
        print("raft: no benchmark yet")
    }
}
