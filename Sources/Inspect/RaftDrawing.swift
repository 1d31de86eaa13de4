import Raft

/// Draws Raft snapshots as text for `.raft` and the scenario tests: one status line per node,
/// then the logs side by side by index, so a lagging or divergent log is visible at a glance.
///
/// ```
/// n1@2 leader        last=4@2 commit=4@2 applied=4 vote=n1
///     next/match n2=5/4 n3=3/2
/// n2@2 follower(n1)  last=4@2 commit=4@2 applied=4 vote=n1
/// n3 down            last=2@1 commit=2@1 vote=n1
///
/// index  n1  n2  n3   command      (term per node; * applied, + committed)
///     1  1*  1*  1*   put x=1
///     2  1*  1*  1*   put y=2
///     3  2*  2*  ·    (empty)
///     4  2*  2*  ·    put z=3
/// ```
/// Long runs of rows that look alike (same terms and marks on every node) are elided in the
/// middle, so what differs stays in view. Commands are described by the nodes' state machine
/// and clipped with `…` to the width; a crashed node shows as `down`, a halted one as `halted`
/// with its reason.
public enum RaftDrawing {
    /// The whole cluster: status lines, partitions and the logs.
    public static func draw(_ snapshot: RaftClusterSnapshot, width: Int = Drawing.defaultWidth) -> String {
        var lines = snapshot.nodes.map { statusLine($0, width: width) }
        if !snapshot.partitions.isEmpty {
            lines.append("partition " + snapshot.partitions.map { $0.map { "n\($0)" }.joined(separator: " ") }
                .joined(separator: " | "))
        }
        lines.append("")
        lines.append(contentsOf: logTable(snapshot.nodes, width: width))
        return lines.joined(separator: "\n")
    }

    /// `n1@3 leader  last=5@3 commit=5@3 applied=5 vote=n1`, plus a second line for a leader:
    /// its view of each follower (next index to send / highest index known to match), or for a
    /// halted node: why its state machine stopped it.
    public static func statusLine(_ node: RaftNodeStatus, width: Int = Drawing.defaultWidth) -> String {
        var name: String
        if node.halted != nil {
            name = "n\(node.id) halted"
        } else if node.crashed {
            name = "n\(node.id) down"
        } else if node.role == .follower, let leader = node.leader {
            name = "n\(node.id)@\(node.term) follower(n\(leader))"
        } else {
            name = "n\(node.id)@\(node.term) \(node.role.rawValue)"
        }
        name = pad(name, 19)
        var line = "\(name)last=\(node.lastIndex)@\(node.lastTerm) commit=\(node.commitIndex)@\(node.commitTerm)"
        if !node.crashed { line += " applied=\(node.appliedIndex)" }
        line += " vote=" + (node.vote.map { "n\($0)" } ?? "-")
        line = clip(line, width)
        if let halted = node.halted {
            line += "\n" + clip("    " + halted, width)
        } else if !node.progress.isEmpty {
            // The leader's view of its followers goes on a line of its own so 7 nodes fit.
            let peers = node.progress.map { "n\($0.id)=\($0.next)/\($0.match)" }.joined(separator: " ")
            line += "\n" + clip("    next/match " + peers, width)
        }
        return line
    }

    /// One node's log (or the window of it in `node.entries`), one entry per line, for logs too
    /// long for ``logTable(_:width:)``: index, term, mark (`*` applied, `+` committed) and the
    /// entry described by the node's state machine. Ranges are the caller's to validate.
    ///
    /// ```
    /// n2@2 follower(n1)  last=3@2 commit=2@1 applied=2 vote=n1
    /// index term     command  (* applied, + committed)
    ///     2    1  *  put x=1
    ///     3    2     (empty)
    /// ```
    public static func nodeLog(_ node: RaftNodeStatus, width: Int = Drawing.defaultWidth) -> [String] {
        var lines = statusLine(node, width: width).split(separator: "\n").map(String.init)
        guard !node.entries.isEmpty else {
            lines.append(node.lastIndex == 0 ? "(the log is empty)" : "(no entries in this range)")
            return lines
        }
        let indexWidth = max(5, String(node.entries.last?.index ?? 0).count)
        let termWidth = max(4, String(node.entries.map(\.term).max() ?? 0).count)
        let header = String(repeating: " ", count: indexWidth - 5) + "index "
            + String(repeating: " ", count: termWidth - 4) + "term     command  (* applied, + committed)"
        lines.append(clip(header, width))
        for entry in node.entries {
            let index = String(entry.index)
            let term = String(entry.term)
            let line = String(repeating: " ", count: indexWidth - index.count) + index + " "
                + String(repeating: " ", count: termWidth - term.count) + term + "  " + mark(entry.index, node) + "  "
                + (entry.command.isEmpty ? "(empty)" : entry.command)
            lines.append(clip(line, width))
        }
        return lines
    }
    /// The logs side by side: one row per index, one column per node holding the entry's term
    /// and a mark (`*` applied, `+` committed but not yet applied, `·` no entry).
    public static func logTable(_ nodes: [RaftNodeStatus], width: Int = Drawing.defaultWidth) -> [String] {
        let lastIndex = nodes.map(\.lastIndex).max() ?? 0
        guard lastIndex > 0 else { return ["(all logs are empty)"] }
        let termWidth = max(2, nodes.flatMap { $0.entries.map { String($0.term).count + 1 } }.max() ?? 2)
        let cellWidth = max(termWidth, nodes.map { "n\($0.id)".count }.max() ?? 2) + 2
        let indexWidth = max(5, String(lastIndex).count)
        var header = pad("index", indexWidth) + " "
        header += nodes.map { pad("n\($0.id)", cellWidth) }.joined()
        header += " command  (term per node; * applied, + committed)"
        var lines = [clip(header, width)]

        let rows = (1...lastIndex).map { row(at: $0, nodes) }
        for kept in keptRows(rows) {
            switch kept {
            case .elided(let count):
                lines.append(clip(String(repeating: " ", count: indexWidth - 1) + "⋮  (\(count) more alike)", width))
            case .row(let offset):
                guard offset < rows.count else { continue }
                let cells = rows[offset].cells.map { pad($0, cellWidth) }.joined()
                let index = String(LogIndex(offset) + 1)
                let line = String(repeating: " ", count: max(0, indexWidth - index.count)) + index + "  " + cells + " " + rows[offset].command
                lines.append(clip(line, width))
            }
        }
        return lines
    }

    /// Recent messages, one per line: `t12 n1@3 → n2 Append base=5@2 [6@3] commit=5`.
    public static func trace(_ events: [TraceEvent], width: Int = Drawing.defaultWidth) -> [String] {
        events.map { event in
            var line = "t\(event.tick) n\(event.from)@\(event.term) → n\(event.to) \(event.kind) \(event.summary)"
            if let lost = event.lost { line += " ⨯ \(lost)" }
            return clip(line, width)
        }
    }

    // MARK: - Rows

    private struct Row {
        var cells: [String]
        var command: String
    }

    private enum Kept {
        case row(Int)
        case elided(Int)
    }

    private static func row(at index: LogIndex, _ nodes: [RaftNodeStatus]) -> Row {
        var cells: [String] = []
        var commands: [(term: Term, text: String)] = []
        for node in nodes {
            guard index >= 1, index <= LogIndex(node.entries.count) else {
                cells.append("·")
                continue
            }
            let entry = node.entries[Int(index - 1)]
            let mark = mark(index, node)
            cells.append("\(entry.term)\(mark == " " ? "" : mark)")
            if !commands.contains(where: { $0.term == entry.term }) {
                commands.append((entry.term, entry.command.isEmpty ? "(empty)" : entry.command))
            }
        }
        let command = commands.count == 1 ? commands[0].text
            : commands.map { "@\($0.term) \($0.text)" }.joined(separator: "; ")
        return Row(cells: cells, command: command)
    }

    /// `*` applied, `+` committed but not applied, a space otherwise. A down node's applied
    /// index is not shown: its state machine may not have survived.
    private static func mark(_ index: LogIndex, _ node: RaftNodeStatus) -> String {
        if !node.crashed && index <= node.appliedIndex { return "*" }
        return index <= node.commitIndex ? "+" : " "
    }

    /// Keeps every row except the middle of a long run of rows with the same cells (the same
    /// term and mark on each node), which keeps its first two and last two.
    private static func keptRows(_ rows: [Row]) -> [Kept] {
        var kept: [Kept] = []
        var offset = 0
        while offset < rows.count {
            var end = offset + 1
            while end < rows.count && rows[end].cells == rows[offset].cells { end += 1 }
            let run = end - offset
            if run > 6 {
                kept.append(contentsOf: [.row(offset), .row(offset + 1), .elided(run - 4), .row(end - 2), .row(end - 1)])
            } else {
                kept.append(contentsOf: (offset..<end).map { .row($0) })
            }
            offset = end
        }
        return kept
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func clip(_ line: String, _ width: Int) -> String {
        guard line.count > width, width > 1 else { return line }
        return String(line.prefix(width - 1)) + "…"
    }
}
