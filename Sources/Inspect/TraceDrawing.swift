import Raft

/// Draws a Raft message trace as a sequence diagram for `.trace`: one column per node with a
/// vertical line, each message a horizontal arrow from sender to receiver labelled with its kind
/// and a short summary, lost messages ending in `⨯` with the reason on the right, and the tick
/// in the left margin (printed when it changes). A local client's request to a node and the
/// answer it gets are drawn as `●` on that node's line.
///
/// ```
/// tick n1                  n2                  n3
///   t5 │                   │                   ● client → write put x=1
///      │◀──Append 2@1──────┤                   │
///      │                   │◀──Append 2@1──────┤
///   t6 ├──AppendOk 2──────▶│                   │
/// ```
/// Labels shrink (`Append 2@1` → `App 2` → `Ap…`) when the columns are close, so 3 to 7 nodes
/// fit 80 columns.
public enum TraceDrawing {
    /// Room kept right of the last column for why a message was lost (`⨯ partition`).
    static let noteWidth = 12

    /// The diagram of `events` (oldest first) between `nodes`, at most `width` columns wide.
    /// Events from or to nodes not listed are left out.
    public static func draw(events: [TraceEvent], nodes: [NodeID], width: Int = Drawing.defaultWidth) -> String {
        guard !nodes.isEmpty else { return "(no nodes)" }
        let lastTick = events.map(\.tick).max() ?? 0
        let margin = max(4, String(lastTick).count + 2)
        let spacing = nodes.count == 1 ? 0 : min(26, max(4, (width - margin - 2 - noteWidth) / (nodes.count - 1)))
        let columns = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, margin + 1 + $0 * spacing) })

        var header = Array(pad("tick", margin + 1)) + Array(repeating: " ", count: max(0, width - margin - 1))
        for node in nodes {
            guard let x = columns[node] else { continue }
            put("n\(node)", at: x, in: &header)
        }
        var lines = [finish(header, width)]
        guard !events.isEmpty else {
            lines.append("(no messages)")
            return lines.joined(separator: "\n")
        }
        var previousTick: Int?
        for event in events {
            guard let from = columns[event.from], let to = columns[event.to] else { continue }
            var row = lanes(columns.values, width: width)
            if event.tick != previousTick {
                let tick = "t\(event.tick)"
                put(String(repeating: " ", count: max(0, margin - tick.count)) + tick, at: 0, in: &row)
                previousTick = event.tick
            }
            if from == to {
                drawLocal(event, at: from, in: &row, width: width)
            } else {
                drawArrow(event, from: from, to: to, in: &row)
                if let lost = event.lost {
                    let right = (columns.values.max() ?? 0) + 2
                    put(clip("⨯ " + lost, max(1, width - right)), at: right, in: &row)
                }
            }
            lines.append(finish(row, width))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Labels

    /// The label candidates for a message, longest first; the first that fits is drawn.
    public static func labels(_ event: TraceEvent) -> [String] {
        guard let message = event.message else { return [event.kind] }
        switch message {
        case let .heartbeat(_, _, _, readSeq, _):
            return readSeq > 0 ? ["Heartbeat r\(readSeq)", "HB r\(readSeq)"] : ["Heartbeat", "HB"]
        case let .heartbeatResponse(_, _, _, readSeq):
            return readSeq > 0 ? ["HeartbeatOk r\(readSeq)", "HBok r\(readSeq)"] : ["HeartbeatOk", "HBok"]
        case .preVote:
            return ["PreVote @\(event.term)", "PreVote", "PV"]
        case let .preVoteResponse(granted):
            return granted ? ["PreVote yes", "PV yes"] : ["PreVote no", "PV no"]
        case .campaign:
            return ["Vote? @\(event.term)", "Vote?"]
        case let .campaignResponse(granted):
            return granted ? ["Vote yes", "yes"] : ["Vote no", "no"]
        case let .append(baseIndex, baseTerm, entries, _):
            guard let first = entries.first, let last = entries.last else {
                return ["Probe \(baseIndex)@\(baseTerm)", "Probe"]
            }
            let range = first.index == last.index ? "\(last.index)" : "\(first.index)-\(last.index)"
            return ["Append \(range)@\(last.term)", "App \(range)", "A\(range)"]
        case let .appendAccepted(matchIndex):
            return ["AppendOk \(matchIndex)", "Ok \(matchIndex)"]
        case let .appendRejected(rejectedBase, hintIndex):
            return ["AppendNo \(rejectedBase) hint \(hintIndex)", "No \(rejectedBase)"]
        case .clientRequest(_, let request):
            let verb = if case .write = request { "write" } else { "read" }
            // The summary is "r1.2 write put x=1": drop the request id, keep the words.
            let words = event.summary.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
            return ["fwd \(verb) \(words)", "fwd \(verb)", verb]
        case .clientResponse(_, let result):
            let outcome = outcomeText(result)
            return ["reply \(outcome)", outcome]
        }
    }

    private static func outcomeText(_ result: Result<ClientResponse, RaftError>) -> String {
        switch result {
        case .success(.write(let index, _)): "ok @\(index)"
        case .success(.read): "ok"
        case .failure(let error): error.isRetryable ? "retry" : "error"
        }
    }

    // MARK: - Rows

    private static func drawArrow(_ event: TraceEvent, from: Int, to: Int, in row: inout [Character]) {
        let low = min(from, to)
        let high = max(from, to)
        let line: Character = event.lost == nil ? "─" : "╌"
        for x in (low + 1)..<high { row[x] = row[x] == "│" ? "┼" : line }
        row[from] = to > from ? "├" : "┤"
        let head: Character = event.lost != nil ? "⨯" : to > from ? "▶" : "◀"
        row[to > from ? high - 1 : low + 1] = head
        // Between the head and the tail: a dash, the label, at least one dash.
        let room = high - low - 4
        guard room > 0 else { return }
        let label = fitting(labels(event), room)
        let start = to > from ? low + 2 : low + 3
        put(label, at: start, in: &row)
    }

    private static func drawLocal(_ event: TraceEvent, at x: Int, in row: inout [Character], width: Int) {
        let text: String
        switch event.message {
        case .clientRequest(_, let request)?:
            let verb = if case .write = request { "write" } else { "read" }
            let words = event.summary.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
            text = "client → \(verb) \(words)"
        case .clientResponse(_, let result)?:
            let detail: String
            switch result {
            case .success(.write(let index, let value)): detail = "ok @\(index) \(CommandText.describe(value))"
            case .success(.read(let value)): detail = "ok \(CommandText.describe(value))"
            case .failure(let error): detail = "\(error)"
            }
            text = "client ← \(detail)"
        default:
            text = "\(event.kind) \(event.summary)"
        }
        row[x] = "●"
        let right = width - x - 2
        if right >= 12 || right >= text.count {
            put(clip(text, right), at: x + 2, in: &row)
        } else {
            let shown = clip(text, max(1, x - 1))
            put(shown, at: max(0, x - 1 - shown.count), in: &row)
        }
    }

    /// A row of empty lanes.
    private static func lanes(_ columns: Dictionary<NodeID, Int>.Values, width: Int) -> [Character] {
        var row = [Character](repeating: " ", count: max(width, (columns.max() ?? 0) + 1))
        for x in columns { row[x] = "│" }
        return row
    }

    /// The first label that fits `room`, else the shortest clipped with `…`.
    public static func fitting(_ candidates: [String], _ room: Int) -> String {
        candidates.first { $0.count <= room } ?? clip(candidates.last ?? "", room)
    }

    private static func put(_ text: String, at x: Int, in row: inout [Character]) {
        for (offset, character) in text.enumerated() where x + offset >= 0 && x + offset < row.count {
            row[x + offset] = character
        }
    }

    private static func finish(_ row: [Character], _ width: Int) -> String {
        var line = String(row.prefix(width))
        while line.last == " " { line.removeLast() }
        return line
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func clip(_ text: String, _ width: Int) -> String {
        guard text.count > width else { return text }
        guard width > 1 else { return String(text.prefix(max(0, width))) }
        return String(text.prefix(width - 1)) + "…"
    }
}
