import Raft
import Storage
import Testing

/// A small durable-looking state machine: a running total of the numbers it applies. A command
/// that is not a number is a deterministic application error; the command `failOn` makes this
/// node's "disk" fail, which is not deterministic.
final class LedgerMachine: StateMachine {
    private(set) var appliedIndex: LogIndex = 0
    private(set) var total = 0
    var failOn: String?

    func apply(index: LogIndex, command: [UInt8]?) throws -> [UInt8] {
        if let command {
            let text = String(decoding: command, as: UTF8.self)
            if text == failOn { throw DiskFailure() }
            guard let amount = Int(text) else {
                appliedIndex = index
                throw RaftError.application("not a number: \(text)")
            }
            total += amount
        }
        appliedIndex = index
        return Array(String(total).utf8)
    }

    func read(_ query: [UInt8]) throws -> [UInt8] {
        guard query.isEmpty else { throw DiskFailure() }
        return Array(String(total).utf8)
    }

    func describe(_ command: [UInt8]) -> String { "add " + String(decoding: command, as: UTF8.self) }
}

struct DiskFailure: Error, CustomStringConvertible {
    var description: String { "disk full" }
}

/// The simulator's API for the Cluster module and the REPL: any state machine on storage opened
/// at every start, halting on state machine failure, responses taken once, single-message
/// stepping and the numbered trace.
@Suite struct SimulatorTests {
    /// Storage the test keeps across crashes: the log engines and, if `durable`, the machines.
    final class Disks {
        var engines: [NodeID: MemoryEngine] = [:]
        var machines: [NodeID: LedgerMachine] = [:]
        var durable = true
        var failOn: [NodeID: String] = [:]
        var opened = 0

        func open(_ id: NodeID) -> NodeStorage {
            opened += 1
            let engine = engines[id] ?? MemoryEngine()
            engines[id] = engine
            let machine = durable ? machines[id] ?? LedgerMachine() : LedgerMachine()
            if durable { machines[id] = machine }
            machine.failOn = failOn[id]
            return NodeStorage(log: engine, stateMachine: machine)
        }
    }

    func ledgerCluster(_ disks: Disks) throws -> SimulatedCluster {
        let cluster = try SimulatedCluster(nodes: 3, seed: 5) { disks.open($0) }
        cluster.recordEvents = false
        try cluster.campaign(1)
        try cluster.stabilize()
        #expect(cluster.leaders == [1])
        return cluster
    }

    func total(_ cluster: SimulatedCluster, _ id: NodeID) -> Int? {
        (cluster.stateMachine(id) as? LedgerMachine)?.total
    }

    @Test func aGenericStateMachineKeepsItsStateThroughCrashAndRestart() throws {
        let disks = Disks()
        let cluster = try ledgerCluster(disks)
        for amount in [5, 7] { try cluster.propose(1, command: Array(String(amount).utf8)) }
        try cluster.stabilize()
        try cluster.tick(3)
        try cluster.stabilize()
        #expect(total(cluster, 3) == 12)

        try cluster.crash(3)
        #expect(cluster.stateMachine(3) == nil)
        try cluster.propose(1, "30")
        try cluster.stabilize()
        try cluster.restart(3)
        #expect(disks.opened == 4, "the opener runs on every start")
        #expect(total(cluster, 3) == 12, "the durable machine kept its state and was not re-applied")
        try cluster.tick(4)
        try cluster.stabilize()
        #expect(total(cluster, 3) == 42)
        #expect((1...3).map { total(cluster, $0) } == [42, 42, 42])
    }

    @Test func aCrashDropsEveryReferenceToTheNodesStorage() throws {
        let disks = Disks()
        disks.durable = false
        let cluster = try ledgerCluster(disks)
        try cluster.propose(1, "9")
        try cluster.stabilize()
        try cluster.tick(3)
        try cluster.stabilize()
        weak let machine = cluster.stateMachine(2) as? LedgerMachine
        #expect(machine?.total == 9)
        try cluster.crash(2)
        #expect(machine == nil, "nothing in the cluster holds the crashed node's state machine")
        try cluster.restart(2)
        #expect(total(cluster, 2) == 9, "a volatile machine is rebuilt by re-applying the log")
        // The crashed node was drawn from the status it had when it went down.
        try cluster.crash(2)
        let status = try #require(cluster.snapshot().nodes.first { $0.id == 2 })
        #expect(status.crashed && status.halted == nil)
        #expect(status.entries.map(\.command) == ["", "add 9"])
    }

    @Test func aStateMachineFailureHaltsOnlyThatNode() throws {
        let disks = Disks()
        disks.failOn[2] = "13"
        let cluster = try ledgerCluster(disks)
        cluster.recordEvents = true
        _ = cluster.drainEvents()
        let bad = try cluster.propose(1, "13")
        let worse = try cluster.propose(1, "x")
        try cluster.stabilize()
        try cluster.tick(3)
        try cluster.stabilize()
        let events = cluster.drainEvents()
        #expect(events.contains("n2 halted: state machine failed at index 2: disk full"))
        #expect(!cluster.isRunning(2))
        #expect(cluster.haltReason(2) == "state machine failed at index 2: disk full")
        #expect(cluster.takeResponse(bad) == .success(.write(index: 2, result: Array("13".utf8))))
        #expect(cluster.takeResponse(worse) == .failure(.application("not a number: x")))
        #expect(total(cluster, 3) == 13)

        let status = try #require(cluster.snapshot().nodes.first { $0.id == 2 })
        #expect(status.crashed && status.halted == "state machine failed at index 2: disk full")
        #expect(throws: SimulationError.halted(2, "state machine failed at index 2: disk full")) {
            try cluster.propose(2, "1")
        }
        // Still failing: the restart halts it again. Fixed: it catches up and the reason goes.
        #expect(throws: SimulationError.self) { try cluster.restart(2) }
        #expect(cluster.haltReason(2) != nil)
        disks.failOn[2] = nil
        try cluster.restart(2)
        #expect(cluster.haltReason(2) == nil)
        try cluster.tick(4)
        try cluster.stabilize()
        #expect(total(cluster, 2) == 13)
    }

    @Test func aFailedNodeRefusesAllFurtherWork() throws {
        let machine = LedgerMachine()
        machine.failOn = "1"
        let node = try RaftNode(id: 1, peers: [], log: RaftLog(engine: MemoryEngine()), stateMachine: machine, seed: 1)
        _ = try node.campaign()
        let failure = RaftError.stateMachineFailed(index: 2, reason: "disk full")
        #expect(throws: failure) { try node.propose(Array("1".utf8), id: RequestID(origin: 1, sequence: 1)) }
        #expect(node.failure == failure)
        #expect(throws: failure) { try node.tick() }
        #expect(machine.appliedIndex == 1, "the failed entry was not skipped")
    }

    @Test func readErrorsReachTheClientAsApplicationErrors() throws {
        let cluster = try ledgerCluster(Disks())
        let read = try cluster.read(1, query: [1])
        try cluster.stabilize()
        #expect(cluster.takeResponse(read) == .failure(.application("disk full")))
    }

    @Test func takingAResponseRemovesIt() throws {
        let cluster = try ledgerCluster(Disks())
        let write = try cluster.propose(1, command: Array("4".utf8))
        #expect(cluster.takeResponse(write) == nil, "pending")
        try cluster.stabilize()
        let read = try cluster.read(2, query: [])
        try cluster.stabilize()
        #expect(cluster.takeResponse(write) == .success(.write(index: 2, result: Array("4".utf8))))
        #expect(cluster.takeResponse(write) == nil)
        #expect(cluster.takeResponse(read) == .success(.read(Array("4".utf8))))
        #expect(cluster.responses.isEmpty)
    }

    @Test func deliverOneStepsTheOldestMessageAndSaysWhyOneIsDropped() throws {
        let cluster = try ledgerCluster(Disks())
        try cluster.propose(1, "1")
        #expect(cluster.inFlight.map(\.description) == [
            "n1@1 → n2 Append base=1@1 [2@1] commit=1", "n1@1 → n3 Append base=1@1 [2@1] commit=1"])
        try cluster.crash(3)
        let first = try #require(try cluster.deliverOne())
        #expect(first.lost == nil && first.envelope.to == 2)
        #expect(cluster.inFlight.map(\.description) == [
            "n1@1 → n3 Append base=1@1 [2@1] commit=1", "n2@1 → n1 AppendAccepted match=2"])
        let second = try #require(try cluster.deliverOne())
        #expect(second.description == "n1@1 → n3 Append base=1@1 [2@1] commit=1 (dropped: n3 is down)")
        try cluster.partition([[1], [2]])
        #expect(try cluster.deliverOne()?.description == "n2@1 → n1 AppendAccepted match=2 (dropped: partition)")
        #expect(try cluster.deliverOne() == nil)
        #expect(cluster.node(1)?.log.commitIndex == 1, "the acknowledgement never arrived")
    }

    @Test func theTraceIsNumberedBoundedAndReadSinceAPoint() throws {
        let cluster = try ledgerCluster(Disks())
        let mark = cluster.traceSequence
        let request = try cluster.propose(2, "3")
        try cluster.stabilize()
        let events = cluster.trace(since: mark)
        #expect(events.map(\.sequence) == Array(mark..<cluster.traceSequence))
        let shown = events.map { "n\($0.from)→n\($0.to) \($0.kind) \($0.summary)" }
        #expect(shown == [
            "n2→n2 ClientRequest r2.1 write add 3",
            "n2→n1 ClientRequest r2.1 write add 3",
            "n1→n2 Append base=1@1 [2@1] commit=1",
            "n1→n3 Append base=1@1 [2@1] commit=1",
            "n2→n1 AppendAccepted match=2",
            "n3→n1 AppendAccepted match=2",
            "n1→n2 ClientResponse r2.1 ok index=2 add 3",
            "n2→n2 ClientResponse r2.1 ok index=2 add 3",
        ])
        #expect(cluster.takeResponse(request) != nil)

        cluster.traceLimit = 5
        for amount in 1...40 { try cluster.propose(1, "\(amount)") }
        try cluster.stabilize()
        let recent = cluster.trace()
        #expect(recent.count == 5)
        #expect(recent.last?.sequence == cluster.traceSequence - 1)
        #expect(cluster.trace(since: cluster.traceSequence).isEmpty)
        cluster.traceLimit = 0
        try cluster.propose(1, "1")
        #expect(cluster.trace().isEmpty)
    }

    @Test func misusesAreSimulationErrorsWithClearTexts() throws {
        let cluster = try ledgerCluster(Disks())
        try cluster.crash(2)
        let cases: [(String, () throws -> Void)] = [
            ("n2 is already down", { try cluster.crash(2) }),
            ("n1 is running", { try cluster.restart(1) }),
            ("no node n9 in this cluster", { try cluster.crash(9) }),
            ("no node n9 in this cluster", { try cluster.partition([[9]]) }),
            ("n1 is in two groups", { try cluster.partition([[1], [1, 2]]) }),
            ("a partition group needs at least one node", { try cluster.partition([[]]) }),
            ("n2 is down", { try cluster.propose(2, "1") }),
            ("no node n7 in this cluster", { try cluster.read(7, query: []) }),
        ]
        for (text, body) in cases {
            do {
                try body()
                Issue.record("expected \(text)")
            } catch let error as SimulationError {
                #expect(error.description == text)
            }
        }
    }
}
