import ArgumentParser

/// The storage benchmark (placeholder until its issue lands).
struct StorageBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "storage", abstract: "Benchmark the storage layer.")

    func run() throws {
        print("storage: no benchmark yet")
    }
}
