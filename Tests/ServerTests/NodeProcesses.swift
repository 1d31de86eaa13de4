import Foundation
import Raft
import Server
import SQL
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A cluster of real `cutaway serve` processes on loopback for one test: free ports, a
/// temporary data directory, a log file per node. Every wait is bounded, and `killAll()`
/// (call it in a `defer`) SIGKILLs whatever is still running, even when the test failed.
final class NodeProcesses {
    let nodes: Int
    let directory: String
    let sqlPorts: [Int]
    let raftPorts: [Int]
    let fsync: Bool
    private var processes: [Int: Process] = [:]

    init(nodes: Int, fsync: Bool = true) throws {
        self.nodes = nodes
        self.fsync = fsync
        directory = NSTemporaryDirectory() + "cutaway-servers-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try Self.freePorts(2 * nodes)
        sqlPorts = Array(ports.prefix(nodes))
        raftPorts = Array(ports.suffix(nodes))
    }

    deinit {
        killAll()
        // KEEP_SERVER_TEST_DATA=1 keeps the files and node logs for a post-mortem.
        if ProcessInfo.processInfo.environment["KEEP_SERVER_TEST_DATA"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The built `cutaway` beside this test bundle (`make test` builds it first).
    static func binary() throws -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = (me as NSString).deletingLastPathComponent
        // The test runner may live inside the .xctest bundle's folder.
        for _ in 0..<3 {
            let candidate = (folder as NSString).appendingPathComponent("cutaway")
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = (folder as NSString).deletingLastPathComponent
        }
        throw TestFailure("the cutaway binary is not built beside the tests (\(me)); run `swift build` first (make test does)")
    }

    func address(_ node: Int) -> Address { Address(host: "127.0.0.1", port: sqlPorts[node - 1]) }

    /// Starts node `node` (1-based).
    func start(_ node: Int) throws {
        let members = (1...nodes).map {
            ServeProcess.Node(id: NodeID($0), sql: Address(host: "127.0.0.1", port: sqlPorts[$0 - 1]),
                              raft: Address(host: "127.0.0.1", port: raftPorts[$0 - 1]))
        }
        processes[node] = try ServeProcess.launch(executable: try Self.binary(), node: members[node - 1], of: members,
                                                  directory: directory, fsync: fsync, logLevel: "warning")
    }

    func startAll() throws { for node in 1...nodes { try start(node) } }

    /// kill -9: no flush, no goodbye.
    func kill9(_ node: Int) {
        guard let process = processes[node] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        processes[node] = nil
    }

    /// SIGTERM and wait (bounded) for a clean exit; returns the exit status.
    @discardableResult
    func terminate(_ node: Int) -> Int32? {
        guard let process = processes[node] else { return nil }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        processes[node] = nil
        return process.terminationStatus
    }

    func isRunning(_ node: Int) -> Bool { processes[node]?.isRunning ?? false }

    func killAll() { for node in Array(processes.keys) { kill9(node) } }

    func log(_ node: Int) -> String { (try? String(contentsOfFile: directory + "/n\(node).log", encoding: .utf8)) ?? "" }

    /// Each running node's status, asked over the client protocol (nil for a node that does not answer).
    func status(_ node: Int) -> RaftNodeStatus? {
        guard let connection = try? RemoteConnection(address(node)) else { return nil }
        return try? RemoteSession(connection).status()
    }

    /// Waits until a running node leads with an entry of its term committed; returns it.
    @discardableResult
    func waitForLeader(timeout: TimeInterval = 20) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for node in 1...nodes where isRunning(node) {
                if let s = status(node), s.role == .leader, s.commitIndex > 0 { return node }
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("no leader within \(timeout) s; logs:\n" + (1...nodes).map { "n\($0): \(log($0).suffix(600))" }.joined(separator: "\n"))
    }

    /// Waits until every running node has applied the same index as the leader's commit.
    func waitUntilCaughtUp(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let statuses = (1...nodes).filter(isRunning).compactMap(status)
            if statuses.count == (1...nodes).filter(isRunning).count,
               let commit = statuses.map(\.commitIndex).max(), statuses.allSatisfy({ $0.appliedIndex == commit }) {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("the nodes did not catch up within \(timeout) s")
    }

    /// A session on node `node`.
    func session(_ node: Int) throws -> RemoteSession { RemoteSession(try RemoteConnection(address(node))) }

    /// Binds `count` sockets to port 0 at once and returns the ports the kernel chose.
    static func freePorts(_ count: Int) throws -> [Int] {
        var descriptors: [Int32] = []
        defer { descriptors.forEach { _ = close($0) } }
        var ports: [Int] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket failed") }
            descriptors.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            guard bound else { throw TestFailure("cannot find a free port") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }
}

/// A test's own failure with its reason.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
