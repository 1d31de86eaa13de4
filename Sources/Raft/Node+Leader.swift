/// The leader's half of the protocol: heartbeats and check-quorum, replication with fast
/// back-off and pipelining, commit by majority, and client writes and reads.
extension RaftNode {
    // MARK: - Time

    func tickLeader(_ leader: Leader) throws {
        leader.heartbeatElapsed += 1
        if leader.heartbeatElapsed >= options.heartbeatInterval { broadcastHeartbeat(leader) }
        guard options.checkQuorum else { return }
        leader.quorumElapsed += 1
        if leader.quorumElapsed >= options.electionTimeout.lowerBound {
            if leader.heardFrom.count + 1 < quorum {
                // Cut off from the majority: another leader may exist. Step down and fail
                // pending requests rather than keep serving as a stale leader.
                try becomeFollower(term: log.term, leader: nil)
                return
            }
            leader.heardFrom = []
            leader.quorumElapsed = 0
        }
    }

    func broadcastHeartbeat(_ leader: Leader) {
        leader.heartbeatElapsed = 0
        for peer in peers.sorted() {
            let sent = (leader.progress[peer]?.next ?? 1) - 1
            send(to: peer, .heartbeat(lastIndex: log.lastIndex, lastTerm: log.lastTerm,
                                      commitIndex: log.commitIndex, readSeq: leader.readSeq, sentIndex: sent))
        }
    }

    // MARK: - Clients

    func leaderHandle(_ leader: Leader, from: NodeID, id request: RequestID, request body: ClientRequest) throws {
        switch body {
        case .write(let command):
            if options.batchProposals {
                leader.proposals.append((from, request, command))
            } else {
                try appendProposals(leader, [(from, request, command)])
                try log.flush()  // without batching every proposal pays its own flush
            }
        case .read(let query):
            if !leader.readRoundPending {
                leader.readSeq += 1
                leader.readRoundPending = true
            }
            leader.reads.append(PendingRead(seq: leader.readSeq, from: from, id: request, query: query,
                                            readIndex: log.commitIndex))
        }
    }

    /// Ends a batch: the proposals received together become one append, one flush and one
    /// `Append` per follower; reads received together share one heartbeat round.
    func finishLeaderBatch(_ leader: Leader) throws {
        if !leader.proposals.isEmpty {
            let proposals = leader.proposals
            leader.proposals = []
            try appendProposals(leader, proposals)
        }
        if leader.readRoundPending {
            leader.readRoundPending = false
            broadcastHeartbeat(leader)
        }
        try serveReads(leader)
    }

    private func appendProposals(_ leader: Leader, _ proposals: [(from: NodeID, id: RequestID, command: [UInt8])]) throws {
        for proposal in proposals {
            let index = try log.append(command: proposal.command)
            leader.writes[index] = PendingWrite(from: proposal.from, id: proposal.id)
        }
        for peer in peers.sorted() { sendAppend(leader, to: peer) }
        try maybeCommit(leader)
    }

    // MARK: - Replication

    /// Sends the follower the entries from its next index (possibly none: a probe), and
    /// advances the next index past them without waiting for the answer (pipelining).
    func sendAppend(_ leader: Leader, to peer: NodeID, probe: Bool = false) {
        guard var progress = leader.progress[peer] else { return }
        progress.next = min(max(progress.next, progress.match + 1), log.lastIndex + 1)
        let base = progress.next - 1
        if probe { progress.probeBase = base }
        let entries = log.entries(from: progress.next, limit: options.maxAppendEntries)
        if let last = entries.last { progress.next = last.index + 1 }
        leader.progress[peer] = progress
        send(to: peer, .append(baseIndex: base, baseTerm: log.term(at: base) ?? 0, entries: entries,
                               commitIndex: log.commitIndex))
    }

    func handleHeartbeatResponse(_ leader: Leader, from peer: NodeID, lastIndex: LogIndex, lastTerm: Term,
                                 sentIndex: LogIndex, readSeq: UInt64) throws {
        guard var progress = leader.progress[peer] else { return }
        leader.heardFrom.insert(peer)
        progress.readSeq = max(progress.readSeq, readSeq)
        let matches = log.has(index: lastIndex, term: lastTerm)
        if matches {
            // Log matching: sharing the follower's last entry means sharing everything before.
            progress.match = max(progress.match, lastIndex)
            if lastIndex < sentIndex {
                // It lacked entries sent to it before the heartbeat: they were probably lost (or
                // are late). Resend from its end; at worst a duplicate, which it ignores.
                progress.next = progress.match + 1
                progress.probeBase = nil
            } else {
                progress.next = max(progress.next, progress.match + 1)
            }
        } else if let probe = progress.probeBase {
            // A probe is under way (possibly lost): repeat it rather than start a new one from
            // an optimistic next index, which would make its answer look stale.
            progress.next = max(progress.match + 1, probe + 1)
        } else {
            progress.next = max(progress.match + 1, lastIndex < progress.next ? lastIndex + 1 : progress.next)
        }
        leader.progress[peer] = progress
        try maybeCommit(leader)
        if !matches {
            sendAppend(leader, to: peer, probe: true)
        } else if progress.match < log.lastIndex && progress.next <= log.lastIndex {
            sendAppend(leader, to: peer)
        }
        try serveReads(leader)
    }

    func handleAppendAccepted(_ leader: Leader, from peer: NodeID, matchIndex: LogIndex) throws {
        guard var progress = leader.progress[peer], matchIndex <= log.lastIndex else { return }
        leader.heardFrom.insert(peer)
        progress.match = max(progress.match, matchIndex)
        progress.next = max(progress.next, progress.match + 1)
        if let probe = progress.probeBase, matchIndex >= probe { progress.probeBase = nil }
        leader.progress[peer] = progress
        try maybeCommit(leader)
        if progress.next <= log.lastIndex { sendAppend(leader, to: peer) }
    }

    func handleAppendRejected(_ leader: Leader, from peer: NodeID, rejectedBase: LogIndex, hintIndex: LogIndex) {
        guard var progress = leader.progress[peer] else { return }
        leader.heardFrom.insert(peer)
        // Stale: the follower has since matched past it, or we are already probing elsewhere.
        if rejectedBase < progress.match { return }
        if let probe = progress.probeBase, probe != rejectedBase { return }
        progress.next = max(min(hintIndex, rejectedBase), progress.match + 1)
        leader.progress[peer] = progress
        sendAppend(leader, to: peer, probe: true)
    }

    /// Commits the highest index a majority stores, if it is an entry of the current term
    /// (figure 8: counting replicas of an older term's entry is not enough).
    func maybeCommit(_ leader: Leader) throws {
        var matches = leader.progress.values.map(\.match)
        matches.append(log.lastIndex)
        matches.sort(by: >)
        let majorityIndex = matches[quorum - 1]
        guard majorityIndex > log.commitIndex, log.term(at: majorityIndex) == log.term else { return }
        try log.commit(to: majorityIndex)
        try applyCommitted()
        try serveReads(leader)
    }

    /// Serves the reads whose heartbeat round a majority has answered, once the leader has
    /// committed an entry of its term (so its commit index covers every earlier write).
    func serveReads(_ leader: Leader) throws {
        guard !leader.reads.isEmpty, log.commitTerm == log.term else { return }
        var confirmed = leader.progress.values.map(\.readSeq)
        confirmed.append(leader.readSeq)
        confirmed.sort(by: >)
        let majoritySeq = confirmed[quorum - 1]
        var waiting: [PendingRead] = []
        for read in leader.reads {
            guard read.seq <= majoritySeq, stateMachine.appliedIndex >= read.readIndex else {
                waiting.append(read)
                continue
            }
            let result: Result<ClientResponse, RaftError>
            do {
                result = .success(.read(try stateMachine.read(read.query)))
            } catch RaftError.application(let message) {
                result = .failure(.application(message))
            } catch {
                // A read changes nothing, so whatever went wrong is the client's answer.
                result = .failure(.application("\(error)"))
            }
            respond(to: read.from, id: read.id, result)
        }
        leader.reads = waiting
    }
}
