import Cluster
import SQL

extension NodeRuntime {
    /// A SQL session on this node, for one client (the framed protocol's or a PostgreSQL
    /// one's): its statements are forwarded to the leader as in the embedded cluster.
    public func makeSession() -> Session {
        // Unique across the cluster and across restarts: the state machine remembers each
        // client's last sequence number, so a reused id would look like a duplicate.
        let clientID = UInt64(id) << 56 | UInt64.random(in: 0..<(1 << 56))
        return Session(engine: RaftEngine(client: RuntimeClient(runtime: self), clientID: clientID))
    }
}
