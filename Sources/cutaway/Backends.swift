import Cluster
import Shell

/// Opens the database the command line asks for.
enum Backends {
    /// A single-node engine (`--local`): memory, or a durable one in `dataDirectory`.
    static func local(dataDirectory: String?) throws -> any ShellBackend {
        try LocalBackend.open(directory: dataDirectory)
    }

    /// An in-process Raft cluster of `nodes` nodes: memory, or BitCask files per node.
    static func cluster(nodes: Int, dataDirectory: String?, clock: LocalCluster.Clock) throws -> any ShellBackend {
        try ClusterBackend.open(nodes: nodes, dataDirectory: dataDirectory, clock: clock)
    }
}
