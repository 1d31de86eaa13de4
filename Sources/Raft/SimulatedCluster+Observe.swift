/// Looking inside the simulated cluster: recorded events for scripts, the message trace for a
/// REPL's `.trace`, and snapshots for drawings.
extension SimulatedCluster {
    // MARK: - Trace

    /// The recorded messages with a sequence number of at least `since`, oldest first; only
    /// the last ``traceLimit`` are kept. Pass ``traceSequence`` read earlier to get what
    /// happened since then.
    /// - Complexity: O(traceLimit), plus describing the events returned.
    public func trace(since: Int = 0) -> [TraceEvent] {
        guard traceLimit > 0 else { return [] }
        let describe = commandDescriber()
        return traceBuffer.suffix(traceLimit).drop { $0.sequence < since }.map { record in
            let message = record.envelope.message
            return TraceEvent(sequence: record.sequence, tick: record.tick, from: record.envelope.from,
                              to: record.envelope.to, term: record.envelope.term, kind: message.kind,
                              summary: message.summary(describing: describe), lost: record.lost, message: message)
        }
    }

    /// Keeps a message in the trace buffer, as is (strings are built only when read).
    func traceRecord(_ envelope: Envelope, lost: String?) {
        guard traceLimit > 0 else { return }
        traceBuffer.append(TraceRecord(sequence: traceSequence, tick: now, envelope: envelope, lost: lost))
        traceSequence += 1
        // Trim in chunks so keeping the buffer bounded costs O(1) per message.
        if traceBuffer.count >= 2 * traceLimit + 64 { traceBuffer.removeFirst(traceBuffer.count - traceLimit) }
    }

    /// Describes commands the way the nodes' state machine does (all nodes run the same kind),
    /// falling back to printable text when every node is down.
    private func commandDescriber() -> ([UInt8]) -> String {
        guard let machine = ids.lazy.compactMap({ self.nodes[$0]?.stateMachine }).first else {
            return { CommandText.describe($0) }
        }
        return { machine.describe($0) }
    }

    // MARK: - Events

    /// Takes the events recorded since the last call (for scenario scripts).
    public func drainEvents() -> [String] {
        defer { events = [] }
        return events
    }

    func record(_ event: @autoclosure () -> String) {
        if recordEvents { events.append(event()) }
    }

    /// `n1@3 leader`, `n2@3 follower(n1)`, `n3 down`, `n3 halted`.
    public func describeNode(_ id: NodeID) -> String {
        guard let node = nodes[id] else { return halts[id] == nil ? "n\(id) down" : "n\(id) halted" }
        let role = node.roleName
        if role == .follower, let leader = node.leaderID { return "n\(id)@\(node.log.term) follower(n\(leader))" }
        return "n\(id)@\(node.log.term) \(role.rawValue)"
    }

    // MARK: - Snapshots

    /// Every node's status (a down node as it was when it went down), partitions and the
    /// trace's most recent messages.
    /// - Complexity: O(total log length), describing every entry.
    public func snapshot() -> RaftClusterSnapshot {
        let statuses = ids.map { id in
            nodes[id]?.status() ?? downStatus[id] ?? RaftNodeStatus(
                id: id, role: .follower, term: 0, vote: nil, leader: nil, lastIndex: 0, lastTerm: 0, commitIndex: 0,
                commitTerm: 0, appliedIndex: 0, progress: [], entries: [], crashed: true)
        }
        return RaftClusterSnapshot(tick: now, nodes: statuses, partitions: partitions, trace: trace())
    }

    /// Node `id`'s status, entries only from `from` through `through` (a long log's window).
    /// Nil for a node not in the cluster.
    public func status(_ id: NodeID, entriesFrom from: LogIndex = 1, through: LogIndex = .max) -> RaftNodeStatus? {
        guard ids.contains(id) else { return nil }
        if let node = nodes[id] { return node.status(entriesFrom: from, through: through) }
        guard var status = downStatus[id] else { return nil }
        status.entries = status.entries.filter { $0.index >= from && $0.index <= through }
        return status
    }
}

/// What ``SimulatedCluster/deliverOne()`` did with the oldest message in flight.
public struct Delivery: Sendable, Hashable, CustomStringConvertible {
    /// The message.
    public var envelope: Envelope
    /// Why it was dropped instead of delivered ("n2 is down", "partition"); nil if delivered.
    public var lost: String?

    /// A delivery of `envelope`, dropped for `lost` if given.
    public init(envelope: Envelope, lost: String?) {
        self.envelope = envelope
        self.lost = lost
    }

    /// `n1@3 → n2 Append base=5@2 [6@3] commit=5 (dropped: n2 is down)`.
    public var description: String {
        envelope.description + (lost.map { " (dropped: \($0))" } ?? "")
    }
}

/// A misuse of the simulator (unknown node, restarting a running one…), with a message a REPL
/// can print as is.
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No node with this id.
    case unknownNode(NodeID)
    /// The node is down (crashed), so it cannot take requests.
    case nodeDown(NodeID)
    /// Crashing a node that is already down.
    case alreadyDown(NodeID)
    /// Restarting a node that is running.
    case alreadyRunning(NodeID)
    /// The node is down because its state machine failed (the reason).
    case halted(NodeID, String)
    /// Any other misuse, explained.
    case invalid(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unknownNode(let id): "no node n\(id) in this cluster"
        case .nodeDown(let id): "n\(id) is down"
        case .alreadyDown(let id): "n\(id) is already down"
        case .alreadyRunning(let id): "n\(id) is running"
        case let .halted(id, reason): "n\(id) halted: \(reason)"
        case .invalid(let message): message
        }
    }
}
