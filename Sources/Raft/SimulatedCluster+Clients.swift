/// Clients of the simulated cluster: each request goes to one node (as its local client would
/// send it) and its outcome waits in ``SimulatedCluster/responses`` until taken.
extension SimulatedCluster {
    /// A client of node `id` proposes a write; returns the request's id. The outcome can be
    /// taken with ``takeResponse(_:)`` once the node answers.
    /// - Throws: ``SimulationError`` if the node is unknown, down or halted.
    @discardableResult
    public func propose(_ id: NodeID, command: [UInt8]) throws -> RequestID {
        try propose(id, commands: [command])[0]
    }

    /// Clients of node `id` propose several writes that arrive together, as one batch.
    /// - Throws: ``SimulationError`` if the node is unknown, down or halted.
    @discardableResult
    public func propose(_ id: NodeID, commands: [[UInt8]]) throws -> [RequestID] {
        try send(id, commands.map { ClientRequest.write($0) })
    }

    /// A client of node `id` reads linearizably; the outcome arrives like a write's.
    /// - Throws: ``SimulationError`` if the node is unknown, down or halted.
    @discardableResult
    public func read(_ id: NodeID, query: [UInt8]) throws -> RequestID {
        try send(id, [.read(query)])[0]
    }

    /// Removes and returns the outcome of a finished request; nil while it is pending (or if it
    /// was taken already). Taking keeps ``responses`` small in a long-running session.
    public func takeResponse(_ request: RequestID) -> Result<ClientResponse, RaftError>? {
        responses.removeValue(forKey: request)
    }

    /// ``propose(_:command:)`` with a UTF-8 command, for scripts and tests.
    @discardableResult
    public func propose(_ id: NodeID, _ command: String) throws -> RequestID {
        try propose(id, command: Array(command.utf8))
    }

    /// ``propose(_:commands:)`` with UTF-8 commands, for scripts and tests.
    @discardableResult
    public func propose(_ id: NodeID, batch commands: [String]) throws -> [RequestID] {
        try propose(id, commands: commands.map { Array($0.utf8) })
    }

    /// ``read(_:query:)`` with a UTF-8 query, for scripts and tests.
    @discardableResult
    public func read(_ id: NodeID, _ query: String) throws -> RequestID {
        try read(id, query: Array(query.utf8))
    }

    /// Hands requests to node `id` together, as one batch. If the node halts meanwhile, the
    /// requests that got no answer fail with its failure rather than wait forever.
    private func send(_ id: NodeID, _ bodies: [ClientRequest]) throws -> [RequestID] {
        let node = try running(id)
        let requests = bodies.map { _ in
            let sequence = nextRequest[id, default: 0] + 1
            nextRequest[id] = sequence
            return RequestID(origin: id, sequence: sequence)
        }
        let envelopes = zip(requests, bodies).map { request, body in
            Envelope(from: id, to: id, term: 0, message: .clientRequest(id: request, request: body))
        }
        for envelope in envelopes { traceRecord(envelope, lost: nil) }
        if let failure = try call(node, { try $0.step(envelopes) }) {
            for request in requests where responses[request] == nil { responses[request] = .failure(failure) }
        }
        try checkSafety()
        return requests
    }
}
