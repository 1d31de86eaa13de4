import Storage

/// Faults and node controls of the simulated cluster (a REPL's `.partition`, `.kill`,
/// `.restart`), and taking down a node whose state machine failed.
extension SimulatedCluster {
    // MARK: - Faults

    /// Splits the network: nodes in one group talk only to each other. Nodes not named form
    /// one more group. Messages already in flight across the cut are lost.
    /// - Throws: ``SimulationError`` for an unknown node, an empty group or a node named twice.
    public func partition(_ groups: [[NodeID]]) throws {
        var named = Set<NodeID>()
        var result: [[NodeID]] = []
        for members in groups {
            guard !members.isEmpty else { throw SimulationError.invalid("a partition group needs at least one node") }
            for member in members {
                guard ids.contains(member) else { throw SimulationError.unknownNode(member) }
                guard named.insert(member).inserted else { throw SimulationError.invalid("n\(member) is in two groups") }
            }
            result.append(members.sorted())
        }
        let rest = ids.filter { !named.contains($0) }
        if !rest.isEmpty { result.append(rest) }
        partitions = result
        group = [:]
        for (number, members) in result.enumerated() { for member in members { group[member] = number } }
        record("partition " + result.map { $0.map { "n\($0)" }.joined(separator: " ") }.joined(separator: " | "))
    }

    /// Rejoins every node to one network.
    public func heal() {
        partitions = []
        group = [:]
        record("heal")
    }

    /// Crashes a node: its volatile state (role, timers, in-flight client requests) is lost and
    /// the cluster drops its storage; what survives is up to the opener.
    /// - Throws: ``SimulationError/unknownNode(_:)``, ``SimulationError/alreadyDown(_:)``.
    public func crash(_ id: NodeID) throws {
        guard ids.contains(id) else { throw SimulationError.unknownNode(id) }
        guard let node = nodes[id] else { throw SimulationError.alreadyDown(id) }
        takeDown(node, halt: nil)
        record("n\(id) crashed")
    }

    /// Restarts a down (crashed or halted) node on storage from the opener; it re-applies
    /// committed entries its state machine lacks.
    /// - Throws: ``SimulationError/unknownNode(_:)``, ``SimulationError/alreadyRunning(_:)``,
    ///   ``SimulationError/halted(_:_:)`` if its state machine fails again while re-applying.
    public func restart(_ id: NodeID) throws {
        guard ids.contains(id) else { throw SimulationError.unknownNode(id) }
        guard nodes[id] == nil else { throw SimulationError.alreadyRunning(id) }
        try start(id)
        safety.restarted(id)
        record("n\(id) restarted: " + describeNode(id))
        try checkSafety()
    }

    /// Whether node `id` is up.
    public func isRunning(_ id: NodeID) -> Bool { nodes[id] != nil }

    /// Why node `id` halted (its state machine failed), while it is down because of that.
    public func haltReason(_ id: NodeID) -> String? { halts[id].map { "\($0)" } }

    /// The running node `id`, for tests that look closer.
    public func node(_ id: NodeID) -> RaftNode? { nodes[id] }

    /// The leaders among running nodes (at most one per term; stale ones can linger).
    public var leaders: [NodeID] {
        ids.filter { nodes[$0]?.roleName == .leader }
    }

    /// The state machine of running node `id`.
    public func stateMachine(_ id: NodeID) -> (any StateMachine)? { nodes[id]?.stateMachine }

    /// The state machine of running node `id` if it is a ``KVStateMachine`` (the default).
    public func kvStateMachine(_ id: NodeID) -> KVStateMachine? { nodes[id]?.stateMachine as? KVStateMachine }

    /// The log engine of node `id`: the running node's, or for a down node the engine a cluster
    /// made with `makeEngine:` keeps across crashes.
    public func storage(_ id: NodeID) -> (any StorageEngine)? { nodes[id]?.log.engine ?? keptEngines[id] }

    /// The running node `id`.
    /// - Throws: ``SimulationError`` if it is unknown, down or halted.
    func running(_ id: NodeID) throws -> RaftNode {
        guard ids.contains(id) else { throw SimulationError.unknownNode(id) }
        if let node = nodes[id] { return node }
        if let halt = halts[id] { throw SimulationError.halted(id, "\(halt)") }
        throw SimulationError.nodeDown(id)
    }

    func start(_ id: NodeID) throws {
        let storage = try open(id)
        let log = try RaftLog(engine: storage.log)
        restarts += 1
        do {
            let node = try RaftNode(id: id, peers: Set(ids.filter { $0 != id }), log: log,
                                    stateMachine: storage.stateMachine, options: options,
                                    seed: seed &+ UInt64(restarts) &* 0xD1B5_4A32_D192_ED03)
            nodes[id] = node
            downStatus[id] = nil
            halts[id] = nil
        } catch let failure as RaftError {
            guard case .stateMachineFailed = failure else { throw failure }
            var status = RaftNodeStatus(log: log, id: id, describe: storage.stateMachine.describe)
            status.appliedIndex = storage.stateMachine.appliedIndex
            halted(id, status: status, failure: failure)
            throw SimulationError.halted(id, "\(failure)")
        }
    }

    /// Takes a running node down: keeps its status for snapshots and drops the node (and with
    /// it the cluster's references to its storage). `halt` is the failure that stopped it.
    func takeDown(_ node: RaftNode, halt: RaftError?) {
        var status = node.status()
        status.progress = []
        status.leader = nil
        if let halt {
            halted(node.id, status: status, failure: halt)
        } else {
            status.crashed = true
            downStatus[node.id] = status
            halts[node.id] = nil
        }
        nodes[node.id] = nil
    }

    private func halted(_ id: NodeID, status: RaftNodeStatus, failure: RaftError) {
        var status = status
        status.crashed = true
        status.halted = "\(failure)"
        downStatus[id] = status
        halts[id] = failure
        record("n\(id) halted: \(failure)")
    }
}
