/// A snapshot of one node for the REPL's `.raft`, the scenario tests and the drawings.
public struct RaftNodeStatus: Sendable, Hashable {
    public var id: NodeID
    public var role: RoleName
    public var term: Term
    public var vote: NodeID?
    /// The leader this node follows (itself when leading), if known.
    public var leader: NodeID?
    public var lastIndex: LogIndex
    public var lastTerm: Term
    public var commitIndex: LogIndex
    public var commitTerm: Term
    public var appliedIndex: LogIndex
    /// The leader's view of each follower's log; empty unless leading.
    public var progress: [PeerProgress]
    /// The whole log, oldest first.
    public var entries: [EntrySummary]
    /// Whether the node is down (crashed in the simulator); the log is its durable state.
    public var crashed: Bool

    public init(id: NodeID, role: RoleName, term: Term, vote: NodeID?, leader: NodeID?, lastIndex: LogIndex,
                lastTerm: Term, commitIndex: LogIndex, commitTerm: Term, appliedIndex: LogIndex,
                progress: [PeerProgress], entries: [EntrySummary], crashed: Bool) {
        self.id = id
        self.role = role
        self.term = term
        self.vote = vote
        self.leader = leader
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
        self.commitIndex = commitIndex
        self.commitTerm = commitTerm
        self.appliedIndex = appliedIndex
        self.progress = progress
        self.entries = entries
        self.crashed = crashed
    }
}

/// What the leader knows about one follower.
public struct PeerProgress: Sendable, Hashable {
    public var id: NodeID
    /// The next index the leader will send.
    public var next: LogIndex
    /// The highest index known to match the leader's log.
    public var match: LogIndex

    public init(id: NodeID, next: LogIndex, match: LogIndex) {
        self.id = id
        self.next = next
        self.match = match
    }
}

/// One log entry, described briefly.
public struct EntrySummary: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    /// The command's short description; empty for a leader's empty entry.
    public var command: String

    public init(index: LogIndex, term: Term, command: String) {
        self.index = index
        self.term = term
        self.command = command
    }
}

/// One message in a trace: when it was sent, by whom, to whom, and what it said.
public struct TraceEvent: Sendable, Hashable {
    public var tick: Int
    public var from: NodeID
    public var to: NodeID
    public var term: Term
    /// The message type, such as "Append".
    public var kind: String
    /// The message's fields in compact notation.
    public var summary: String
    /// Why the message was not delivered ("partition", "dropped"), if so.
    public var lost: String?

    public init(tick: Int, from: NodeID, to: NodeID, term: Term, kind: String, summary: String, lost: String? = nil) {
        self.tick = tick
        self.from = from
        self.to = to
        self.term = term
        self.kind = kind
        self.summary = summary
        self.lost = lost
    }
}

/// The whole cluster at one moment: every node's status, the partitions and recent messages.
public struct RaftClusterSnapshot: Sendable, Hashable {
    /// The simulated time.
    public var tick: Int
    public var nodes: [RaftNodeStatus]
    /// Groups of nodes that can talk to each other; empty when the network is whole.
    public var partitions: [[NodeID]]
    /// The most recent messages, oldest first (bounded).
    public var trace: [TraceEvent]

    public init(tick: Int, nodes: [RaftNodeStatus], partitions: [[NodeID]], trace: [TraceEvent]) {
        self.tick = tick
        self.nodes = nodes
        self.partitions = partitions
        self.trace = trace
    }
}

extension RaftNode {
    /// A snapshot of this node.
    /// - Complexity: O(n) in the log's length.
    public func status() -> RaftNodeStatus {
        var progress: [PeerProgress] = []
        if case .leader(let leader) = role {
            progress = leader.progress.keys.sorted().compactMap { peer in
                leader.progress[peer].map { PeerProgress(id: peer, next: $0.next, match: $0.match) }
            }
        }
        return RaftNodeStatus(
            id: id, role: roleName, term: log.term, vote: log.vote, leader: leaderID,
            lastIndex: log.lastIndex, lastTerm: log.lastTerm, commitIndex: log.commitIndex,
            commitTerm: log.commitTerm, appliedIndex: stateMachine.appliedIndex, progress: progress,
            entries: log.entries.map { entry in
                EntrySummary(index: entry.index, term: entry.term,
                             command: entry.command.map { stateMachine.describe($0) } ?? "")
            },
            crashed: false)
    }
}
