/// A snapshot of one node for the REPL's `.raft`, the scenario tests and the drawings.
public struct RaftNodeStatus: Sendable, Hashable {
    /// The node.
    public var id: NodeID
    /// Its role now.
    public var role: RoleName
    /// Its current term.
    public var term: Term
    /// Whom it voted for in `term`, if anyone.
    public var vote: NodeID?
    /// The leader this node follows (itself when leading), if known.
    public var leader: NodeID?
    /// The last entry's index and term.
    public var lastIndex: LogIndex
    /// The term of the last entry.
    public var lastTerm: Term
    /// The highest index known committed, and that entry's term.
    public var commitIndex: LogIndex
    /// The term of the entry at `commitIndex`.
    public var commitTerm: Term
    /// The state machine's last applied index.
    public var appliedIndex: LogIndex
    /// The leader's view of each follower's log; empty unless leading.
    public var progress: [PeerProgress]
    /// The log (or the window of it asked for), oldest first.
    public var entries: [EntrySummary]
    /// Whether the node is down (crashed or halted in the simulator); the status is the one it
    /// had when it went down.
    public var crashed: Bool
    /// Why the node halted (its state machine failed), if it did; it is then down too.
    public var halted: String?

    /// A status with every field given.
    public init(id: NodeID, role: RoleName, term: Term, vote: NodeID?, leader: NodeID?, lastIndex: LogIndex,
                lastTerm: Term, commitIndex: LogIndex, commitTerm: Term, appliedIndex: LogIndex,
                progress: [PeerProgress], entries: [EntrySummary], crashed: Bool, halted: String? = nil) {
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
        self.halted = halted
    }

    /// The durable part of a node's status read from its log, as for a node that is not running
    /// (a follower of no known leader, nothing applied); `describe` describes commands.
    public init(log: RaftLog, id: NodeID, describe: ([UInt8]) -> String) {
        self.init(id: id, role: .follower, term: log.term, vote: log.vote, leader: nil, lastIndex: log.lastIndex,
                  lastTerm: log.lastTerm, commitIndex: log.commitIndex, commitTerm: log.commitTerm, appliedIndex: 0,
                  progress: [], entries: EntrySummary.of(log.entries[...], describe: describe), crashed: true)
    }
}

/// What the leader knows about one follower.
public struct PeerProgress: Sendable, Hashable {
    /// The follower.
    public var id: NodeID
    /// The next index the leader will send.
    public var next: LogIndex
    /// The highest index known to match the leader's log.
    public var match: LogIndex

    /// A follower's progress.
    public init(id: NodeID, next: LogIndex, match: LogIndex) {
        self.id = id
        self.next = next
        self.match = match
    }
}

/// One log entry, described briefly.
public struct EntrySummary: Sendable, Hashable {
    /// The entry's index.
    public var index: LogIndex
    /// The term it was created in.
    public var term: Term
    /// The command's short description; empty for a leader's empty entry.
    public var command: String

    /// A summary of entry `index@term` described as `command`.
    public init(index: LogIndex, term: Term, command: String) {
        self.index = index
        self.term = term
        self.command = command
    }

    /// Summaries of `entries`, their commands described by `describe`.
    static func of(_ entries: ArraySlice<Entry>, describe: ([UInt8]) -> String) -> [EntrySummary] {
        entries.map { entry in
            EntrySummary(index: entry.index, term: entry.term, command: entry.command.map(describe) ?? "")
        }
    }
}

/// One message in a trace: when it was sent, by whom, to whom, and what it said. A local
/// client's request to a node and the node's answer to it appear with `from == to`.
public struct TraceEvent: Sendable, Hashable {
    /// The event's number in the cluster's trace, increasing by one per event.
    public var sequence: Int
    /// The simulated time it was sent.
    public var tick: Int
    /// The sender.
    public var from: NodeID
    /// The receiver.
    public var to: NodeID
    /// The sender's term.
    public var term: Term
    /// The message type, such as "Append".
    public var kind: String
    /// The message's fields in compact notation.
    public var summary: String
    /// Why the message was not delivered ("partition", "dropped"), if so.
    public var lost: String?
    /// The message itself, for drawings that label it their own way (nil if not known).
    public var message: Message?

    /// An event with every field given.
    public init(sequence: Int = 0, tick: Int, from: NodeID, to: NodeID, term: Term, kind: String, summary: String,
                lost: String? = nil, message: Message? = nil) {
        self.sequence = sequence
        self.tick = tick
        self.from = from
        self.to = to
        self.term = term
        self.kind = kind
        self.summary = summary
        self.lost = lost
        self.message = message
    }
}

/// The whole cluster at one moment: every node's status, the partitions and recent messages.
public struct RaftClusterSnapshot: Sendable, Hashable {
    /// The simulated time.
    public var tick: Int
    /// Every node's status, by id.
    public var nodes: [RaftNodeStatus]
    /// Groups of nodes that can talk to each other; empty when the network is whole.
    public var partitions: [[NodeID]]
    /// The most recent messages, oldest first (bounded).
    public var trace: [TraceEvent]

    /// A snapshot with every field given.
    public init(tick: Int, nodes: [RaftNodeStatus], partitions: [[NodeID]], trace: [TraceEvent]) {
        self.tick = tick
        self.nodes = nodes
        self.partitions = partitions
        self.trace = trace
    }
}

extension RaftNode {
    /// A snapshot of this node, its entries described by its state machine (so a SQL state
    /// machine can say "INSERT INTO t, 2 rows"), only those from `from` through `through`.
    /// - Complexity: O(number of entries described).
    public func status(entriesFrom from: LogIndex = 1, through: LogIndex = .max) -> RaftNodeStatus {
        var progress: [PeerProgress] = []
        if case .leader(let leader) = role {
            progress = leader.progress.keys.sorted().compactMap { peer in
                leader.progress[peer].map { PeerProgress(id: peer, next: $0.next, match: $0.match) }
            }
        }
        let first = Int(min(max(from, 1), log.lastIndex + 1)) - 1
        let end = Int(min(through, log.lastIndex))
        let window = first < end ? log.entries[first..<end] : []
        return RaftNodeStatus(
            id: id, role: roleName, term: log.term, vote: log.vote, leader: leaderID,
            lastIndex: log.lastIndex, lastTerm: log.lastTerm, commitIndex: log.commitIndex,
            commitTerm: log.commitTerm, appliedIndex: stateMachine.appliedIndex, progress: progress,
            entries: EntrySummary.of(window, describe: stateMachine.describe), crashed: false)
    }
}
