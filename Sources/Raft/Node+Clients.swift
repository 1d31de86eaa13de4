/// Client requests: the leader serves them, a follower forwards its local client's requests to
/// the leader and relays the answer, and whatever is pending when leadership changes fails with
/// a retryable error (the client cannot know whether a write was applied, so it must retry
/// with care, e.g. idempotently).
extension RaftNode {
    /// Answers a client request: to the local client (an envelope to ourselves) or a peer.
    func respond(to from: NodeID, id request: RequestID, _ result: Result<ClientResponse, RaftError>) {
        send(to: from, .clientResponse(id: request, result: result))
    }

    func handleClientRequest(from: NodeID, id request: RequestID, request body: ClientRequest) throws {
        switch role {
        case .leader(let leader):
            try leaderHandle(leader, from: from, id: request, request: body)
        case .follower(var follower):
            guard from == id, let leader = follower.leader else {
                respond(to: from, id: request, .failure(.noLeader))
                return
            }
            follower.forwarded.insert(request)
            role = .follower(follower)
            send(to: leader, .clientRequest(id: request, request: body))
        case .candidate:
            respond(to: from, id: request, .failure(.noLeader))
        }
    }

    func handleClientResponse(id request: RequestID, result: Result<ClientResponse, RaftError>) {
        guard case .follower(var follower) = role, follower.forwarded.remove(request) != nil else { return }
        role = .follower(follower)
        respond(to: id, id: request, result)
    }

    /// Fails the local client's forwarded requests: the leader they went to is gone.
    func failForwarded(_ follower: Follower) {
        for request in follower.forwarded.sorted(by: { $0.sequence < $1.sequence }) {
            respond(to: id, id: request, .failure(.leadershipLost))
        }
    }

    /// Fails every request a stepping-down leader still owes an answer.
    func failPending(_ leader: Leader) {
        for index in leader.writes.keys.sorted() {
            if let pending = leader.writes[index] { respond(to: pending.from, id: pending.id, .failure(.leadershipLost)) }
        }
        for proposal in leader.proposals { respond(to: proposal.from, id: proposal.id, .failure(.leadershipLost)) }
        for read in leader.reads { respond(to: read.from, id: read.id, .failure(.leadershipLost)) }
        leader.writes = [:]
        leader.proposals = []
        leader.reads = []
    }
}
