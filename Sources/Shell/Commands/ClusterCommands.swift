import Cluster
import Inspect
import Raft

/// The cluster's dot-commands: look at Raft (`.raft`, `.trace`, `.nodes`, `.leader`) and drive
/// it (`.connect`, `.kill`, `.restart`, `.partition`, `.heal`, `.clock`, `.tick`, `.step`).
/// On a single node (`--local`) each says that it needs a cluster.
extension ShellDriver {
    /// The cluster, or the error a cluster command gives on a single node.
    func requireCluster(_ command: String) throws(ShellError) -> (LocalCluster, ClusterBackend) {
        if let remote = backend as? any RemoteShellBackend {
            throw ShellError(".\(command) drives the cluster inside this process; this REPL is connected to \(remote.location), another process, so it cannot (stop or start node servers with cutaway cluster stop|start, or kill)")
        }
        guard let backend = backend as? ClusterBackend else {
            throw ShellError(".\(command) needs a cluster, and this database is a single node (start cutaway without --local)")
        }
        return (backend.localCluster, backend)
    }

    /// One node argument, checked against the cluster.
    func node(_ arguments: CommandArguments, _ command: some DotCommand) throws(ShellError) -> (LocalCluster, NodeID) {
        let (cluster, backend) = try requireCluster(command.name)
        guard arguments.words.count == 1 else { throw command.usageError("expected one node, such as n2") }
        return (cluster, try backend.parseNode(arguments.words[0]))
    }

    /// A count argument (default 1) for `.tick` and `.step`.
    func count(_ arguments: CommandArguments, _ command: some DotCommand, limit: Int) throws(ShellError) -> Int {
        guard arguments.words.count <= 1 else { throw command.usageError("expected at most one number") }
        guard let word = arguments.words.first else { return 1 }
        guard let n = Int(word), (1...limit).contains(n) else {
            throw command.usageError("'\(word)' is not a number from 1 to \(limit)")
        }
        return n
    }

    /// Node names for completion.
    func nodeNames() -> [String] { backend.cluster?.ids.map { "n\($0)" } ?? [] }
}

/// `.raft [log NODE [FROM [TO]]]`: every node's state and log, or one node's whole log.
struct RaftCommand: DotCommand {
    let name = "raft"
    let arguments = "[log NODE [FROM [TO]]]"
    let summary = "each node's role, term, indexes and log"
    let help = """
        Per node: role, term, vote, leader, last/commit/applied index and, on the
        leader, how far each follower matches (match) and what it sends next (next).
        Below, the logs side by side by index, with each entry's term per node
        (* applied, + committed but not yet applied) and the entry in words.
        .raft log n2 40 60 lists entries 40 to 60 of n2's log, one per line.
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, backend) = try shell.requireCluster(name)
        let snapshot = cluster.snapshot()
        guard let first = arguments.words.first else {
            shell.show(withNewline(RaftDrawing.draw(snapshot, width: shell.width)))
            return
        }
        guard first.lowercased() == "log", (2...4).contains(arguments.words.count) else {
            throw usageError("expected nothing, or log NODE [FROM [TO]]")
        }
        let id = try backend.parseNode(arguments.words[1])
        guard var status = snapshot.nodes.first(where: { $0.id == id }) else { throw ShellError("no node n\(id)") }
        var bounds: [UInt64] = []
        for word in arguments.words.dropFirst(2) {
            guard let n = UInt64(word) else { throw usageError("'\(word)' is not a log index") }
            bounds.append(n)
        }
        let from = bounds.first ?? 1
        let to = bounds.count > 1 ? bounds[1] : status.lastIndex
        guard from <= to else { throw usageError("FROM (\(from)) is after TO (\(to))") }
        status.entries = status.entries.filter { $0.index >= from && $0.index <= to }
        shell.show(RaftDrawing.nodeLog(status, width: shell.width).joined(separator: "\n") + "\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        switch words.count {
        case 0: ["log"]
        case 1: shell.nodeNames()
        default: []
        }
    }
}

/// `.trace on|off`: after each statement, the Raft messages it caused.
struct TraceCommand: DotCommand {
    let name = "trace"
    let arguments = "on|off"
    let summary = "draw the Raft messages of each statement"
    let help = """
        Each message is an arrow from sender to receiver, in order: Append and its
        acknowledgement for a write, heartbeats for the read-index round a read
        needs to be sure the leader still leads. Lost messages are marked ⨯.
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        switch arguments.words.map({ $0.lowercased() }) {
        case ["on"]: shell.tracing = true
        case ["off"]: shell.tracing = false
        case []: shell.show("trace is \(shell.tracing ? "on" : "off")\n"); return
        default: throw usageError("expected on or off")
        }
        cluster.setTracing(shell.tracing)
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { words.isEmpty ? ["on", "off"] : [] }
}

/// `.nodes`: one line per node.
struct NodesCommand: DotCommand {
    let name = "nodes"
    let arguments = ""
    let summary = "role, term, log indexes, up/down per node"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        let snapshot = cluster.snapshot()
        let sessionNode = shell.currentSession.node
        let rows = snapshot.nodes.map { node -> [String] in
            let state: String
            if node.crashed {
                state = cluster.haltReason(node.id).map { "halted: \($0)" } ?? "down"
            } else {
                state = node.role.rawValue + (node.role == .follower ? node.leader.map { " of n\($0)" } ?? "" : "")
            }
            let group = snapshot.partitions.firstIndex { $0.contains(node.id) }.map { "side \($0 + 1)" } ?? ""
            return ["n\(node.id)" + (sessionNode == "n\(node.id)" ? " ←you" : ""), state, "\(node.term)",
                    "\(node.lastIndex)", "\(node.commitIndex)", "\(node.appliedIndex)", group]
        }
        shell.show(BoxTable(headers: ["node", "role", "term", "last", "commit", "applied", "partition"], rows: rows)
            .draw(width: shell.width))
    }
}

/// `.leader`: who leads, in which term.
struct LeaderCommand: DotCommand {
    let name = "leader"
    let arguments = ""
    let summary = "which node leads, in which term"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        if let leader = cluster.leader {
            shell.show("leader: n\(leader.id), term \(leader.term)\n")
        } else {
            shell.show("no leader right now" + (cluster.clock == .manual ? " (.tick to let an election run)" : "") + "\n")
        }
    }
}

/// `.connect NODE`: this session talks to another node.
struct ConnectCommand: DotCommand {
    let name = "connect"
    let arguments = "NODE"
    let summary = "talk to the cluster through another node"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, id) = try shell.node(arguments, self)
        guard let session = shell.currentSession as? ClusterShellSession else { throw ShellError("this session cannot move") }
        session.connect(to: id, in: cluster)
        let role = cluster.leader?.id == id ? "the leader" : "a follower: it forwards to the leader"
        shell.show("session \(shell.currentSessionName) now talks to n\(id) (\(role))\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { words.isEmpty ? shell.nodeNames() : [] }
}

/// `.kill NODE`: crash a node.
struct KillCommand: DotCommand {
    let name = "kill"
    let arguments = "NODE"
    let summary = "crash a node (its log and data survive)"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, id) = try shell.node(arguments, self)
        let wasLeader = cluster.leader?.id == id
        do { try cluster.kill(id) } catch { throw ShellError(error.message) }
        shell.show("n\(id) is down" + (wasLeader
            ? "; it was the leader: the others elect a new one once their election timeout runs out" : "") + "\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { words.isEmpty ? shell.nodeNames() : [] }
}

/// `.restart NODE`: bring a crashed node back.
struct RestartCommand: DotCommand {
    let name = "restart"
    let arguments = "NODE"
    let summary = "restart a crashed node from its storage"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, id) = try shell.node(arguments, self)
        do { try cluster.restart(id) } catch { throw ShellError(error.message) }
        let status = cluster.snapshot().nodes.first { $0.id == id }
        shell.show("n\(id) is up: log to \(status?.lastIndex ?? 0), applied \(status?.appliedIndex ?? 0); it catches up from the leader\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { words.isEmpty ? shell.nodeNames() : [] }
}

/// `.partition n1 n2 | n3`: split the network.
struct PartitionCommand: DotCommand {
    let name = "partition"
    let arguments = "NODE… | NODE…"
    let summary = "cut the network into isolated groups"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, backend) = try shell.requireCluster(name)
        let groups = arguments.raw.split(separator: "|").map { $0.split(whereSeparator: { $0 == " " || $0 == "," }) }
        guard !groups.isEmpty, groups.allSatisfy({ !$0.isEmpty }) else {
            throw usageError("expected nodes in groups separated by |, such as n1 n2 | n3")
        }
        var parsed: [[NodeID]] = []
        for group in groups {
            var ids: [NodeID] = []
            for word in group { ids.append(try backend.parseNode(String(word))) }
            parsed.append(ids)
        }
        do { try cluster.partition(parsed) } catch { throw ShellError(error.message) }
        let sides = cluster.snapshot().partitions.map { $0.map { "n\($0)" }.joined(separator: " ") }
        shell.show("partitioned: " + sides.joined(separator: " | ") + " (only a side with a majority can commit)\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { shell.nodeNames() + ["|"] }
}

/// `.heal`: one network again.
struct HealCommand: DotCommand {
    let name = "heal"
    let arguments = ""
    let summary = "join every node into one network again"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        guard arguments.words.isEmpty else { throw usageError("takes no arguments") }
        cluster.heal()
        shell.show("the network is whole again\n")
    }
}

/// `.clock auto|manual`: who moves time.
struct ClockCommand: DotCommand {
    let name = "clock"
    let arguments = "auto|manual"
    let summary = "time runs, or moves only by .tick and .step"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        guard let word = arguments.words.first else { shell.show("clock: \(cluster.clock.rawValue)\n"); return }
        guard arguments.words.count == 1, let clock = LocalCluster.Clock(rawValue: word.lowercased()) else {
            throw usageError("expected auto or manual")
        }
        cluster.clock = clock
        shell.show(clock == .auto ? "clock: auto (a tick every few milliseconds)\n"
                                  : "clock: manual (time moves only with .tick; .step delivers messages one by one)\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] { words.isEmpty ? ["auto", "manual"] : [] }
}

/// `.tick [N]`: advance time.
struct TickCommand: DotCommand {
    let name = "tick"
    let arguments = "[N] | until election"
    let summary = "move the clock N ticks on (default 1)"
    let help = """
        .tick until election  ticks one at a time until some node starts an election
                              (becomes pre-candidate or candidate), then stops, so
                              .step can deliver its messages one by one
        """

    /// The most ticks `.tick until election` waits: far beyond any election timeout.
    static let untilLimit = 1000

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        let untilElection = arguments.words.map { $0.lowercased() } == ["until", "election"]
        let before = cluster.snapshot().nodes
        var n = 0
        let campaigning = {
            cluster.snapshot().nodes.contains { !$0.crashed && ($0.role == .preCandidate || $0.role == .candidate) }
        }
        if !untilElection { n = try shell.count(arguments, self, limit: 10_000) }
        do {
            if untilElection {
                while n < Self.untilLimit && !campaigning() {
                    try cluster.tick(1)
                    n += 1
                }
            } else {
                try cluster.tick(n)
            }
        } catch {
            throw ShellError(error.message)
        }
        if untilElection && !campaigning() {
            throw ShellError("no election started in \(Self.untilLimit) ticks (is a majority of the nodes up?)")
        }
        let after = cluster.snapshot().nodes
        var changes: [String] = []
        for (old, new) in zip(before, after) where old.role != new.role || old.term != new.term {
            changes.append("n\(new.id): \(old.role.rawValue)@\(old.term) → \(new.role.rawValue)@\(new.term)")
        }
        shell.show("\(n) tick\(n == 1 ? "" : "s")" + (changes.isEmpty ? "" : "; " + changes.joined(separator: ", "))
                   + "; \(cluster.inFlight.count) message\(cluster.inFlight.count == 1 ? "" : "s") in flight\n")
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["until"] : words == ["until"] ? ["election"] : []
    }
}

/// `.step [N]`: deliver messages one at a time.
struct StepCommand: DotCommand {
    let name = "step"
    let arguments = "[N]"
    let summary = "deliver the next N messages, one at a time"

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let (cluster, _) = try shell.requireCluster(name)
        let n = try shell.count(arguments, self, limit: 1000)
        let delivered: [String]
        do { delivered = try cluster.step(n) } catch { throw ShellError(error.message) }
        guard !delivered.isEmpty else {
            shell.show("no messages in flight (.tick lets timers send some)\n")
            return
        }
        shell.show(delivered.map { $0 + "\n" }.joined())
    }
}
