import Encoding
import Storage

/// What one node runs on: the engine its Raft log is stored in and the application it applies
/// committed entries to. ``SimulatedCluster`` asks for a fresh one on every start of a node.
public struct NodeStorage {
    /// The engine for the node's durable Raft state (``RaftLog``).
    public var log: any StorageEngine
    /// The application; a durable one persists its ``StateMachine/appliedIndex`` with its state.
    public var stateMachine: any StateMachine

    /// Pairs a log engine with a state machine.
    public init(log: any StorageEngine, stateMachine: any StateMachine) {
        self.log = log
        self.stateMachine = stateMachine
    }
}

/// A whole Raft cluster in one process, driven by ticks and one seed: N nodes, a network that
/// can drop, duplicate, delay (and so reorder) messages, partitions, crashes and restarts.
///
/// Everything is deterministic: the same seed and the same calls give the same run, message for
/// message. After every tick and every delivery round the cluster checks Raft's safety
/// properties (see `SimulatedCluster+Safety.swift`) and throws ``SafetyViolation`` with the
/// seed and tick if one fails.
///
/// Each node runs on the ``NodeStorage`` an opener returns, called on every start of the node.
/// A crash drops every reference the cluster holds to it (a file-backed engine is closed before
/// the restart reopens it), so what survives a crash is up to the opener: an engine it keeps
/// survives, a state machine it creates anew does not and the node re-applies committed entries.
///
/// A node whose state machine fails (``RaftError/stateMachineFailed(index:reason:)``) is taken
/// down like a crash, with its reason in ``haltReason(_:)``, instead of failing the cluster.
public final class SimulatedCluster {
    /// How unreliable the network is; all zero by default.
    public struct Faults: Sendable, Hashable {
        /// The chance a message is lost.
        public var dropRate = 0.0
        /// The chance a message is delivered twice.
        public var duplicateRate = 0.0
        /// Up to this many extra ticks of delay per message, which reorders them.
        public var maxExtraDelay = 0

        /// Faults with the given rates (all zero: a perfect network).
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

    /// A message the cluster sent or handed to a node, kept raw so tracing costs no strings
    /// until someone looks (``trace(since:)``).
    struct TraceRecord {
        var sequence: Int
        var tick: Int
        var envelope: Envelope
        var lost: String?
    }

    /// The seed the whole run derives from.
    public let seed: UInt64
    /// The node identities, 1...N.
    public let ids: [NodeID]
    /// The options every node runs with.
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
    /// How many recent messages the trace keeps (0: no trace at all).
    public var traceLimit = 100
    /// Whether to check the safety properties after every step (on unless a benchmark or a busy
    /// REPL wants the protocol alone; off, the checks cost nothing).
    public var checksSafety = true

    /// Opens a node's storage on each start.
    let open: (NodeID) throws -> NodeStorage
    var nodes: [NodeID: RaftNode] = [:]
    /// What a down node looked like when it went down (crashed or halted), for snapshots.
    var downStatus: [NodeID: RaftNodeStatus] = [:]
    /// Why a halted node stopped; cleared when it restarts.
    var halts: [NodeID: RaftError] = [:]
    /// The engines a cluster made with `makeEngine:` keeps across crashes.
    var keptEngines: [NodeID: any StorageEngine] = [:]
    var network: [InFlight] = []
    private var nextSequence = 0
    private var random: SplitMix64
    var restarts = 0
    /// Partition groups: nodes in different groups cannot talk. Empty when whole.
    public internal(set) var partitions: [[NodeID]] = []
    /// Each node's partition group number.
    var group: [NodeID: Int] = [:]
    var traceBuffer: [TraceRecord] = []
    /// The sequence number the next trace event gets (see ``trace(since:)``).
    public internal(set) var traceSequence = 0
    var events: [String] = []
    /// Client outcomes by request not yet taken, as the node the client talked to reported them
    /// (see ``takeResponse(_:)``).
    public internal(set) var responses: [RequestID: Result<ClientResponse, RaftError>] = [:]
    var nextRequest: [NodeID: UInt64] = [:]
    var safety = SafetyState()

    /// Starts `nodes` nodes (ids 1...nodes, at most 255) as followers, each on the storage
    /// `open` returns for it. `open` is called again on every restart. A node whose state
    /// machine fails while re-applying its log starts halted (see ``haltReason(_:)``).
    /// - Throws: ``SimulationError`` for a bad node count; whatever `open` or the log throws.
    public init(nodes count: Int, seed: UInt64, options: NodeOptions = NodeOptions(),
                open: @escaping (NodeID) throws -> NodeStorage) throws {
        guard (1...255).contains(count) else { throw SimulationError.invalid("a cluster has 1 to 255 nodes, not \(count)") }
        self.seed = seed
        self.options = options
        self.open = open
        ids = (1...count).map { NodeID($0) }
        random = SplitMix64(seed: seed)
        for id in ids {
            do { try start(id) } catch SimulationError.halted {}
        }
    }

    /// Starts a cluster of ``KVStateMachine``s, each node storing its durable state in the
    /// engine `makeEngine` returns for it (memory by default). The engines are kept across
    /// crashes; each start gets a new, empty state machine, so a restarted node re-applies.
    public convenience init(nodes count: Int, seed: UInt64, options: NodeOptions = NodeOptions(),
                            makeEngine: (NodeID) throws -> any StorageEngine = { _ in MemoryEngine() }) throws {
        guard (1...255).contains(count) else { throw SimulationError.invalid("a cluster has 1 to 255 nodes, not \(count)") }
        var engines: [NodeID: any StorageEngine] = [:]
        for number in 1...count { engines[NodeID(number)] = try makeEngine(NodeID(number)) }
        let kept = engines
        try self.init(nodes: count, seed: seed, options: options, open: { id in
            guard let engine = kept[id] else { throw SimulationError.unknownNode(id) }
            return NodeStorage(log: engine, stateMachine: KVStateMachine())
        })
        keptEngines = kept
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

    /// Delivers messages, round after round, until none are in flight, without advancing time
    /// (so no new heartbeats or elections start). Stops after `maxRounds` rounds.
    public func stabilize(maxRounds: Int = 1000) throws {
        var rounds = 0
        while !network.isEmpty && rounds < maxRounds {
            try deliverAll()
            rounds += 1
        }
    }

    /// Delivers only the oldest message in flight, ignoring its delay (a REPL's `.step`). A
    /// message to a down node or across a partition is dropped, and the result says why.
    /// Returns nil when nothing is in flight.
    @discardableResult
    public func deliverOne() throws -> Delivery? {
        guard !network.isEmpty else { return nil }
        let envelope = network.removeFirst().envelope
        guard let node = nodes[envelope.to] else {
            let reason = "n\(envelope.to) is \(halts[envelope.to] == nil ? "down" : "halted")"
            record("\(envelope) ⨯ \(reason)")
            return Delivery(envelope: envelope, lost: reason)
        }
        guard connected(envelope.from, envelope.to) else {
            record("\(envelope) ⨯ partition")
            return Delivery(envelope: envelope, lost: "partition")
        }
        try call(node) { try $0.step([envelope]) }
        try checkSafety()
        return Delivery(envelope: envelope, lost: nil)
    }

    /// The messages in flight, oldest first (the next ``deliverOne()`` delivers the first).
    public var inFlight: [Envelope] { network.map(\.envelope) }

    /// How many messages are in flight.
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

    /// Makes node `id` start an election now (see ``RaftNode/campaign()``).
    /// - Throws: ``SimulationError`` if the node is unknown or down.
    public func campaign(_ id: NodeID) throws {
        let node = try running(id)
        try call(node) { try $0.campaign() }
        try checkSafety()
    }

    func connected(_ a: NodeID, _ b: NodeID) -> Bool {
        a == b || group.isEmpty || group[a] == group[b]
    }

    // MARK: - Routing

    /// Runs one call on a node, records role changes, and routes what it sends. If the node's
    /// state machine fails, the node is taken down as halted and the call returns that failure.
    @discardableResult
    func call(_ node: RaftNode, _ body: (RaftNode) throws -> [Envelope]) throws -> RaftError? {
        let before = recordEvents ? describeNode(node.id) : ""
        let output: [Envelope]
        do {
            output = try body(node)
        } catch let failure as RaftError {
            guard case .stateMachineFailed = failure else {
                throw SafetyViolation(seed: seed, tick: now, message: "n\(node.id) failed: \(failure)")
            }
            takeDown(node, halt: failure)
            return failure
        } catch {
            throw SafetyViolation(seed: seed, tick: now, message: "n\(node.id) failed: \(error)")
        }
        if recordEvents {
            let after = describeNode(node.id)
            if after != before { events.append("\(before) ⇒ \(after)") }
        }
        for envelope in output { route(envelope) }
        return nil
    }

    /// Hands a node's output to the network (or, addressed to itself, to its local client).
    /// Builds no strings unless events are recorded: tracing keeps the envelope as it is.
    private func route(_ envelope: Envelope) {
        if envelope.to == envelope.from {
            if case let .clientResponse(id, result) = envelope.message {
                responses[id] = result
                traceRecord(envelope, lost: nil)
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
        traceRecord(envelope, lost: lost)
        if recordEvents && recordMessages {
            events.append(lost.map { "\(envelope) ⨯ \($0)" } ?? envelope.description)
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
}
