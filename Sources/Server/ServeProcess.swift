import Foundation
import Raft

/// Starts `cutaway serve` processes: the one place that knows the command line of a node
/// (used by `cutaway cluster start` and by the tests that kill and restart nodes).
public enum ServeProcess {
    /// One node's place in a cluster on this machine.
    public struct Node: Sendable {
        public var id: NodeID
        public var sql: Address
        public var raft: Address
        public init(id: NodeID, sql: Address, raft: Address) {
            self.id = id
            self.sql = sql
            self.raft = raft
        }
    }

    /// Runs `executable serve` for `node` of `nodes`, appending its output to `DIR/nID.log`.
    public static func launch(executable: String, node: Node, of nodes: [Node], directory: String,
                              fsync: Bool, logLevel: String = "info") throws -> Process {
        var arguments = ["serve", "--id", "\(node.id)", "--listen", "\(node.sql)", "--raft-listen", "\(node.raft)",
                         "--data", directory, "--fsync", fsync ? "on" : "off", "--log-level", logLevel]
        for peer in nodes where peer.id != node.id { arguments += ["--peer", "\(peer.id)=\(peer.raft)"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let logPath = (directory as NSString).appendingPathComponent("n\(node.id).log")
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
