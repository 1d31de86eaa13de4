import ArgumentParser
import Foundation
import Raft
import Server

/// `cutaway cluster start|stop|status`: N node servers on loopback, for trying and measuring.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Start, stop or look at a cluster of node servers on this machine.",
        subcommands: [Start.self, Stop.self, Status.self])

    /// Node K of a cluster at base port P: SQL on P+K, Raft on P+100+K, all on loopback.
    static func sqlAddress(_ node: Int, base: Int) -> Address { Address(host: "127.0.0.1", port: base + node) }
    static func raftAddress(_ node: Int, base: Int) -> Address { Address(host: "127.0.0.1", port: base + 100 + node) }

    /// `DIR/cluster.pids`: one line per node, `ID PID SQL-ADDRESS`.
    static func pidsFile(_ dir: String) -> String { (dir as NSString).appendingPathComponent("cluster.pids") }

    static func recorded(_ dir: String) throws -> [(id: Int, pid: Int32, address: Address)] {
        guard let text = try? String(contentsOfFile: pidsFile(dir), encoding: .utf8) else {
            throw ValidationError("no cluster was started in \(dir) (no \(pidsFile(dir))); cutaway cluster start --dir \(dir)")
        }
        return text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, let id = Int(words[0]), let pid = Int32(words[1]), let address = Address(String(words[2])) else { return nil }
            return (id, pid, address)
        }
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start N node servers under DIR/n1…, wait for a leader, print their SQL addresses.")

        @Option(help: "How many nodes (1 to 7).") var nodes = 3
        @Option(help: ArgumentHelp("The cluster's data directory (created if missing).", valueName: "DIR")) var dir: String
        @Option(name: .customLong("base-port"), help: "Node K serves SQL on P+K and Raft on P+100+K.") var basePort = 9600
        @Option(help: "Whether the nodes fsync their Raft logs: on or off.") var fsync: OnOff = .on

        func validate() throws {
            guard (1...7).contains(nodes) else { throw ValidationError("--nodes takes 1 to 7, not \(nodes)") }
            guard (1...65000).contains(basePort) else { throw ValidationError("--base-port takes 1 to 65000") }
        }

        func run() throws {
            if let running = try? ClusterCommand.recorded(dir), running.contains(where: { ClusterCommand.isAlive($0.pid) }) {
                throw ValidationError("a cluster is already running in \(dir); cutaway cluster stop --dir \(dir) first")
            }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            var lines: [String] = []
            var started: [(Int, Process)] = []
            let members = (1...nodes).map {
                ServeProcess.Node(id: NodeID($0), sql: ClusterCommand.sqlAddress($0, base: basePort),
                                  raft: ClusterCommand.raftAddress($0, base: basePort))
            }
            for node in 1...nodes {
                let process = try ServeProcess.launch(executable: executable, node: members[node - 1], of: members,
                                                      directory: dir, fsync: fsync == .on)
                started.append((node, process))
                lines.append("\(node) \(process.processIdentifier) \(ClusterCommand.sqlAddress(node, base: basePort))")
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: ClusterCommand.pidsFile(dir), atomically: true, encoding: .utf8)
            // Wait (bounded) until some node knows a leader; report nodes that died meanwhile.
            let deadline = Date().addingTimeInterval(30)
            var leader: NodeID?
            while Date() < deadline, leader == nil {
                for (node, process) in started where !process.isRunning {
                    let log = (dir as NSString).appendingPathComponent("n\(node).log")
                    let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                    throw ValidationError("n\(node) exited (status \(process.terminationStatus)):\n\(text.suffix(800))")
                }
                for node in 1...nodes {
                    if let connection = try? RemoteConnection(ClusterCommand.sqlAddress(node, base: basePort)),
                       let status = try? RemoteSession(connection).status(), let known = status.leader, status.commitIndex > 0 {
                        leader = known
                        break
                    }
                }
                if leader == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            guard let leader else { throw ValidationError("no leader was elected within 30 s; see \(dir)/n*.log") }
            for node in 1...nodes {
                print("n\(node): \(ClusterCommand.sqlAddress(node, base: basePort))\(NodeID(node) == leader ? "  (leader)" : "")  pid \(started[node - 1].1.processIdentifier)")
            }
            print("connect with: cutaway --connect \(ClusterCommand.sqlAddress(Int(leader), base: basePort))")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the node servers started in DIR (SIGTERM, then SIGKILL after 10 s).")
        @Option(help: ArgumentHelp("The cluster's data directory.", valueName: "DIR")) var dir: String

        func run() throws {
            let nodes = try ClusterCommand.recorded(dir)
            for node in nodes where ClusterCommand.isAlive(node.pid) { kill(node.pid, SIGTERM) }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, nodes.contains(where: { ClusterCommand.isAlive($0.pid) }) {
                Thread.sleep(forTimeInterval: 0.05)
            }
            for node in nodes where ClusterCommand.isAlive(node.pid) {
                kill(node.pid, SIGKILL)
                print("n\(node.id) (pid \(node.pid)) did not stop in 10 s: killed")
            }
            try? FileManager.default.removeItem(atPath: ClusterCommand.pidsFile(dir))
            print("stopped \(nodes.count) node\(nodes.count == 1 ? "" : "s")")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each node's role, term and log indexes.")
        @Option(help: ArgumentHelp("The cluster's data directory.", valueName: "DIR")) var dir: String

        func run() throws {
            print("node  address          pid      role            term   last  commit  applied")
            for node in try ClusterCommand.recorded(dir) {
                let prefix = "n\(node.id)".padding(toLength: 6, withPad: " ", startingAt: 0)
                    + "\(node.address)".padding(toLength: 17, withPad: " ", startingAt: 0)
                    + "\(node.pid)".padding(toLength: 9, withPad: " ", startingAt: 0)
                guard ClusterCommand.isAlive(node.pid),
                      let connection = try? RemoteConnection(node.address),
                      let s = try? RemoteSession(connection).status() else {
                    print(prefix + "down")
                    continue
                }
                print(prefix + s.role.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                      + "\(s.term)".padding(toLength: 7, withPad: " ", startingAt: 0)
                      + "\(s.lastIndex)".padding(toLength: 6, withPad: " ", startingAt: 0)
                      + "\(s.commitIndex)".padding(toLength: 8, withPad: " ", startingAt: 0)
                      + "\(s.appliedIndex)" + (s.halted.map { "  halted: \($0)" } ?? ""))
            }
        }
    }
}
