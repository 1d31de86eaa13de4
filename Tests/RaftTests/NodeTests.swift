import Raft
import Storage
import Testing

/// Focused checks of one node: batching, votes surviving restarts, hostile peer input, and that
/// the simulator's safety checks do catch a broken invariant.
@Suite struct NodeTests {
    /// Elects n1 in a 3-node cluster and returns the cluster with everything settled.
    func elected(batch: Bool) throws -> SimulatedCluster {
        var options = NodeOptions()
        options.batchProposals = batch
        let cluster = try SimulatedCluster(nodes: 3, seed: 9, options: options)
        cluster.recordEvents = false
        try cluster.campaign(1)
        try cluster.stabilize()
        #expect(cluster.leaders == [1])
        return cluster
    }

    @Test func proposalsArrivingTogetherShareOneAppendAndOneFlush() throws {
        for batch in [true, false] {
            let cluster = try elected(batch: batch)
            let leader = try #require(cluster.node(1))
            let flushesBefore = leader.log.flushCount
            let envelopes = (1...5).map { i in
                Envelope(from: 1, to: 1, term: 0,
                         message: .clientRequest(id: RequestID(origin: 1, sequence: UInt64(100 + i)), request: .write(Array("put k=\(i)".utf8))))
            }
            let sent = try leader.step(envelopes)
            let appends = sent.filter { if case .append = $0.message { true } else { false } }
            #expect(leader.log.lastIndex == 6)
            if batch {
                #expect(leader.log.flushCount - flushesBefore == 1)
                #expect(appends.count == 2)  // one per follower, carrying all five entries
            } else {
                #expect(leader.log.flushCount - flushesBefore == 5)
                #expect(appends.count == 10)
            }
        }
    }

    @Test func aVoteSurvivesARestartSoNoNodeVotesTwiceInATerm() throws {
        let storage = MemoryEngine()
        var options = NodeOptions()
        options.checkQuorum = false
        let node = try RaftNode(id: 3, peers: [1, 2], log: RaftLog(engine: storage), stateMachine: KVStateMachine(), options: options, seed: 1)
        let yes = try node.step(Envelope(from: 1, to: 3, term: 1, message: .campaign(lastIndex: 0, lastTerm: 0)))
        #expect(yes.map(\.message) == [.campaignResponse(granted: true)])

        let restarted = try RaftNode(id: 3, peers: [1, 2], log: RaftLog(engine: storage), stateMachine: KVStateMachine(), options: options, seed: 2)
        let no = try restarted.step(Envelope(from: 2, to: 3, term: 1, message: .campaign(lastIndex: 0, lastTerm: 0)))
        #expect(no.map(\.message) == [.campaignResponse(granted: false)])
        #expect(restarted.log.vote == 1)
    }

    @Test func aCandidateWithAnOlderLogGetsNoVote() throws {
        let log = try RaftLog(engine: MemoryEngine())
        try log.setTerm(2, vote: nil)
        try log.append(command: nil)
        let node = try RaftNode(id: 2, peers: [1, 3], log: log, stateMachine: KVStateMachine(), seed: 1)
        let reply = try node.step(Envelope(from: 1, to: 2, term: 3, message: .campaign(lastIndex: 5, lastTerm: 1)))
        #expect(reply.map(\.message) == [.campaignResponse(granted: false)])
        #expect(node.log.term == 3 && node.log.vote == nil)
    }

    @Test func malformedOrStrayMessagesAreIgnored() throws {
        let node = try RaftNode(id: 2, peers: [1, 3], log: RaftLog(engine: MemoryEngine()), stateMachine: KVStateMachine(), seed: 1)
        // Entries with a gap, a term above the leader's, and a message from a stranger.
        let gap = Envelope(from: 1, to: 2, term: 1, message: .append(baseIndex: 0, baseTerm: 0, entries: [
            Entry(index: 1, term: 1, command: nil), Entry(index: 3, term: 1, command: nil)], commitIndex: 3))
        let future = Envelope(from: 1, to: 2, term: 1, message: .append(baseIndex: 0, baseTerm: 0, entries: [
            Entry(index: 1, term: 7, command: nil)], commitIndex: 1))
        let stranger = Envelope(from: 9, to: 2, term: 50, message: .heartbeat(lastIndex: 0, lastTerm: 0, commitIndex: 0, readSeq: 0, sentIndex: 0))
        let misaddressed = Envelope(from: 1, to: 3, term: 60, message: .campaign(lastIndex: 0, lastTerm: 0))
        let absurdTerm = Envelope(from: 1, to: 2, term: .max, message: .campaign(lastIndex: .max, lastTerm: .max))
        let absurdBase = Envelope(from: 1, to: 2, term: 1, message: .append(baseIndex: .max, baseTerm: 1, entries: [
            Entry(index: 0, term: 1, command: nil)], commitIndex: .max))
        let fromItself = Envelope(from: 2, to: 2, term: 40, message: .heartbeat(lastIndex: 0, lastTerm: 0, commitIndex: 0, readSeq: 0, sentIndex: 0))
        _ = try node.step([gap, future, stranger, misaddressed, absurdTerm, absurdBase, fromItself])
        #expect(node.log.lastIndex == 0)
        #expect(node.log.commitIndex == 0)
        #expect(node.log.term == 1)
    }

    @Test func requestsToANodeWithoutALeaderFailRetryably() throws {
        let node = try RaftNode(id: 1, peers: [2, 3], log: RaftLog(engine: MemoryEngine()), stateMachine: KVStateMachine(), seed: 1)
        let reply = try node.propose(Array("put x=1".utf8), id: RequestID(origin: 1, sequence: 1))
        guard case .clientResponse(_, .failure(let error)) = reply.first?.message else {
            Issue.record("expected a failure response, got \(reply)")
            return
        }
        #expect(error == .noLeader)
        #expect(error.isRetryable)
    }

    @Test func theSafetyCheckerCatchesARewrittenCommittedEntry() throws {
        let cluster = try elected(batch: true)
        try cluster.propose(1, "put x=1")
        try cluster.stabilize()
        try cluster.tick(4)
        try cluster.crash(2)
        // Tamper with n2's durable copy of committed entry 2: a different command, same term.
        let storage = try #require(cluster.storage(2))
        try storage.set([0x01, 0, 0, 0, 0, 0, 0, 0, 2], [1, 1, 9] + Array("put x=666".utf8))
        #expect(throws: SafetyViolation.self) { try cluster.restart(2) }
    }

    @Test func theApplicationsErrorsReachTheClient() throws {
        let cluster = try elected(batch: true)
        let request = try cluster.propose(1, "frobnicate")
        try cluster.stabilize()
        #expect(cluster.responses[request] == .failure(.application("unknown command frobnicate (use put k=v or delete k)")))
        let read = try cluster.read(1, "get x")
        try cluster.stabilize()
        #expect(cluster.responses[read] == .success(.read(Array("(none)".utf8))))
    }
}
