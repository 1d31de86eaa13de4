import Cluster
import Foundation
import Logging
import Raft
import SQL
import Storage

/// One Raft node driven in real time: a thread owns the node, ticks it by the wall clock, and
/// feeds it what arrives (peers' messages, local clients' requests) in batches.
///
/// Batching is the group commit: while the thread is busy with one batch (and its one log
/// fsync), new requests queue up, and the next call hands them all to the node, which appends
/// them together, fsyncs once and sends one `Append` per follower. The node itself stays the
/// deterministic state machine of the Raft module; only this runtime reads a clock.
public final class NodeRuntime: @unchecked Sendable {
    /// How the node runs.
    public struct Options: Sendable {
        /// Wall time per tick: elections take 10–19 ticks, heartbeats every 3.
        public var tickInterval: TimeInterval = 0.01
        /// How long a request waits for an answer (retrying elections meanwhile).
        public var requestTimeout: TimeInterval = 5
        public var raft = NodeOptions()
        public init() {}
    }

    public let id: NodeID
    public let peers: [NodeID]
    public let options: Options
    let logger: Logger
    /// Where envelopes for peers go (the TCP transport); set before `start()`.
    var transmit: @Sendable (NodeID, [Envelope]) -> Void = { _, _ in }

    private let node: RaftNode
    private let stores: NodeStores
    private let inboxCondition = NSCondition()
    private var inbox: [Envelope] = []
    private var jobs: [() -> Void] = []
    private var stopped = false
    /// Request ids must never repeat across restarts: a leader may still answer a request of
    /// this node's previous life, and a reused id would hand that answer to a new client (the
    /// kill tests caught exactly that: an INSERT acknowledged with another entry's answer).
    /// So each life starts at a random point of a 62-bit space.
    private var sequence = UInt64.random(in: 0..<(1 << 62))
    /// Each waiting request has its own waiter, so an answer wakes only its own client (one
    /// condition for all woke every client at every answer: the profile was all futexes).
    private let waitersLock = NSLock()
    private var waiters: [RequestID: Waiter] = [:]
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    // Owned by the node thread.
    private var ticks = 0
    private var lastRole: RoleName?
    private var lastLeader: NodeID?
    private var lastTerm: Term = 0
    private var halted: String?
    private var trace = TraceRing()
    /// Held (flock) while the process runs; the kernel lets go when it exits, however it exits.
    private var lockDescriptor: Int32 = -1

    /// Opens node `id`'s storage under `directory` (memory if nil) and the node on it.
    public init(id: NodeID, peers: [NodeID], directory: String?, syncLog: Bool, options: Options, logger: Logger) throws {
        self.id = id
        self.peers = peers.sorted()
        self.options = options
        self.logger = logger
        stores = NodeStores(directory: directory, syncLog: syncLog)
        if let directory {
            // Claim the node's directory before touching anything in it: a second process for
            // the same node must fail here, not rebuild the first one's database under it.
            lockDescriptor = try Self.claim(directory: directory, id: id)
            try Self.discardUncleanDatabase(directory: directory, id: id, logger: logger)
        }
        let storage = try stores.open(id)
        let log = try RaftLog(engine: storage.log)
        // Each process seeds its election timeouts differently, so restarted nodes do not
        // keep colliding; Raft itself stays deterministic given the seed.
        let seed = UInt64(UInt32.random(in: 0...UInt32.max))
        node = try RaftNode(id: id, peers: Set(peers), log: log, stateMachine: storage.stateMachine,
                            options: options.raft, seed: seed)
    }

    /// Starts the clock and the node thread.
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "cutaway-node"
        self.thread = thread
        thread.start()
    }

    /// Stops the node thread after its current batch, flushes the log and closes the files.
    public func stop() {
        inboxCondition.lock()
        let wasRunning = !stopped
        stopped = true
        inboxCondition.broadcast()
        inboxCondition.unlock()
        guard wasRunning, thread != nil else { return }
        finished.wait()
    }

    // MARK: - Input

    /// Envelopes from a peer, handled in the node's next batch.
    func deliver(_ envelopes: [Envelope]) {
        guard !envelopes.isEmpty else { return }
        inboxCondition.lock()
        inbox.append(contentsOf: envelopes)
        inboxCondition.signal()
        inboxCondition.unlock()
    }

    /// Runs `body` on the node thread between batches and returns its result.
    func sync<T>(_ body: @escaping () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        inboxCondition.lock()
        guard !stopped else {
            inboxCondition.unlock()
            return nil
        }
        jobs.append {
            result = body()
            done.signal()
        }
        inboxCondition.signal()
        inboxCondition.unlock()
        done.wait()
        return result
    }

    /// One client request through this node: the local node forwards it to the leader, and
    /// retries while there is no leader, up to the request timeout.
    func request(write: Bool, _ bytes: [UInt8]) throws(SQLError) -> [UInt8] {
        let deadline = Date().addingTimeInterval(options.requestTimeout)
        while true {
            let outcome = try once(write: write, bytes, deadline: deadline)
            switch outcome {
            case .success(.write(_, let answer)), .success(.read(let answer)):
                return answer
            case .failure(let error) where error.isRetryable:
                // The command carries its client and sequence number: resending never applies
                // it twice. A read is always safe to repeat.
                guard Date() < deadline else {
                    throw SQLError(.unavailable, "n\(id): \(error)" + (write ? Self.unknownOutcome : ""))
                }
                Thread.sleep(forTimeInterval: options.tickInterval * 2)
            case .failure(let error):
                throw SQLError(.storage, "n\(id): \(error)")
            }
        }
    }

    private static let unknownOutcome =
        " (it has not committed, and may still commit if its log entry survives, but never twice)"

    private func once(write: Bool, _ bytes: [UInt8], deadline: Date) throws(SQLError) -> Result<ClientResponse, RaftError> {
        inboxCondition.lock()
        guard !stopped else {
            inboxCondition.unlock()
            throw SQLError(.unavailable, "n\(id) is shutting down")
        }
        sequence += 1
        let request = RequestID(origin: id, sequence: sequence)
        let waiter = Waiter()
        waitersLock.lock()
        waiters[request] = waiter
        waitersLock.unlock()
        inbox.append(Envelope(from: id, to: id, term: 0,
                              message: .clientRequest(id: request, request: write ? .write(bytes) : .read(bytes))))
        inboxCondition.signal()
        inboxCondition.unlock()

        let answered = waiter.semaphore.wait(timeout: .now() + max(0, deadline.timeIntervalSinceNow))
        waitersLock.lock()
        waiters[request] = nil
        waitersLock.unlock()
        if answered == .success, let result = waiter.result { return result }
        if let halted { throw SQLError(.storage, "n\(id) stopped: \(halted)") }
        throw SQLError(.unavailable, "no leader answered n\(id) within \(Int(options.requestTimeout)) s"
                       + (write ? Self.unknownOutcome : ""))
    }

    // MARK: - The node thread

    private func run() {
        let interval = options.tickInterval
        var nextTick = Date().addingTimeInterval(interval)
        while true {
            inboxCondition.lock()
            while inbox.isEmpty && jobs.isEmpty && !stopped && Date() < nextTick {
                _ = inboxCondition.wait(until: nextTick)
            }
            let batch = inbox
            let pendingJobs = jobs
            inbox = []
            jobs = []
            let stopping = stopped
            inboxCondition.unlock()
            for job in pendingJobs { job() }
            if stopping { break }
            var out: [Envelope] = []
            guard halted == nil else {
                failLocal(batch)
                nextTick = Date().addingTimeInterval(interval)
                continue
            }
            do {
                if !batch.isEmpty {
                    record(batch, received: true)
                    out += try node.step(batch)
                }
                let now = Date()
                if now >= nextTick {
                    ticks += 1
                    out += try node.tick()
                    nextTick = nextTick.addingTimeInterval(interval)
                    // Far behind (a long fsync, a paused process): do not tick in a burst.
                    if nextTick < now { nextTick = now.addingTimeInterval(interval) }
                }
            } catch {
                halted = "\(error)"
                logger.error("node stopped: \(error); it answers nothing until restarted")
                failLocal(batch)
            }
            route(out)
            noteChanges()
        }
        shutDown()
        finished.signal()
    }

    /// Hands each envelope to its destination: answers to local clients, the rest to peers
    /// (one batch per peer: one frame on its connection).
    private func route(_ envelopes: [Envelope]) {
        guard !envelopes.isEmpty else { return }
        var perPeer: [NodeID: [Envelope]] = [:]
        var answers: [(RequestID, Result<ClientResponse, RaftError>)] = []
        for envelope in envelopes {
            if envelope.to == id {
                if case let .clientResponse(request, result) = envelope.message { answers.append((request, result)) }
            } else {
                perPeer[envelope.to, default: []].append(envelope)
            }
        }
        if !answers.isEmpty {
            waitersLock.lock()
            let found = answers.compactMap { answer in waiters[answer.0].map { ($0, answer.1) } }
            waitersLock.unlock()
            for (waiter, result) in found { waiter.answer(result) }
        }
        for (peer, batch) in perPeer {
            record(batch, received: false)
            transmit(peer, batch)
        }
    }

    /// Answers the local requests of a batch the node cannot take (it stopped).
    private func failLocal(_ batch: [Envelope]) {
        let failures = batch.compactMap { envelope -> Envelope? in
            guard envelope.from == id, case let .clientRequest(request, _) = envelope.message else { return nil }
            return Envelope(from: id, to: id, term: 0,
                            message: .clientResponse(id: request, result: .failure(.storage(halted ?? "stopped"))))
        }
        route(failures)
    }

    /// One log line per role, term or leader change.
    private func noteChanges() {
        let role = node.roleName, leader = node.leaderID, term = node.log.term
        defer { (lastRole, lastLeader, lastTerm) = (role, leader, term) }
        guard role != lastRole || leader != lastLeader || term != lastTerm else { return }
        let leading = leader.map { $0 == id ? "" : ", leader n\($0)" } ?? ", no leader known"
        logger.info("n\(id) is \(role.rawValue) in term \(term)\(leading)")
    }

    /// The SQL database is written without syncing and applies entries in several writes, so
    /// after a crash its files may hold half an entry (a transaction begun and written but not
    /// committed), which replaying cannot repair. Only a database a clean shutdown wrote out
    /// (it leaves `sql.clean` beside it) is kept; any other is rebuilt from the Raft log, which
    /// is the durable truth. (The kill tests caught the half-applied entry.)
    static func discardUncleanDatabase(directory: String, id: NodeID, logger: Logger) throws {
        let node = (directory as NSString).appendingPathComponent("n\(id)")
        let database = (node as NSString).appendingPathComponent("sql")
        let marker = (node as NSString).appendingPathComponent(cleanMarker)
        let manager = FileManager.default
        if manager.fileExists(atPath: database) && !manager.fileExists(atPath: marker) {
            logger.warning("n\(id) did not shut down cleanly: rebuilding its SQL database from the Raft log")
            try manager.removeItem(atPath: database)
        }
        if manager.fileExists(atPath: marker) { try manager.removeItem(atPath: marker) }
    }

    static let cleanMarker = "sql.clean"

    /// Locks `DIR/nID/serve.lock`, creating the node's directory if needed.
    static func claim(directory: String, id: NodeID) throws -> Int32 {
        let node = (directory as NSString).appendingPathComponent("n\(id)")
        try FileManager.default.createDirectory(atPath: node, withIntermediateDirectories: true)
        let path = (node as NSString).appendingPathComponent("serve.lock")
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw NodeDirectoryInUse(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw NodeDirectoryInUse(description: "\(node) is in use by another process (\(path) is locked): is n\(id) already running?")
        }
        return fd
    }

    private func shutDown() {
        do {
            try node.log.flush()
            try (node.log.engine as? BitCask)?.close()
            try stores.flushDatabase(id)
            if let directory = stores.directory {
                let marker = ((directory as NSString).appendingPathComponent("n\(id)") as NSString).appendingPathComponent(Self.cleanMarker)
                _ = FileManager.default.createFile(atPath: marker, contents: Data("clean shutdown\n".utf8))
            }
        } catch {
            logger.error("closing the storage failed: \(error)")
        }
        // Nobody will answer what is still waiting.
        waitersLock.lock()
        let left = Array(waiters.values)
        waitersLock.unlock()
        for waiter in left { waiter.answer(.failure(.storage("the node shut down"))) }
        logger.info("n\(id) stopped; log flushed and files closed")
    }

    // MARK: - Looking inside (on the node thread)

    /// The node's status and, from `from` through `through`, its log in words.
    func status(entriesFrom from: LogIndex = 1, through: LogIndex = .max) -> RaftNodeStatus? {
        sync { [self] in
            var status = node.status(entriesFrom: from, through: through)
            status.halted = halted
            return status
        }
    }

    /// Every node of the cluster, this one included, in order.
    var allNodes: [NodeID] { (peers + [id]).sorted() }

    /// What a client is connected to, for its banner.
    var summary: String {
        "n\(id) of a \(allNodes.count)-node Raft cluster of node servers (\(allNodes.map { "n\($0)" }.joined(separator: ", ")))"
    }

    /// This node's SQL database, for looking at its storage.
    var database: LocalEngine? { stores.stateMachine(id)?.engine }

    /// Starts (or stops) keeping the messages this node sends and receives.
    func setTracing(_ on: Bool) { _ = sync { [self] in trace.limit = on ? 2000 : 0 } }

    /// The number the next traced message gets.
    var traceMark: Int { sync { [self] in trace.sequence } ?? 0 }

    /// The messages traced since `mark`.
    func trace(since mark: Int) -> [TraceEvent] { sync { [self] in trace.since(mark) } ?? [] }

    private func record(_ envelopes: [Envelope], received: Bool) {
        guard trace.limit > 0 else { return }
        for envelope in envelopes {
            // Local client requests and answers are not network traffic.
            if envelope.from == envelope.to { continue }
            if received && envelope.from == id { continue }
            trace.add(TraceEvent(tick: ticks, from: envelope.from, to: envelope.to, term: envelope.term,
                                 kind: envelope.message.kind,
                                 summary: envelope.message.summary(describing: node.stateMachine.describe),
                                 message: envelope.message))
        }
    }
}

/// One request's answer, handed from the node thread to the client's thread.
final class Waiter: @unchecked Sendable {
    let semaphore = DispatchSemaphore(value: 0)
    private(set) var result: Result<ClientResponse, RaftError>?
    private var answered = false
    private let lock = NSLock()

    /// Sets the answer once and wakes the waiting thread (later answers are ignored).
    func answer(_ result: Result<ClientResponse, RaftError>) {
        lock.lock()
        defer { lock.unlock() }
        guard !answered else { return }
        answered = true
        self.result = result
        semaphore.signal()
    }
}

/// Another process serves this node already.
struct NodeDirectoryInUse: Error, CustomStringConvertible {
    let description: String
}

/// The last messages a node sent and received, numbered, for `.trace`.
struct TraceRing {
    var limit = 0
    var sequence = 0
    var events: [TraceEvent] = []

    mutating func add(_ event: TraceEvent) {
        var event = event
        event.sequence = sequence
        sequence += 1
        events.append(event)
        if events.count > limit { events.removeFirst(events.count - limit) }
    }

    func since(_ mark: Int) -> [TraceEvent] { events.filter { $0.sequence >= mark } }
}

/// `ClusterClient` through a node server's own node (forwarded to the leader as in-process).
final class RuntimeClient: ClusterClient {
    let runtime: NodeRuntime
    init(runtime: NodeRuntime) { self.runtime = runtime }
    func write(_ command: [UInt8]) throws(SQLError) -> [UInt8] { try runtime.request(write: true, command) }
    func read(_ query: [UInt8]) throws(SQLError) -> [UInt8] { try runtime.request(write: false, query) }
}
