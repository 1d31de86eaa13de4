import ArgumentParser

/// The sql benchmark (placeholder until its issue lands).
struct SQLBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql", abstract: "Benchmark the sql layer.")

    func run() throws {
        print("sql: no benchmark yet")
    }
}
