import Cluster
import Raft
import SQL
import Storage

/// The Shell on a `LocalCluster`: each session talks to one node (n1 unless `.connect` moves
/// it), and `.mvcc`, `.keys` and `.status` look at the leader's database, or any node's.
public final class ClusterBackend: ShellBackend {
    public let localCluster: LocalCluster
    public var cluster: LocalCluster? { localCluster }

    public init(cluster: LocalCluster) {
        localCluster = cluster
    }

    public var openNotices: [String] { localCluster.openNotices }

    /// A new in-process cluster of `nodes` nodes: in memory, or BitCask files per node under
    /// `dataDirectory`.
    public static func open(nodes: Int, dataDirectory: String?, clock: LocalCluster.Clock) throws(SQLError) -> ClusterBackend {
        var options = LocalCluster.Options()
        options.nodes = nodes
        options.dataDirectory = dataDirectory
        options.clock = clock
        return ClusterBackend(cluster: try LocalCluster(options: options))
    }

    public var summary: String {
        let options = localCluster.options
        let storage = options.dataDirectory.map { "BitCask files in \($0)/n1…n\(options.nodes), kept across restarts" }
            ?? "in memory, gone on exit"
        return """
            A \(options.nodes)-node Raft cluster in this process. Storage: \(storage).
            You talk to n1. Watch it: .raft .nodes .trace on; break it: .kill .partition
            """
    }

    public func makeSession() throws(SQLError) -> any ShellSession {
        let node = localCluster.ids[0]
        let engine = localCluster.makeEngine(node: node)
        let session = Session(engine: engine)
        session.isCancelled = { LineEditor.interrupted.load(ordering: .relaxed) }
        return ClusterShellSession(session: session, engine: engine, node: node)
    }

    /// The leader's storage: the state every read is answered from.
    public var inspector: (any StorageInspector)? {
        let id = localCluster.leader?.id ?? localCluster.ids[0]
        return try? inspector(nodeID: id)
    }

    public func inspector(node: String) throws(ShellError) -> any StorageInspector {
        try inspector(nodeID: try parseNode(node))
    }

    private func inspector(nodeID id: NodeID) throws(ShellError) -> any StorageInspector {
        guard let database = localCluster.database(id) else {
            throw ShellError("n\(id) is down; .restart n\(id) to look at its storage")
        }
        return LocalInspector(mvcc: database.mvcc) { $0.transactionState }
    }

    /// `n2`, `N2` or `2` → 2, checked against the cluster's nodes.
    public func parseNode(_ text: String) throws(ShellError) -> NodeID {
        var digits = Substring(text)
        if digits.first == "@" { digits = digits.dropFirst() }
        if digits.first == "n" || digits.first == "N" { digits = digits.dropFirst() }
        guard let number = UInt8(digits), localCluster.ids.contains(NodeID(number)) else {
            let names = localCluster.ids.map { "n\($0)" }.joined(separator: ", ")
            throw ShellError("no node '\(text)' in this cluster (its nodes are \(names))")
        }
        return NodeID(number)
    }
}

/// A SQL session on one node of a cluster; `.connect` moves it to another node.
public final class ClusterShellSession: SQLShellSession {
    public let engine: RaftEngine
    public private(set) var nodeID: NodeID

    init(session: Session, engine: RaftEngine, node: NodeID) {
        self.engine = engine
        self.nodeID = node
        super.init(session)
    }

    /// Talks to `node` from now on (an open transaction carries on there: it lives in the log).
    public func connect(to node: NodeID, in cluster: LocalCluster) {
        engine.client = cluster.client(node: node)
        nodeID = node
    }

    public override var node: String? { "n\(nodeID)" }
}
