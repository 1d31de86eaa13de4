import Encoding

/// One Raft node as a pure state machine: feed it ticks and messages, it returns the messages
/// to send. It never reads a clock, sleeps or starts work of its own.
///
/// Every call ends by flushing the log once, before any message leaves, so everything a message
/// promises (a vote, an accepted entry) is durable first. Local client requests go in through
/// ``propose(_:id:)`` and ``read(_:id:)``; their responses come out as `clientResponse`
/// envelopes addressed to this node itself.
///
/// Role transitions (the only ones the protocol allows):
/// follower → pre-candidate → candidate → leader; pre-candidate/candidate → pre-candidate
/// (timeout); any role → follower (higher term, a leader of the current term, or check-quorum).
public final class RaftNode {
    /// This node's identity.
    public let id: NodeID
    /// The other members of the cluster.
    public let peers: Set<NodeID>
    /// The durable state: log entries, term, vote and commit index.
    public let log: RaftLog
    /// The application the committed entries are applied to.
    public let stateMachine: any StateMachine
    public let options: NodeOptions
    var role: Role
    var random: SplitMix64
    /// Set when the state machine failed to apply an entry (see ``StateMachine``); the node
    /// then refuses all further work, since continuing would mean skipping that entry.
    public internal(set) var failure: RaftError?
    private var outbox: [Envelope] = []

    /// Opens a node on its durable log, re-applying committed entries the state machine lacks.
    /// It starts as a follower of no known leader.
    /// - Throws: ``RaftError/corrupt(_:)`` if the state machine is ahead of the log.
    public init(id: NodeID, peers: Set<NodeID>, log: RaftLog, stateMachine: any StateMachine,
                options: NodeOptions = NodeOptions(), seed: UInt64) throws {
        precondition(!peers.contains(id), "a node is not its own peer")
        precondition(options.electionTimeout.lowerBound > options.heartbeatInterval, "heartbeats must beat the election timeout")
        self.id = id
        self.peers = peers
        self.log = log
        self.stateMachine = stateMachine
        self.options = options
        random = SplitMix64(seed: seed ^ (UInt64(id) &* 0x9E37_79B9_7F4A_7C15))
        role = .follower(Follower(leader: nil, timeout: 0))
        role = .follower(Follower(leader: nil, timeout: randomTimeout()))
        guard stateMachine.appliedIndex <= log.lastIndex else {
            throw RaftError.corrupt("state machine applied \(stateMachine.appliedIndex) but the log ends at \(log.lastIndex)")
        }
        try applyCommitted()
    }

    // MARK: - Driving the node

    /// Advances time by one tick: election and heartbeat timers, check-quorum.
    /// - Throws: ``RaftError/stateMachineFailed(index:reason:)`` if the state machine cannot
    ///   apply a committed entry (then and on every later call), or a storage error.
    public func tick() throws -> [Envelope] {
        if let failure { throw failure }
        switch role {
        case .follower(var follower):
            follower.elapsed += 1
            role = .follower(follower)
            if follower.elapsed >= follower.timeout { try startElection() }
        case .candidate(var candidate):
            candidate.elapsed += 1
            role = .candidate(candidate)
            if candidate.elapsed >= candidate.timeout { try startElection() }
        case .leader(let leader):
            try tickLeader(leader)
        }
        return try finish()
    }

    /// Handles messages that arrived together (one batch: one append and one flush).
    /// - Throws: like ``tick()``.
    public func step(_ envelopes: [Envelope]) throws -> [Envelope] {
        if let failure { throw failure }
        for envelope in envelopes { try handle(envelope) }
        return try finish()
    }

    /// Handles one message.
    public func step(_ envelope: Envelope) throws -> [Envelope] {
        try step([envelope])
    }

    /// A local client's write; the response arrives later as a `clientResponse` to this node.
    public func propose(_ command: [UInt8], id request: RequestID) throws -> [Envelope] {
        try step(Envelope(from: id, to: id, term: 0, message: .clientRequest(id: request, request: .write(command))))
    }

    /// A local client's linearizable read; the response arrives later like a write's.
    public func read(_ query: [UInt8], id request: RequestID) throws -> [Envelope] {
        try step(Envelope(from: id, to: id, term: 0, message: .clientRequest(id: request, request: .read(query))))
    }

    /// Starts a real election now, as if the election timer fired with pre-vote off (for
    /// scenario tests and lessons that choose who campaigns). A leader does not campaign.
    public func campaign() throws -> [Envelope] {
        if let failure { throw failure }
        if case .follower(let follower) = role { failForwarded(follower) }
        if case .leader = role { return try finish() }
        try becomeCandidate()
        return try finish()
    }

    /// The current role's name.
    public var roleName: RoleName { role.name }

    /// The leader this node knows of in the current term (itself when leading).
    public var leaderID: NodeID? {
        switch role {
        case .follower(let follower): follower.leader
        case .candidate: nil
        case .leader: id
        }
    }

    // MARK: - Messages

    private func handle(_ envelope: Envelope) throws {
        guard envelope.to == id, peers.contains(envelope.from) || isLocalRequest(envelope) else { return }
        // No real cluster gets near such terms; one from a garbled or hostile peer would make
        // the next `term + 1` overflow, so it is dropped.
        guard envelope.term < Self.maximumTerm else { return }
        let term = log.term
        switch envelope.message {
        case let .clientRequest(requestID, request):
            return try handleClientRequest(from: envelope.from, id: requestID, request: request)
        case let .clientResponse(requestID, result):
            return handleClientResponse(id: requestID, result: result)
        case let .preVote(lastIndex, lastTerm):
            return handlePreVote(envelope, lastIndex: lastIndex, lastTerm: lastTerm)
        case .preVoteResponse(granted: true):
            return try handlePreVoteGranted(envelope)
        default:
            break
        }

        if envelope.term > term {
            // A vote request while our leader is alive comes from a node that could not hear
            // it; obeying would depose a healthy leader (check-quorum's lease). Ignore it.
            if case .campaign = envelope.message, options.checkQuorum, heardFromLeaderRecently { return }
            let leader: NodeID?
            switch envelope.message {
            case .heartbeat, .append: leader = envelope.from
            default: leader = nil
            }
            try becomeFollower(term: envelope.term, leader: leader)
        } else if envelope.term < term {
            // Tell a stale leader or candidate about the newer term so it steps down.
            switch envelope.message {
            case .heartbeat, .append:
                send(to: envelope.from, .heartbeatResponse(lastIndex: log.lastIndex, lastTerm: log.lastTerm,
                                                           sentIndex: 0, readSeq: 0))
            case .campaign:
                send(to: envelope.from, .campaignResponse(granted: false))
            default:
                break
            }
            return
        }

        switch envelope.message {
        case let .campaign(lastIndex, lastTerm):
            try handleCampaign(from: envelope.from, lastIndex: lastIndex, lastTerm: lastTerm)
        case let .campaignResponse(granted):
            if granted, case .candidate(var candidate) = role, !candidate.preVote {
                candidate.votes.insert(envelope.from)
                role = .candidate(candidate)
                if candidate.votes.count >= quorum { try becomeLeader() }
            }
        case let .heartbeat(lastIndex, lastTerm, commitIndex, readSeq, sentIndex):
            guard try acceptLeader(envelope.from) else { return }
            if log.has(index: lastIndex, term: lastTerm) {
                try log.commit(to: min(commitIndex, lastIndex))
                try applyCommitted()
            }
            send(to: envelope.from, .heartbeatResponse(lastIndex: log.lastIndex, lastTerm: log.lastTerm,
                                                       sentIndex: sentIndex, readSeq: readSeq))
        case let .append(baseIndex, baseTerm, entries, commitIndex):
            guard try acceptLeader(envelope.from) else { return }
            try handleAppend(from: envelope.from, baseIndex: baseIndex, baseTerm: baseTerm,
                             entries: entries, commitIndex: commitIndex, leaderTerm: envelope.term)
        case let .heartbeatResponse(lastIndex, lastTerm, sentIndex, readSeq):
            if case .leader(let leader) = role {
                try handleHeartbeatResponse(leader, from: envelope.from, lastIndex: lastIndex, lastTerm: lastTerm,
                                            sentIndex: sentIndex, readSeq: readSeq)
            }
        case let .appendAccepted(matchIndex):
            if case .leader(let leader) = role { try handleAppendAccepted(leader, from: envelope.from, matchIndex: matchIndex) }
        case let .appendRejected(rejectedBase, hintIndex):
            if case .leader(let leader) = role {
                handleAppendRejected(leader, from: envelope.from, rejectedBase: rejectedBase, hintIndex: hintIndex)
            }
        case .preVote, .preVoteResponse, .clientRequest, .clientResponse:
            break  // handled above
        }
    }

    /// A heartbeat or append from `from` in the current term: `from` is the leader. Returns
    /// false if this node cannot follow it (it leads this term itself, which would be a bug).
    private func acceptLeader(_ from: NodeID) throws -> Bool {
        switch role {
        case .leader:
            return false
        case .candidate:
            try becomeFollower(term: log.term, leader: from)
        case .follower(var follower):
            if follower.leader == nil {
                try becomeFollower(term: log.term, leader: from)
            } else if follower.leader != from {
                return false
            } else {
                follower.elapsed = 0
                role = .follower(follower)
            }
        }
        return true
    }

    private func handleAppend(from leader: NodeID, baseIndex: LogIndex, baseTerm: Term, entries: [Entry],
                              commitIndex: LogIndex, leaderTerm: Term) throws {
        guard log.has(index: baseIndex, term: baseTerm) else {
            // Skip the whole conflicting term (or jump to our end) in one round trip.
            var hint = baseIndex > log.lastIndex ? log.lastIndex + 1 : log.firstIndex(ofTermAt: baseIndex)
            hint = min(max(hint, log.commitIndex + 1), max(baseIndex, 1))
            send(to: leader, .appendRejected(rejectedBase: baseIndex, hintIndex: hint))
            return
        }
        // Entries from a peer are checked, never trusted to be well formed (the base is in our
        // log, so these additions cannot overflow).
        var expected = baseIndex + 1
        var previousTerm = baseTerm
        for entry in entries {
            guard entry.index == expected, entry.term >= previousTerm, entry.term <= leaderTerm else { return }
            expected += 1
            previousTerm = entry.term
        }
        try log.splice(entries)
        let match = baseIndex + LogIndex(entries.count)
        try log.commit(to: min(commitIndex, match))
        try applyCommitted()
        send(to: leader, .appendAccepted(matchIndex: match))
    }

    private func handleCampaign(from candidate: NodeID, lastIndex: LogIndex, lastTerm: Term) throws {
        // One vote per term, and none once this term's leader is known.
        let canVote = log.vote == candidate || (log.vote == nil && leaderID == nil)
        guard canVote, isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm) else {
            send(to: candidate, .campaignResponse(granted: false))
            return
        }
        try log.setTerm(log.term, vote: candidate)
        // Granting a vote resets the election timer, so we do not compete with the candidate.
        try becomeFollower(term: log.term, leader: nil)
        send(to: candidate, .campaignResponse(granted: true))
    }

    private func handlePreVote(_ envelope: Envelope, lastIndex: LogIndex, lastTerm: Term) {
        let granted = envelope.term > log.term && !heardFromLeaderRecently
            && isUpToDate(lastIndex: lastIndex, lastTerm: lastTerm)
        // A yes carries the proposed term so the pre-candidate can match it to its round; a no
        // carries ours, which moves the pre-candidate forward if we are ahead.
        outbox.append(Envelope(from: id, to: envelope.from, term: granted ? envelope.term : log.term,
                               message: .preVoteResponse(granted: granted)))
    }

    private func handlePreVoteGranted(_ envelope: Envelope) throws {
        guard case .candidate(var candidate) = role, candidate.preVote, envelope.term == log.term + 1 else { return }
        candidate.votes.insert(envelope.from)
        role = .candidate(candidate)
        if candidate.votes.count >= quorum { try becomeCandidate() }
    }

    // MARK: - Transitions

    /// Becomes a follower in `term` (which may be the current one) of `leader`, if known.
    /// Allowed from every role. Pending requests fail if the leader changes.
    func becomeFollower(term: Term, leader: NodeID?) throws {
        precondition(term >= log.term, "terms never go back")
        let termChanged = term > log.term
        if termChanged { try log.setTerm(term, vote: nil) }
        switch role {
        case .leader(let old):
            failPending(old)
        case .follower(var follower):
            if !termChanged && follower.leader == leader {
                follower.elapsed = 0  // same leader, same term: just restart the timer
                role = .follower(follower)
                return
            }
            failForwarded(follower)
        case .candidate:
            break
        }
        role = .follower(Follower(leader: leader, timeout: randomTimeout()))
    }

    /// The election timer fired: start a pre-vote round, or a real election without pre-vote.
    private func startElection() throws {
        if case .follower(let follower) = role { failForwarded(follower) }
        if options.preVote { try becomePreCandidate() } else { try becomeCandidate() }
    }

    /// Asks the peers whether they would vote for us in the next term, without raising ours.
    private func becomePreCandidate() throws {
        if case .leader = role { preconditionFailure("a leader does not campaign") }
        role = .candidate(Candidate(preVote: true, votes: [id], timeout: randomTimeout()))
        for peer in peers.sorted() {
            outbox.append(Envelope(from: id, to: peer, term: log.term + 1,
                                   message: .preVote(lastIndex: log.lastIndex, lastTerm: log.lastTerm)))
        }
        if quorum == 1 { try becomeCandidate() }
    }

    /// Raises the term, votes for itself and asks the peers for their votes.
    private func becomeCandidate() throws {
        if case .leader = role { preconditionFailure("a leader does not campaign") }
        try log.setTerm(log.term + 1, vote: id)
        role = .candidate(Candidate(preVote: false, votes: [id], timeout: randomTimeout()))
        for peer in peers.sorted() {
            send(to: peer, .campaign(lastIndex: log.lastIndex, lastTerm: log.lastTerm))
        }
        if quorum == 1 { try becomeLeader() }
    }

    /// Won the election: append an empty entry of the new term (so earlier entries can commit)
    /// and start replicating.
    private func becomeLeader() throws {
        guard case .candidate(let candidate) = role, !candidate.preVote else {
            preconditionFailure("only a candidate becomes leader")
        }
        let leader = Leader(peers: peers, lastIndex: log.lastIndex)
        role = .leader(leader)
        try log.append(command: nil)
        for peer in peers.sorted() { sendAppend(leader, to: peer) }
        try maybeCommit(leader)
    }

    // MARK: - Helpers

    /// Only the local client talks to a node as itself, and only with requests.
    private func isLocalRequest(_ envelope: Envelope) -> Bool {
        guard envelope.from == id, case .clientRequest = envelope.message else { return false }
        return true
    }

    /// Terms at or above this are treated as garbage (see `handle`).
    static let maximumTerm: Term = 1 << 62

    /// How many nodes make a majority.
    var quorum: Int { (peers.count + 1) / 2 + 1 }

    /// Whether a log ending at `lastIndex@lastTerm` is at least as up to date as ours.
    private func isUpToDate(lastIndex: LogIndex, lastTerm: Term) -> Bool {
        lastTerm > log.lastTerm || (lastTerm == log.lastTerm && lastIndex >= log.lastIndex)
    }

    /// Whether this node believes a leader is alive: it leads, or heard from its leader within
    /// the minimum election timeout.
    private var heardFromLeaderRecently: Bool {
        switch role {
        case .leader: true
        case .follower(let follower): follower.leader != nil && follower.elapsed < options.electionTimeout.lowerBound
        case .candidate: false
        }
    }

    func randomTimeout() -> Int {
        Int.random(in: options.electionTimeout, using: &random)
    }

    /// Queues a message in the current term.
    func send(to peer: NodeID, _ message: Message) {
        outbox.append(Envelope(from: id, to: peer, term: log.term, message: message))
    }

    /// Ends a call: the leader appends the batch's proposals and runs its read round, the log
    /// is flushed once, and the queued messages are handed out.
    private func finish() throws -> [Envelope] {
        if case .leader(let leader) = role { try finishLeaderBatch(leader) }
        try log.flush()
        defer { outbox = [] }
        return outbox
    }
}
