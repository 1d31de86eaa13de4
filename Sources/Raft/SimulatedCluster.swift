import Encoding
import Storage

/// A whole Raft cluster in one process, driven by ticks and one seed: N nodes, a network that
/// can drop, duplicate, delay (and so reorder) messages, partitions, crashes and restarts.
///
/// Everything is deterministic: the same seed and the same calls give the same run, message for
/// message. After every tick and every delivery round the cluster checks Raft's safety
/// properties (see `SimulatedCluster+Safety.swift`) and throws ``SafetyViolation`` with the
/// seed and tick if one fails.
///
/// Each node's durable state lives in a storage engine (a `MemoryEngine` unless another is
/// given) that survives the node's crash; its state
/// machine (a ``KVStateMachine``) is volatile, so a restarted node re-applies committed entries.
public final class SimulatedCluster {
    /// How unreliable the network is; all zero by default.
    public struct Faults: Sendable, Hashable {
        /// The chance a message is lost.
        public var dropRate = 0.0
        /// The chance a message is delivered twice.
        public var duplicateRate = 0.0
        /// Up to this many extra ticks of delay per message, which reorders them.
        public var maxExtraDelay = 0

        public init(dropRate: Double = 0, duplicateRate: Double = 0, maxExtraDelay: Int = 0) {
            self.dropRate = dropRate
            self.duplicateRate = duplicateRate
            self.maxExtraDelay = maxExtraDelay
        }
    }

    /// A message on its way.
    struct InFlight {
        var deliverAt: Int
        var sequence: Int
        var envelope: Envelope
    }

    /// The seed the whole run derives from.
    public let seed: UInt64
    /// The node identities, 1...N.
    public let ids: [NodeID]
    public let options: NodeOptions
    /// The simulated time.
    public private(set) var now = 0
    /// The network's unreliability, changeable at any time.
    public var faults = Faults()
    /// Ticks a message takes before extra delay.
    public var latency = 1
    /// Whether to record human-readable events (transitions, messages, responses) for scripts.
    public var recordEvents = true
    /// Whether recorded events include every message sent.
    public var recordMessages = true
    /// How many recent messages the trace keeps for snapshots (0: no trace).
    public var traceLimit = 100
    /// Whether to check the safety properties after every step (on unless a benchmark wants
    /// to time the protocol alone).
    public var checksSafety = true

    private(set) var nodes: [NodeID: RaftNode] = [:]
    let storages: [NodeID: any StorageEngine]
    private(set) var stateMachines: [NodeID: KVStateMachine] = [:]
    private var network: [InFlight] = []
    private var nextSequence = 0
    private var random: SplitMix64
    private var restarts = 0
    /// Partition groups: nodes in different groups cannot talk. Empty when whole.
    public private(set) var partitions: [[NodeID]] = []
    private var group: [NodeID: Int] = [:]
    private var trace: [TraceEvent] = []
    private var events: [String] = []
    /// Client outcomes by request, as the node the client talked to reported them.
    public private(set) var responses: [RequestID: Result<ClientResponse, RaftError>] = [:]
    private var nextRequest: [NodeID: UInt64] = [:]
    var safety = SafetyState()

    /// Starts `nodes` nodes (ids 1...nodes, at most 255) as followers with empty logs, each storing its
    /// durable state in the engine `makeEngine` returns for it (memory by default).
    public init(nodes count: Int, seed: UInt64, options: NodeOptions = NodeOptions(),
                makeEngine: (NodeID) throws -> any StorageEngine = { _ in MemoryEngine() }) throws {
        guard (1...255).contains(count) else { throw SimulationError.invalid("a cluster has 1 to 255 nodes, not \(count)") }
        self.seed = seed
        self.options = options
        ids = (1...count).map { NodeID($0) }
        random = SplitMix64(seed: seed)
        storages = Dictionary(uniqueKeysWithValues: try ids.map { ($0, try makeEngine($0)) })
        for id in ids { try start(id) }
    }

    // MARK: - Time and delivery

    /// Advances time by one tick: every live node ticks, then the messages due are delivered.
    public func tick() throws {
        now += 1
        for id in ids {
            guard let node = nodes[id] else { continue }
            try call(node) { try $0.tick() }
        }
        try deliver(dueOnly: true)
        try checkSafety()
    }

    /// Advances time by `count` ticks.
    public func tick(_ count: Int) throws {
        for _ in 0..<count { try tick() }
    }

    /// Delivers every message now in flight, ignoring delays (one round; replies stay queued).
    public func deliverAll() throws {
        try deliver(dueOnly: false)
        try checkSafety()
    }

    /// Delivers messages, round after round, until none are in flight (no time passes, so no
    /// new heartbeats or elections start). Stops after `maxRounds` rounds.
    public func stabilize(maxRounds: Int = 1000) throws {
        var rounds = 0
        while !network.isEmpty && rounds < maxRounds {
            try deliverAll()
            rounds += 1
        }
    }

    /// Whether any message is in flight.
    public var messagesInFlight: Int { network.count }

    private func deliver(dueOnly: Bool) throws {
        let due = dueOnly ? network.filter { $0.deliverAt <= now } : network
        guard !due.isEmpty else { return }
        network = dueOnly ? network.filter { $0.deliverAt > now } : []
        let ordered = due.sorted { ($0.deliverAt, $0.sequence) < ($1.deliverAt, $1.sequence) }
        // Messages reaching one node in the same round arrive together, as one batch.
        var batches: [NodeID: [Envelope]] = [:]
        for flight in ordered {
            let envelope = flight.envelope
            guard nodes[envelope.to] != nil, connected(envelope.from, envelope.to) else { continue }
            batches[envelope.to, default: []].append(envelope)
        }
        for id in ids {
            guard let batch = batches[id], let node = nodes[id] else { continue }
            try call(node) { try $0.step(batch) }
        }
    }

    // MARK: - Clients

    /// A client of node `id` proposes a write; returns the request's id. The outcome appears in
    /// ``responses`` once the node answers.
    /// - Throws: ``SimulationError/nodeDown(_:)`` if the node is crashed.
    @discardableResult
    public func propose(_ id: NodeID, _ command: String) throws -> RequestID {
        try request(id) { node, request in try node.propose(Array(command.utf8), id: request) }
    }

    /// Clients of node `id` propose several writes that arrive together, as one batch.
    @discardableResult
    public func propose(_ id: NodeID, batch commands: [String]) throws -> [RequestID] {
        guard let node = nodes[id] else { throw SimulationError.nodeDown(id) }
        let requests = commands.map { _ in
            let sequence = nextRequest[id, default: 0] + 1
            nextRequest[id] = sequence
            return RequestID(origin: id, sequence: sequence)
        }
        let envelopes = zip(requests, commands).map { request, command in
            Envelope(from: id, to: id, term: 0, message: .clientRequest(id: request, request: .write(Array(command.utf8))))
        }
        try call(node) { try $0.step(envelopes) }
        try checkSafety()
        return requests
    }

    /// A client of node `id` reads; the outcome appears in ``responses``.
    @discardableResult
    public func read(_ id: NodeID, _ query: String) throws -> RequestID {
        try request(id) { node, request in try node.read(Array(query.utf8), id: request) }
    }

    private func request(_ id: NodeID, _ body: (RaftNode, RequestID) throws -> [Envelope]) throws -> RequestID {
        guard let node = nodes[id] else { throw SimulationError.nodeDown(id) }
        let sequence = nextRequest[id, default: 0] + 1
        nextRequest[id] = sequence
        let request = RequestID(origin: id, sequence: sequence)
        try call(node) { try body($0, request) }
        try checkSafety()
        return request
    }

    /// Makes node `id` start an election now (see ``RaftNode/campaign()``).
    public func campaign(_ id: NodeID) throws {
        guard let node = nodes[id] else { throw SimulationError.nodeDown(id) }
        try call(node) { try $0.campaign() }
        try checkSafety()
    }

    // MARK: - Faults

    /// Splits the network: nodes in one group talk only to each other. Nodes not named form
    /// one more group. Messages already in flight across the cut are lost.
    public func partition(_ groups: [[NodeID]]) throws {
        var named = Set<NodeID>()
        var result: [[NodeID]] = []
        for members in groups {
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

    /// Crashes a node: its volatile state (role, timers, state machine, in-flight client
    /// requests) is lost; its durable log stays in its storage.
    public func crash(_ id: NodeID) throws {
        guard ids.contains(id) else { throw SimulationError.unknownNode(id) }
        guard nodes[id] != nil else { throw SimulationError.invalid("n\(id) is already down") }
        nodes[id] = nil
        stateMachines[id] = nil
        record("n\(id) crashed")
    }

    /// Restarts a crashed node from its durable storage; it re-applies committed entries.
    public func restart(_ id: NodeID) throws {
        guard ids.contains(id) else { throw SimulationError.unknownNode(id) }
        guard nodes[id] == nil else { throw SimulationError.invalid("n\(id) is running") }
        try start(id)
        safety.restarted(id)
        record("n\(id) restarted: " + describeNode(id))
        try checkSafety()
    }

    /// Whether node `id` is up.
    public func isRunning(_ id: NodeID) -> Bool { nodes[id] != nil }

    /// The running node `id`, for tests that look closer.
    public func node(_ id: NodeID) -> RaftNode? { nodes[id] }

    /// The leaders among running nodes (at most one per term; stale ones can linger).
    public var leaders: [NodeID] {
        ids.filter { nodes[$0]?.roleName == .leader }
    }

    private func start(_ id: NodeID) throws {
        guard let storage = storages[id] else { throw SimulationError.unknownNode(id) }
        let stateMachine = KVStateMachine()
        restarts += 1
        let node = try RaftNode(id: id, peers: Set(ids.filter { $0 != id }), log: RaftLog(engine: storage),
                                stateMachine: stateMachine, options: options,
                                seed: seed &+ UInt64(restarts) &* 0xD1B5_4A32_D192_ED03)
        nodes[id] = node
        stateMachines[id] = stateMachine
    }

    private func connected(_ a: NodeID, _ b: NodeID) -> Bool {
        a == b || group.isEmpty || group[a] == group[b]
    }

    // MARK: - Routing

    /// Runs one call on a node, records role changes, and routes what it sends.
    private func call(_ node: RaftNode, _ body: (RaftNode) throws -> [Envelope]) throws {
        let before = recordEvents ? describeNode(node.id) : ""
        let output: [Envelope]
        do {
            output = try body(node)
        } catch {
            throw SafetyViolation(seed: seed, tick: now, message: "n\(node.id) failed: \(error)")
        }
        if recordEvents {
            let after = describeNode(node.id)
            if after != before { events.append("\(before) ⇒ \(after)") }
        }
        for envelope in output { route(envelope) }
    }

    private func route(_ envelope: Envelope) {
        if envelope.to == envelope.from {
            if case let .clientResponse(id, result) = envelope.message {
                responses[id] = result
                if recordEvents { events.append("n\(envelope.to) client ← \(envelope.message.summary)") }
            }
            return
        }
        var lost: String?
        if !connected(envelope.from, envelope.to) {
            lost = "partition"
        } else if faults.dropRate > 0, Double.random(in: 0..<1, using: &random) < faults.dropRate {
            lost = "dropped"
        }
        if traceLimit > 0 || recordEvents {
            let event = TraceEvent(tick: now, from: envelope.from, to: envelope.to, term: envelope.term,
                                   kind: envelope.message.kind, summary: envelope.message.summary, lost: lost)
            if traceLimit > 0 {
                trace.append(event)
                if trace.count > traceLimit { trace.removeFirst(trace.count - traceLimit) }
            }
            if recordEvents && recordMessages {
                events.append(lost.map { "\(envelope) ⨯ \($0)" } ?? envelope.description)
            }
        }
        guard lost == nil else { return }
        var copies = 1
        if faults.duplicateRate > 0, Double.random(in: 0..<1, using: &random) < faults.duplicateRate { copies = 2 }
        for _ in 0..<copies {
            let extra = faults.maxExtraDelay > 0 ? Int.random(in: 0...faults.maxExtraDelay, using: &random) : 0
            network.append(InFlight(deliverAt: now + latency + extra, sequence: nextSequence, envelope: envelope))
            nextSequence += 1
        }
    }

    // MARK: - Looking inside

    /// Takes the events recorded since the last call (for scenario scripts).
    public func drainEvents() -> [String] {
        defer { events = [] }
        return events
    }

    private func record(_ event: String) {
        if recordEvents { events.append(event) }
    }

    /// `n1@3 leader`, `n2@3 follower(n1)`, `n3 down`.
    public func describeNode(_ id: NodeID) -> String {
        guard let node = nodes[id] else { return "n\(id) down" }
        let role = node.roleName
        if role == .follower, let leader = node.leaderID { return "n\(id)@\(node.log.term) follower(n\(leader))" }
        return "n\(id)@\(node.log.term) \(role.rawValue)"
    }

    /// Every node's status (crashed nodes show their durable log), partitions and the trace.
    public func snapshot() -> RaftClusterSnapshot {
        let statuses = ids.map { id in
            if let node = nodes[id] { return node.status() }
            return crashedStatus(id)
        }
        return RaftClusterSnapshot(tick: now, nodes: statuses, partitions: partitions, trace: trace)
    }

    private func crashedStatus(_ id: NodeID) -> RaftNodeStatus {
        let log = storages[id].flatMap { try? RaftLog(engine: $0) }
        return RaftNodeStatus(
            id: id, role: .follower, term: log?.term ?? 0, vote: log?.vote, leader: nil,
            lastIndex: log?.lastIndex ?? 0, lastTerm: log?.lastTerm ?? 0, commitIndex: log?.commitIndex ?? 0,
            commitTerm: log?.commitTerm ?? 0, appliedIndex: 0, progress: [],
            entries: log?.entries.map { EntrySummary(index: $0.index, term: $0.term, command: $0.command.map { CommandText.describe($0) } ?? "") } ?? [],
            crashed: true)
    }

    /// The state machine of running node `id`.
    public func stateMachine(_ id: NodeID) -> KVStateMachine? { stateMachines[id] }

    /// The storage (durable state) of node `id`.
    public func storage(_ id: NodeID) -> (any StorageEngine)? { storages[id] }
}

/// A misuse of the simulator (unknown node, restarting a running one…).
public enum SimulationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownNode(NodeID)
    case nodeDown(NodeID)
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownNode(let id): "no node n\(id) in this cluster"
        case .nodeDown(let id): "n\(id) is down"
        case .invalid(let message): message
        }
    }
}
