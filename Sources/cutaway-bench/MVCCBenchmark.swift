import ArgumentParser

/// The mvcc benchmark (placeholder until its issue lands).
struct MVCCBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mvcc", abstract: "Benchmark the mvcc layer.")

    func run() throws {
        print("mvcc: no benchmark yet")
    }
}
