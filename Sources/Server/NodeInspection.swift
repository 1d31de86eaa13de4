import Inspect
import Raft
import Shell
import SQL
import Storage

/// Runs a remote REPL's look-inside commands on the node, drawn here with the Shell's own
/// drawings: `.mvcc`, `.keys` and `.status` see this node's database through the client's
/// session (so visibility is the session's), `.raft` this node's state and log, `.trace on|off`
/// records the messages this node sends and receives.
struct NodeInspection {
    let runtime: NodeRuntime
    let session: Session

    /// The commands a remote REPL sends here; the REPL runs every other one itself.
    static let commands: Set<String> = ["mvcc", "keys", "status", "raft", "trace", "nodes", "leader"]

    /// The command's text (output and errors interleaved, as the REPL would print them).
    func run(_ line: String, width: Int) -> String {
        let words = line.split(separator: " ").map(String.init)
        switch words.first?.lowercased() {
        case ".raft": return raft(Array(words.dropFirst()), width: width)
        case ".trace": return trace(Array(words.dropFirst()))
        case ".nodes", ".leader": return nodes()
        default: return shell(line, width: width)
        }
    }

    private func shell(_ line: String, width: Int) -> String {
        let output = CapturedOutput()
        var options = ShellDriver.Options()
        options.width = max(40, width)
        let backend = NodeShellBackend(runtime: runtime, session: session)
        guard let driver = try? ShellDriver(backend: backend, output: output, options: options) else {
            return "error: cannot look inside n\(runtime.id)\n"
        }
        driver.feed(line: line)
        return output.text
    }

    private func raft(_ words: [String], width: Int) -> String {
        guard words.isEmpty || words.first?.lowercased() == "log" else {
            return "error: .raft [log NODE [FROM [TO]]]\n"
        }
        if words.count >= 2 {
            let name = words[1].lowercased()
            guard name == "n\(runtime.id)" || name == "\(runtime.id)" else {
                return "error: this REPL is connected to n\(runtime.id) and sees only its log; connect to n\(name.drop { $0 == "n" }) to read that one\n"
            }
            let from = words.count > 2 ? UInt64(words[2]) : 1
            let to = words.count > 3 ? UInt64(words[3]) : .max
            guard let from, let to, from <= to else { return "error: expected log NODE [FROM [TO]] with FROM ≤ TO\n" }
            guard let status = runtime.status(entriesFrom: from, through: to) else { return "error: n\(runtime.id) is shutting down\n" }
            return RaftDrawing.nodeLog(status, width: width).joined(separator: "\n") + "\n"
        }
        guard let status = runtime.status(entriesFrom: 1, through: .max) else { return "error: n\(runtime.id) is shutting down\n" }
        let snapshot = RaftClusterSnapshot(tick: 0, nodes: [status], partitions: [], trace: [])
        let drawing = RaftDrawing.draw(snapshot, width: width)
        return (drawing.hasSuffix("\n") ? drawing : drawing + "\n")
            + "(n\(runtime.id)'s own view: each node process knows only its own log; `cutaway cluster status` lists them all)\n"
    }

    private func trace(_ words: [String]) -> String {
        switch words.first?.lowercased() {
        case "on":
            runtime.setTracing(true)
            return "trace on: after each statement, the Raft messages n\(runtime.id) sent and received\n"
        case "off":
            runtime.setTracing(false)
            return "trace off\n"
        default:
            return "error: .trace on|off\n"
        }
    }

    private func nodes() -> String {
        guard let s = runtime.status(entriesFrom: 1, through: 0) else { return "error: n\(runtime.id) is shutting down\n" }
        let leader = s.leader.map { "n\($0)" } ?? "none known"
        return "n\(s.id): \(s.role.rawValue), term \(s.term), leader \(leader), last \(s.lastIndex), commit \(s.commitIndex), applied \(s.appliedIndex)\n"
    }
}

/// The Shell's view of a node server's database, for the look-inside commands.
final class NodeShellBackend: ShellBackend {
    let runtime: NodeRuntime
    let session: Session

    init(runtime: NodeRuntime, session: Session) {
        self.runtime = runtime
        self.session = session
    }

    func makeSession() throws(SQLError) -> any ShellSession { NodeShellSession(session, node: runtime.id) }

    var inspector: (any StorageInspector)? {
        guard let database = runtime.database else { return nil }
        return LocalInspector(mvcc: database.mvcc) { $0.transactionState }
    }

    var summary: String { runtime.summary }
}

/// The client's session, named after its node.
final class NodeShellSession: ShellSession {
    let base: SQLShellSession
    let nodeID: NodeID
    init(_ session: Session, node: NodeID) {
        base = SQLShellSession(session)
        nodeID = node
    }
    func execute(_ statement: String) throws(SQLError) -> StatementResult { try base.execute(statement) }
    var openTransaction: TransactionSummary? { base.openTransaction }
    var transactionState: TransactionState? { base.transactionState }
    func explain(_ statement: String, analyze: Bool) throws(SQLError) -> String { try base.explain(statement, analyze: analyze) }
    func explainSteps(_ statement: String) throws(SQLError) -> [ExplainStep] { try base.explainSteps(statement) }
    func tables() throws(SQLError) -> [Table] { try base.tables() }
    var node: String? { "n\(nodeID)" }
}
