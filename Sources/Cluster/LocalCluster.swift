import Foundation
import Raft
import SQL
import Storage

/// A whole Cutaway cluster inside one process: N Raft nodes, each with its own log and its own
/// replicated SQL database, talking over the simulator's network (which can drop, partition,
/// crash and restart), so a learner can watch and break it from the REPL.
///
/// Time is ticks. With the `auto` clock a driver thread ticks every few milliseconds; with
/// `manual` nothing happens until `.tick` or `.step`. Either way a statement delivers the
/// messages it causes at once (no time passes), so a healthy cluster answers immediately and
/// the clock only matters for elections, heartbeats and failures. All state sits behind one
/// lock: the REPL's sessions and the driver take turns.
public final class LocalCluster: @unchecked Sendable {
    /// How time passes.
    public enum Clock: String, Sendable, CaseIterable {
        /// A driver ticks every `Options.tickInterval`.
        case auto
        /// Only `.tick` and `.step` move the cluster.
        case manual
    }

    /// How the cluster starts.
    public struct Options: Sendable {
        /// 1 to 7 nodes.
        public var nodes = 3
        /// BitCask files per node under this directory (`n1/raft`, `n1/sql`, …); memory if nil.
        public var dataDirectory: String?
        public var clock = Clock.auto
        /// Seeds the election timeouts and the network's faults.
        public var seed: UInt64 = 1
        /// Wall time between ticks of the auto clock.
        public var tickInterval = 0.005
        /// Ticks a request waits for a leader (auto clock) before failing as unavailable.
        public var requestTimeout = 400
        public var raft = NodeOptions()
        public init() {}
    }

    /// The nodes' ids, 1…N.
    public let ids: [NodeID]
    public let options: Options
    private let lock = NSLock()
    private let simulation: SimulatedCluster
    private let stores: NodeStores
    /// What opening the nodes' files found that a user must hear (a torn tail cut off, with its
    /// bytes and offset); empty for a clean open or a memory cluster.
    public var openNotices: [String] { lock.withLock { stores.notices } }
    private var clockMode: Clock
    private var nextClientID: UInt64 = 0
    private var driver: Thread?
    private var stopped = false

    /// Starts the nodes and ticks until a leader has committed an entry of its term, so the
    /// first statement never fails for want of a leader.
    /// - Throws: `SQLError(.storage, …)` for a bad node count, an unusable data directory, or
    ///   a data directory made for a different number of nodes.
    public init(options: Options = Options()) throws(SQLError) {
        guard (1...7).contains(options.nodes) else {
            throw SQLError(.semantic, "a local cluster has 1 to 7 nodes, not \(options.nodes)")
        }
        self.options = options
        ids = (1...options.nodes).map { NodeID($0) }
        clockMode = options.clock
        if let directory = options.dataDirectory {
            try Self.prepare(directory: directory, nodes: options.nodes)
        }
        let stores = NodeStores(directory: options.dataDirectory)
        self.stores = stores
        do {
            simulation = try SimulatedCluster(nodes: options.nodes, seed: options.seed, options: options.raft) { id in
                try stores.open(id)
            }
        } catch let error as SQLError {
            throw error
        } catch {
            throw SQLError(.storage, "cannot start the cluster: \(error)")
        }
        simulation.recordEvents = false
        simulation.checksSafety = false
        simulation.traceLimit = 0
        try locked { () throws(SQLError) in try electLeader() }
        if clockMode == .auto { startDriver() }
    }

    deinit { stop() }

    /// Stops the auto clock's driver (the cluster answers nothing once stopped).
    public func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    // MARK: - Clients

    /// A SQL engine for one session, talking to node `node`.
    public func makeEngine(node: NodeID) -> RaftEngine {
        let id = locked { () -> UInt64 in
            nextClientID += 1
            return nextClientID
        }
        return RaftEngine(client: client(node: node), clientID: id)
    }

    /// The way into the cluster through node `node`.
    public func client(node: NodeID) -> any ClusterClient { NodeClient(cluster: self, node: node) }

    /// Runs one request through `node`, delivering messages until it is answered; waits for
    /// ticks (auto clock) while there is no leader, up to `requestTimeout` ticks.
    func request(node: NodeID, write: Bool, _ bytes: [UInt8]) throws(SQLError) -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        var waited = 0
        while true {
            guard !stopped else { throw SQLError(.unavailable, "the cluster has shut down") }
            guard simulation.isRunning(node) else {
                throw SQLError(.unavailable, "n\(node) is down; .restart n\(node) or .connect another node (nothing was applied)")
            }
            let request: RequestID
            do {
                request = write ? try simulation.propose(node, command: bytes) : try simulation.read(node, query: bytes)
            } catch {
                throw SQLError(.unavailable, "n\(node) cannot take requests: \(error) (nothing was applied)")
            }
            let outcome = try awaitResponse(request, node: node, write: write, waited: &waited)
            switch outcome {
            case .success(.write(_, let answer)), .success(.read(let answer)):
                return answer
            case .failure(let error) where error.isRetryable:
                // The command carries its client and sequence number, so sending it again can
                // never apply it twice; a read is always safe to repeat.
                guard clockMode == .auto, waited < options.requestTimeout else {
                    throw unavailable(error, write: write)
                }
                try waitForTick(&waited)
            case .failure(let error):
                throw SQLError(.storage, "n\(node): \(error)")
            }
        }
    }

    /// Delivers messages (without advancing time) until `request` is answered; with nothing
    /// left in flight, waits for ticks (auto) or gives up (manual).
    private func awaitResponse(_ request: RequestID, node: NodeID, write: Bool,
                               waited: inout Int) throws(SQLError) -> Result<ClientResponse, RaftError> {
        while true {
            if let outcome = simulation.takeResponse(request) { return outcome }
            if simulation.messagesInFlight > 0 {
                do { try simulation.deliverAll() } catch { throw SQLError(.storage, "the cluster failed: \(error)") }
                continue
            }
            guard simulation.isRunning(node) else {
                throw SQLError(.unavailable, "n\(node) went down while the statement was pending" + (write ? Self.unknownOutcome : ""))
            }
            guard clockMode == .auto else {
                throw SQLError(.unavailable, "the statement is waiting for time to pass (no leader can commit it yet); .tick to move the clock"
                               + (write ? Self.unknownOutcome : ""))
            }
            guard waited < options.requestTimeout else {
                throw SQLError(.unavailable, "no leader answered within \(options.requestTimeout) ticks"
                               + (write ? Self.unknownOutcome : ""))
            }
            try waitForTick(&waited)
        }
    }

    private static let unknownOutcome =
        "; it has not committed, and may still commit if its log entry survives, but never twice"

    private func unavailable(_ error: RaftError, write: Bool) -> SQLError {
        switch error {
        case .noLeader:
            return SQLError(.unavailable, "no leader is known right now"
                            + (clockMode == .manual ? "; .tick until a leader is elected" : "")
                            + (write ? " (the statement was not applied)" : ""))
        default:
            return SQLError(.unavailable, "\(error)" + (write ? Self.unknownOutcome : ""))
        }
    }

    /// Lets the driver tick once (the lock is released meanwhile).
    private func waitForTick(_ waited: inout Int) throws(SQLError) {
        lock.unlock()
        Thread.sleep(forTimeInterval: options.tickInterval)
        lock.lock()
        waited += 1
    }

    // MARK: - Controls (the REPL's dot-commands)

    public var clock: Clock {
        get { locked { clockMode } }
        set {
            let start = locked { () -> Bool in
                defer { clockMode = newValue }
                return newValue == .auto && clockMode != .auto
            }
            if start { startDriver() }
        }
    }

    /// Advances time by `count` ticks; returns what changed (roles, terms).
    public func tick(_ count: Int = 1) throws(SQLError) {
        try locked { () throws(SQLError) in
            for _ in 0..<max(0, count) { try simulate { try simulation.tick() } }
        }
    }

    /// Delivers up to `count` messages one at a time (time stands still) and returns them in
    /// words, each with what became of it.
    public func step(_ count: Int = 1) throws(SQLError) -> [String] {
        try locked { () throws(SQLError) -> [String] in
            var delivered: [String] = []
            for _ in 0..<max(0, count) {
                guard let step = try simulate({ try simulation.deliverOne() }) else { break }
                delivered.append(step.description)
            }
            return delivered
        }
    }

    /// How unreliable the network is (drops, duplicates, extra delay): for fault tests and
    /// lessons; all zero by default.
    public var faults: SimulatedCluster.Faults {
        get { locked { simulation.faults } }
        set { locked { simulation.faults = newValue } }
    }

    /// Messages on their way, in words.
    public var inFlight: [String] { locked { simulation.inFlight.map(\.description) } }

    /// Crashes node `id`: its role, timers and pending requests are lost; its log and database
    /// stay in its storage (memory or files) for `restart`.
    public func kill(_ id: NodeID) throws(SQLError) {
        try locked { () throws(SQLError) in
            try simulate { try simulation.crash(id) }
            stores.close(id)
        }
    }

    /// Restarts node `id` from its storage; it replays the committed log entries its database lacks.
    public func restart(_ id: NodeID) throws(SQLError) {
        try locked { () throws(SQLError) in
            stores.close(id)
            try simulate { try simulation.restart(id) }
        }
    }

    /// Splits the network into groups that only talk among themselves.
    public func partition(_ groups: [[NodeID]]) throws(SQLError) {
        try locked { () throws(SQLError) in try simulate { try simulation.partition(groups) } }
    }

    /// Rejoins all nodes into one network.
    public func heal() { locked { simulation.heal() } }

    /// Every node's status and log, the partitions and the recent message trace.
    public func snapshot() -> RaftClusterSnapshot { locked { simulation.snapshot() } }

    /// The leader and its term, if a running node leads (the newest term wins).
    public var leader: (id: NodeID, term: Term)? {
        locked {
            simulation.snapshot().nodes
                .filter { !$0.crashed && $0.role == .leader }
                .max { $0.term < $1.term }
                .map { ($0.id, $0.term) }
        }
    }

    /// Whether node `id` is up.
    public func isRunning(_ id: NodeID) -> Bool { locked { simulation.isRunning(id) } }

    /// Why node `id` stopped by itself (its state machine failed), if it did.
    public func haltReason(_ id: NodeID) -> String? { locked { simulation.haltReason(id) } }

    /// Node `id`'s SQL database, while it runs (for `.mvcc`, `.keys` and `.status` on any node).
    public func database(_ id: NodeID) -> LocalEngine? {
        locked { simulation.isRunning(id) ? stores.stateMachine(id)?.engine : nil }
    }

    /// Starts recording messages for `.trace` (keeping at most `limit`), or stops.
    public func setTracing(_ on: Bool, limit: Int = 2000) {
        locked { simulation.traceLimit = on ? limit : 0 }
    }

    /// The number the next traced message will get: a mark to ask `trace(since:)` from.
    public var traceMark: Int { locked { simulation.traceSequence } }

    /// The messages traced since `mark`, oldest first.
    public func trace(since mark: Int) -> [TraceEvent] { locked { simulation.trace(since: mark) } }

    // MARK: - Internals

    private func electLeader() throws(SQLError) {
        for _ in 0..<2000 {
            let statuses = simulation.snapshot().nodes
            if let leader = statuses.first(where: { !$0.crashed && $0.role == .leader }),
               leader.commitTerm == leader.term {
                return
            }
            try simulate { try simulation.tick() }
        }
        throw SQLError(.unavailable, "no leader was elected in 2000 ticks")
    }

    private func startDriver() {
        let thread = Thread { [weak self] in
            while let cluster = self, cluster.driverTick() {
                Thread.sleep(forTimeInterval: cluster.options.tickInterval)
            }
        }
        thread.name = "cutaway-clock"
        driver = thread
        thread.start()
    }

    /// One tick of the auto clock; false once the driver should end.
    private func driverTick() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, clockMode == .auto else { return false }
        try? simulation.tick()
        return true
    }

    private func simulate<T>(_ body: () throws -> T) throws(SQLError) -> T {
        do {
            return try body()
        } catch {
            throw SQLError(.semantic, "\(error)")
        }
    }

    private func locked<T>(_ body: () throws(SQLError) -> T) throws(SQLError) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Creates the data directory, or checks that an existing one was made for `nodes` nodes.
    private static func prepare(directory: String, nodes: Int) throws(SQLError) {
        let manager = FileManager.default
        let marker = (directory as NSString).appendingPathComponent("cluster.conf")
        if let text = try? String(contentsOfFile: marker, encoding: .utf8) {
            let recorded = text.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard recorded == nodes else {
                throw SQLError(.storage, "\(directory) holds a cluster of \(recorded.map(String.init) ?? "an unknown number of") nodes, not \(nodes); use --nodes \(recorded.map(String.init) ?? "N") or another --data directory")
            }
            return
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw SQLError(.storage, "cannot open database at \(directory): it is a file, not a directory")
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "nodes=\(nodes)\n".write(toFile: marker, atomically: true, encoding: .utf8)
        } catch {
            throw SQLError(.storage, "cannot create the cluster's data directory \(directory): \(error.localizedDescription)")
        }
    }
}

/// The storage of each node: memory engines kept across crashes, or BitCask files opened anew
/// at each start (so a restart really replays what is on disk). A node server opens its one
/// node with it too, so `DIR/nK/raft` and `DIR/nK/sql` mean the same in and out of process.
public final class NodeStores {
    public let directory: String?
    /// Whether a log flush reaches the disk (fsync); off only to measure what that costs.
    public let syncLog: Bool
    private var memory: [NodeID: (log: MemoryEngine, sql: MemoryEngine)] = [:]
    private var stateMachines: [NodeID: SQLStateMachine] = [:]
    private var databases: [NodeID: any StorageEngine] = [:]

    /// What opening the nodes' files found that a user must hear (torn tails cut off).
    private(set) var notices: [String] = []

    public init(directory: String?, syncLog: Bool = true) {
        self.directory = directory
        self.syncLog = syncLog
    }

    public func open(_ id: NodeID) throws -> NodeStorage {
        let log: any StorageEngine
        let sql: any StorageEngine
        if let directory {
            let node = (directory as NSString).appendingPathComponent("n\(id)")
            // The log is what makes a commit durable: it is fsynced before any message leaves.
            // The database is rebuilt from the log after a crash, so it need not sync itself.
            let raftLog = try BitCask(directory: (node as NSString).appendingPathComponent("raft"), sync: syncLog ? .batched() : .never)
            raftLog.syncsOnFlush = syncLog
            let database = try BitCask(directory: (node as NSString).appendingPathComponent("sql"), sync: .never)
            notices += [raftLog.openReport.notice, database.openReport.notice].compactMap { $0 }
            (log, sql) = (raftLog, database)
        } else {
            let engines = memory[id] ?? (MemoryEngine(), MemoryEngine(pointIndex: false))
            memory[id] = engines
            (log, sql) = (engines.log, engines.sql)
        }
        let machine = try SQLStateMachine(engine: try LocalEngine(storage: sql, flushOnCommit: false))
        stateMachines[id] = machine
        databases[id] = sql
        return NodeStorage(log: log, stateMachine: machine)
    }

    public func stateMachine(_ id: NodeID) -> SQLStateMachine? { stateMachines[id] }

    /// Lets go of a stopped node's database, so its files close before it reopens them.
    public func close(_ id: NodeID) {
        stateMachines[id] = nil
        databases[id] = nil
    }

    /// Writes out node `id`'s database (it never syncs on its own: the log is what is durable).
    public func flushDatabase(_ id: NodeID) throws { try databases[id]?.flush() }
}

/// `ClusterClient` through one node of a `LocalCluster`.
final class NodeClient: ClusterClient, @unchecked Sendable {
    private weak var cluster: LocalCluster?
    let node: NodeID

    init(cluster: LocalCluster, node: NodeID) {
        self.cluster = cluster
        self.node = node
    }

    func write(_ command: [UInt8]) throws(SQLError) -> [UInt8] {
        guard let cluster else { throw SQLError(.unavailable, "the cluster has shut down") }
        return try cluster.request(node: node, write: true, command)
    }

    func read(_ query: [UInt8]) throws(SQLError) -> [UInt8] {
        guard let cluster else { throw SQLError(.unavailable, "the cluster has shut down") }
        return try cluster.request(node: node, write: false, query)
    }
}
