import Inspect
import Raft
import ScriptTesting

/// The Raft area's commands, run against a ``SimulatedCluster``; each prints the events it
/// caused (transitions, client answers) with its own output.
/// - `cluster nodes=3 seed=1 [prevote=false] [checkquorum=false] [batch=false] [maxappend=N]`
/// - `tick [N] [msgs]` (transitions and client answers; `msgs` adds every message sent)
/// - `deliver` (one round of in-flight messages), `stabilize` (until none are in flight)
/// - `campaign N`, `propose N put k=v`, `read N get k`
/// - `partition 1 | 2 3`, `heal`, `crash N`, `restart N`
/// - `until-leader [N]` (tick quietly until a leader, one node N follows, commits an entry)
/// - `status`, `log`, `draw`, `trace [N]`, `state N` (a node's key/value data)
struct ScenarioRunner: ScriptInterpreter {
    private var cluster: SimulatedCluster?
    private var output: [String] = []

    mutating func run(prefix: String, command: String) -> [String] {
        output = []
        do {
            guard prefix.isEmpty else { throw ScriptError("no prefixes here: `> command`") }
            try execute(command)
        } catch {
            output.append("error: \(error)")
        }
        return output
    }

    private mutating func execute(_ command: String) throws {
        let words = command.split(separator: " ").map(String.init)
        guard let verb = words.first else { return }
        let args = Array(words.dropFirst())
        if verb == "cluster" {
            var options = NodeOptions()
            var nodes = 3
            var seed: UInt64 = 1
            for arg in args {
                let parts = arg.split(separator: "=").map(String.init)
                guard parts.count == 2 else { throw ScriptError("bad option \(arg)") }
                switch parts[0] {
                case "nodes": nodes = try number(parts[1])
                case "seed": seed = UInt64(try number(parts[1]))
                case "prevote": options.preVote = parts[1] == "true"
                case "checkquorum": options.checkQuorum = parts[1] == "true"
                case "batch": options.batchProposals = parts[1] == "true"
                case "maxappend": options.maxAppendEntries = try number(parts[1])
                default: throw ScriptError("unknown option \(parts[0])")
                }
            }
            let cluster = try SimulatedCluster(nodes: nodes, seed: seed, options: options)
            self.cluster = cluster
            output.append(contentsOf: cluster.snapshot().nodes.map { RaftDrawing.statusLine($0) })
            return
        }
        guard let cluster else { throw ScriptError("start with `cluster`") }
        cluster.recordMessages = true
        switch verb {
        case "tick":
            let count = try args.first.flatMap { $0 == "msgs" ? nil : $0 }.map(number) ?? 1
            cluster.recordMessages = args.contains("msgs")
            try cluster.tick(count)
        case "deliver":
            try cluster.deliverAll()
        case "stabilize":
            try cluster.stabilize()
        case "campaign":
            try cluster.campaign(try node(args, 0))
        case "propose":
            let id = try cluster.propose(try node(args, 0), args.dropFirst().joined(separator: " "))
            output.append("\(id)")
        case "read":
            let id = try cluster.read(try node(args, 0), args.dropFirst().joined(separator: " "))
            output.append("\(id)")
        case "partition":
            let groups = try args.split(separator: "|").map { try $0.map { try nodeID($0) } }
            try cluster.partition(groups)
        case "heal":
            cluster.heal()
        case "crash":
            try cluster.crash(try node(args, 0))
        case "restart":
            try cluster.restart(try node(args, 0))
        case "until-leader":
            // Ready: a leader that has committed its term's empty entry (so a majority knows
            // it). With a node number: a leader that node follows, in that node's term — so a
            // stale leader cut off in a minority does not count.
            let observer = try args.first.map { try nodeID($0) }
            func readyLeader() -> NodeID? {
                let candidates = observer.map { id in cluster.node(id)?.leaderID.map { [$0] } ?? [] } ?? cluster.leaders
                return candidates.first { id in
                    guard let node = cluster.node(id), node.roleName == .leader else { return false }
                    if let observer, cluster.node(observer)?.log.term != node.log.term { return false }
                    return node.log.commitTerm == node.log.term
                }
            }
            cluster.recordEvents = false
            defer { cluster.recordEvents = true }
            var ticks = 0
            while readyLeader() == nil && ticks < 300 {
                try cluster.tick()
                ticks += 1
            }
            output.append(readyLeader().map { "leader after \(ticks) ticks: \(cluster.describeNode($0))" }
                          ?? "no leader after \(ticks) ticks")
        case "status":
            output.append(contentsOf: cluster.snapshot().nodes.map { RaftDrawing.statusLine($0) })
        case "log":
            output.append(contentsOf: RaftDrawing.logTable(cluster.snapshot().nodes))
        case "draw":
            output.append(contentsOf: RaftDrawing.draw(cluster.snapshot()).split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        case "trace":
            let count = try args.first.map(number) ?? 10
            output.append(contentsOf: RaftDrawing.trace(Array(cluster.snapshot().trace.suffix(count))))
        case "state":
            let id = try node(args, 0)
            guard let machine = cluster.kvStateMachine(id) else { throw ScriptError("n\(id) is down") }
            let pairs = machine.data.keys.sorted().map { "\($0)=\(machine.data[$0] ?? "")" }
            output.append("n\(id) applied=\(machine.appliedIndex) {\(pairs.joined(separator: ", "))}")
        default:
            throw ScriptError("unknown command \(verb)")
        }
        output.insert(contentsOf: cluster.drainEvents(), at: output.isEmpty ? 0 : (["propose", "read"].contains(verb) ? 1 : 0))
    }

    private func node(_ args: [String], _ position: Int) throws -> NodeID {
        guard position < args.count else { throw ScriptError("missing node number") }
        return try nodeID(args[position])
    }

    private func nodeID(_ text: String) throws -> NodeID {
        guard let id = NodeID(exactly: try number(text)) else { throw ScriptError("no such node: \(text)") }
        return id
    }

    private func number(_ text: String) throws -> Int {
        guard let value = Int(text), value >= 0, value <= 1_000_000 else { throw ScriptError("not a number: \(text)") }
        return value
    }
}
