import ArgumentParser
import Cluster
import Foundation
import Server
import SQL

/// `cutaway workload read|write|bank`: many clients, a latency histogram, a verified result.
struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Drive the database with many clients and measure throughput and latency.",
        discussion: """
            Runs against an in-process 3-node cluster, or node servers with --connect (clients
            are spread over the addresses). Prints one line per second and a final line, then
            verifies the data: read checks the rows, write reads back every acknowledged row,
            bank checks the total balance and that no balance is negative. With --data or
            --connect it probes the disk's fsync rate before and after.
            """)

    @Argument(help: "read, write or bank.") var kind: String
    @Option(help: ArgumentHelp("Node servers to use, comma-separated.", valueName: "HOST:PORT[,HOST:PORT…]")) var connect: String?
    @Option(help: ArgumentHelp("BitCask files for the in-process cluster (memory without).", valueName: "DIR")) var data: String?
    @Option(help: "Clients running at once.") var concurrency = 16
    @Option(help: "Rows loaded first (read), accounts (bank).") var rows = 1000
    @Option(name: .customLong("value-size"), help: "Bytes per value (read, write).") var valueSize = 64
    @Option(help: "Rows per statement (read, write).") var batch = 1
    @Option(help: "Transactions in total (default 10000 unless --duration).") var count: Int?
    @Option(help: "Seconds to run instead of a count.") var duration: Double?
    @Option(name: .customLong("probe-dir"), help: ArgumentHelp("Where to probe the fsync rate (default: --data, or the current directory with --connect).", valueName: "DIR")) var probeDir: String?

    func validate() throws {
        guard WorkloadKind(rawValue: kind) != nil else { throw ValidationError("the workload is read, write or bank, not '\(kind)'") }
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency takes 1 to 1024") }
        guard rows >= 2 else { throw ValidationError("--rows takes at least 2") }
        guard (0...1_000_000).contains(valueSize) else { throw ValidationError("--value-size takes 0 to 1000000") }
        guard (1...1000).contains(batch) else { throw ValidationError("--batch takes 1 to 1000") }
        if let count, count < 1 { throw ValidationError("--count takes at least 1") }
        if let duration, duration <= 0 { throw ValidationError("--duration takes a positive number of seconds") }
        if count != nil && duration != nil { throw ValidationError("give --count or --duration, not both") }
        if let connect {
            guard !connect.split(separator: ",").isEmpty else { throw ValidationError("--connect needs at least one HOST:PORT") }
            for text in connect.split(separator: ",") where Address(String(text)) == nil {
                throw ValidationError("--connect takes HOST:PORT[,HOST:PORT…], not '\(text)'")
            }
            if data != nil { throw ValidationError("--data is for the in-process cluster; node servers have their own") }
        }
    }

    func run() throws {
        guard let workload = WorkloadKind(rawValue: kind) else { throw ExitCode(2) }
        var settings = WorkloadSettings(kind: workload)
        settings.concurrency = concurrency
        settings.rows = rows
        settings.valueSize = valueSize
        settings.batch = batch
        settings.count = count
        settings.duration = duration

        let makeSession: () throws(SQLError) -> any WorkloadSession
        var cluster: LocalCluster?
        var target: String
        if let connect {
            let addresses = connect.split(separator: ",").compactMap { Address(String($0)) }
            let next = Counter()
            makeSession = { () throws(SQLError) in
                RemoteSession(try RemoteConnection(addresses[next.next() % addresses.count]))
            }
            target = "node servers at \(connect)"
        } else {
            var options = LocalCluster.Options()
            options.dataDirectory = data
            let local = try LocalCluster(options: options)
            cluster = local
            let next = Counter()
            makeSession = { () throws(SQLError) in
                Session(engine: local.makeEngine(node: local.ids[next.next() % local.ids.count]))
            }
            target = "the in-process 3-node cluster" + (data.map { " (BitCask in \($0))" } ?? " (memory)")
        }
        defer { cluster?.stop() }
        let probeDirectory = probeDir ?? data ?? (connect != nil ? FileManager.default.currentDirectoryPath : nil)
        let before = probeDirectory.flatMap { probeFsyncRate(directory: $0) }
        print("workload \(workload.rawValue) on \(target): \(concurrency) clients, \(count.map { "\($0) txns" } ?? duration.map { "\($0) s" } ?? "10000 txns")")
        let runner = WorkloadRunner(settings: settings, makeSession: makeSession)
        let (line, ok): (String, Bool)
        do {
            (line, ok) = try runner.run { print($0) }
        } catch {
            throw ValidationError("the workload could not start: \(error.description)")
        }
        print(line)
        if let before, let probeDirectory, let after = probeFsyncRate(directory: probeDirectory) {
            print(String(format: "fsync probe (one thread, 4 KiB, %@): %.0f/s before, %.0f/s after", probeDirectory, before, after))
        }
        if !ok { throw ExitCode(1) }
    }
}

/// Hands out 0, 1, 2, … to threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
