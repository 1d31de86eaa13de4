import Cluster
import Inspect
import Raft

/// `.explain [steps|analyze] SQL`: the plan of a statement, three ways.
struct ExplainCommand: DotCommand {
    let name = "explain"
    let arguments = "[steps|analyze] SQL"
    let summary = "a plan: optimized, per pass, or as run"
    let help = """
        .explain SQL          the optimized plan as a tree
        .explain steps SQL    the plan after each optimizer pass; the passes that
                              changed it are marked
        .explain analyze SQL  runs the statement: rows and time per node; for each
                              table scan the rows examined against those returned
                              and the MVCC versions read and skipped (uncommitted,
                              newer, replaced, deleted); on a cluster, its Raft
                              reads, log entries and log growth per node
        """

    func run(_ arguments: CommandArguments, in shell: ShellDriver) throws(ShellError) {
        let first = arguments.words.first?.lowercased()
        let form = first == "steps" || first == "analyze" ? first : nil
        let sql = form.map { String(arguments.raw.dropFirst($0.count)).trimmingWhitespace() } ?? arguments.raw
        guard !sql.isEmpty else { throw usageError("expected a SQL statement") }
        do {
            switch form {
            case "steps":
                let steps = try shell.currentSession.explainSteps(sql)
                shell.show(Self.drawSteps(steps))
            case "analyze":
                let before = RaftCost(shell)
                let drawing = try shell.currentSession.explain(sql, analyze: true)
                shell.show(withNewline(drawing) + (before.map { $0.report(since: RaftCost(shell)) } ?? ""))
            default:
                shell.show(withNewline(try shell.currentSession.explain(sql, analyze: false)))
            }
            shell.lastExplained = sql
        } catch {
            throw ShellError(error.rendered(in: sql))
        }
    }

    /// Each pass as a titled section; unchanged passes say so instead of repeating the tree.
    static func drawSteps(_ steps: [ExplainStep]) -> String {
        var out = "The plan after each optimizer pass: * marks lines a pass added, - lines it removed.\n"
        for (i, step) in steps.enumerated() {
            let mark = i == 0 ? "" : (step.changed ? " ✱ changed" : " (no change)")
            out += "── \(i + 1). \(step.pass)\(mark)\n"
            if i == 0 || step.changed { out += withNewline(step.drawing) }
            if i > 0 && step.changed {
                for line in step.removed { out += "- " + line + "\n" }
                if !step.why.isEmpty { out += "  why: " + step.why + "\n" }
            }
        }
        return out
    }

    func completions(after words: [String], in shell: ShellDriver) -> [String] {
        words.isEmpty ? ["steps", "analyze"] : []
    }
}

/// What a statement cost the cluster, for `.explain analyze`: the session's Raft reads and log
/// writes, and how many entries each node's log grew by.
struct RaftCost {
    var counters: ClusterCounters
    var lastIndexes: [(node: NodeID, last: LogIndex)]

    /// The current figures, or nil when the session is not on a cluster.
    init?(_ shell: ShellDriver) {
        guard let session = shell.currentSession as? ClusterShellSession, let cluster = shell.backend.cluster else { return nil }
        counters = session.engine.counters
        lastIndexes = cluster.snapshot().nodes.map { ($0.id, $0.lastIndex) }
    }

    /// `raft: 3 read-index rounds, 1 log entry; logs grew n1 +1, n2 +1, n3 +1`.
    func report(since later: RaftCost?) -> String {
        guard let later else { return "" }
        let reads = later.counters.reads - counters.reads
        let writes = later.counters.writes - counters.writes
        let growth = zip(lastIndexes, later.lastIndexes).map { "n\($1.node) +\($1.last &- $0.last)" }
        return "raft: \(reads) read-index round\(reads == 1 ? "" : "s"), \(writes) log entr\(writes == 1 ? "y" : "ies")"
            + "; logs grew " + growth.joined(separator: ", ") + "\n"
    }
}

func withNewline(_ text: String) -> String { text.hasSuffix("\n") || text.isEmpty ? text : text + "\n" }
