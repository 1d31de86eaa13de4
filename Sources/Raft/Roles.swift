/// Tunables of a node, in ticks (the simulator's and the server driver's unit of time).
public struct NodeOptions: Sendable, Hashable {
    /// Election timeouts are drawn uniformly from this range, so nodes rarely time out together.
    public var electionTimeout: ClosedRange<Int> = 10...19
    /// A leader sends heartbeats this often.
    public var heartbeatInterval = 3
    /// The most entries one `Append` message carries.
    public var maxAppendEntries = 64
    /// Ask "would you vote for me?" before raising the term (see the module documentation).
    public var preVote = true
    /// A leader steps down when it has not heard from a majority for an election timeout, and
    /// followers ignore vote requests while their leader is alive.
    public var checkQuorum = true
    /// Proposals handed to ``RaftNode/step(_:)`` together are appended and flushed together and
    /// sent in one `Append` per follower; without it, each is appended, flushed and sent alone.
    public var batchProposals = true

    public init() {}
}

/// The role names shown in status output.
public enum RoleName: String, Sendable, Hashable {
    case follower
    case preCandidate = "pre-candidate"
    case candidate
    case leader
}

/// A follower: it accepts entries from the leader and votes; it knows who leads, if anyone.
struct Follower {
    /// The leader of the current term, once heard from.
    var leader: NodeID?
    /// Ticks since the leader was last heard from (or since a vote was granted).
    var elapsed = 0
    /// Ticks of silence after which this node starts an election.
    var timeout: Int
    /// Requests of the local client forwarded to the leader, awaiting its response.
    var forwarded: Set<RequestID> = []
}

/// A candidate: it asks for (pre-)votes and becomes leader with a majority.
struct Candidate {
    /// Whether this is the pre-vote round (the term has not been raised yet).
    var preVote: Bool
    /// Who said yes, including this node.
    var votes: Set<NodeID>
    var elapsed = 0
    var timeout: Int
}

/// What the leader knows about one follower's log.
struct Progress {
    /// The next index to send; advanced optimistically when entries are sent (pipelining).
    var next: LogIndex
    /// The highest index known to match the leader's log.
    var match: LogIndex = 0
    /// While probing for where the logs diverge: the base of the probe in flight. Rejections of
    /// other (older, pipelined) appends are then ignored instead of each causing a resend.
    var probeBase: LogIndex?
    /// The highest read sequence number this follower has confirmed.
    var readSeq: UInt64 = 0
}

/// A client write the leader appended and will answer once the entry is applied.
struct PendingWrite {
    var from: NodeID
    var id: RequestID
}

/// A client read waiting for a heartbeat round to confirm leadership.
struct PendingRead {
    var seq: UInt64
    var from: NodeID
    var id: RequestID
    var query: [UInt8]
    /// The commit index when the read arrived; it is served once applied reaches it.
    var readIndex: LogIndex
}

/// A leader: it replicates its log, commits by majority and serves clients.
/// A class because it holds the bulk of a node's bookkeeping and is updated in place.
final class Leader {
    var progress: [NodeID: Progress]
    var heartbeatElapsed = 0
    /// Ticks since the last check-quorum round, and who was heard from during it.
    var quorumElapsed = 0
    var heardFrom: Set<NodeID> = []
    var writes: [LogIndex: PendingWrite] = [:]
    var reads: [PendingRead] = []
    /// Proposals received in the current batch, appended together when it ends.
    var proposals: [(from: NodeID, id: RequestID, command: [UInt8])] = []
    /// The read sequence number of the newest heartbeat round.
    var readSeq: UInt64 = 0
    /// Whether reads arrived in this batch, so a tagged heartbeat round must go out.
    var readRoundPending = false

    init(peers: Set<NodeID>, lastIndex: LogIndex) {
        progress = Dictionary(uniqueKeysWithValues: peers.map { ($0, Progress(next: lastIndex + 1)) })
    }
}

/// A node's role; transitions exist only where the protocol allows them (see ``RaftNode``).
enum Role {
    case follower(Follower)
    case candidate(Candidate)
    case leader(Leader)

    var name: RoleName {
        switch self {
        case .follower: .follower
        case .candidate(let candidate): candidate.preVote ? .preCandidate : .candidate
        case .leader: .leader
        }
    }
}
