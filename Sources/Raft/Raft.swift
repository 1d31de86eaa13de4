// Raft — placeholder; the module lands with issue 4.
/// Identifies a Raft node within a cluster.
public typealias NodeID = UInt8
