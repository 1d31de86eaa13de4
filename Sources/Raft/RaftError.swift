/// Errors a Raft client or node can see, each with a message a user can act on.
public enum RaftError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The node knows no leader right now (an election is under way); retry shortly.
    case noLeader
    /// Leadership changed or the node lost touch with a majority while the request was pending.
    /// A write may or may not have been applied; the request can be retried.
    case leadershipLost
    /// The state machine rejected the command or query (deterministically, on every node).
    case application(String)
    /// Stored Raft state could not be decoded.
    case corrupt(String)
    /// A storage operation failed.
    case storage(String)
    /// The state machine could not apply the committed entry at `index` deterministically (it
    /// threw something other than ``application(_:)``, e.g. a disk I/O error). The node must
    /// stop rather than skip the entry, which would make its state diverge from the others;
    /// every later call on the node throws this error again.
    case stateMachineFailed(index: LogIndex, reason: String)

    /// Whether retrying the same request later can succeed.
    public var isRetryable: Bool {
        switch self {
        case .noLeader, .leadershipLost: true
        case .application, .corrupt, .storage, .stateMachineFailed: false
        }
    }

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .noLeader: "no leader is known right now; retry shortly"
        case .leadershipLost: "leadership changed while the request was pending; it may or may not have been applied; retry"
        case .application(let message): message
        case .corrupt(let message): "corrupt Raft state: \(message)"
        case .storage(let message): "Raft storage failed: \(message)"
        case let .stateMachineFailed(index, reason): "state machine failed at index \(index): \(reason)"
        }
    }
}
