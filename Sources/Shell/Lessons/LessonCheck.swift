/// One line of a step's ```` ```check ```` block: a fact about the database, the last result
/// or the cluster that must hold for the step to pass.
///
/// Checks are semantic on purpose — row counts, values, tables, sessions, visibility as MVCC
/// reports it, leaders and log indexes — never text matched against a drawing, and never a
/// transaction id, version or node name that earlier work could have changed: those are
/// captured (`capture v = txn`) and referred to as `{v}`.
public enum LessonCheck: Sendable, Hashable {
    /// The last query of this step returned `count` rows (at least `count` when `atLeast`).
    case rows(Int, atLeast: Bool)
    /// Some cell of the last query's rows shows `text` (or none does, when `present` is false).
    case value(String, present: Bool)
    /// The last statement of this step succeeded.
    case succeeded
    /// At least `count` statements of this step failed with this kind of error (`serialization`).
    case failed(String, count: Int)
    case table(String, exists: Bool)
    /// The current session is this one.
    case session(String)
    /// The current session has an open transaction (or has none).
    case transaction(open: Bool)
    /// The newest version of the row with this primary key is seen by the session, or not.
    case visibility(table: String, key: String, session: String, visible: Bool)
    /// The learner ran this dot-command (without its dot) since the step began.
    case ran(String)
    /// The optimizer pass of this name changed the plan of the last `.explain`ed statement.
    case plan(String)
    /// A running node leads (or none does).
    case leader(exists: Bool)
    /// A different node leads, or the same in a newer term, than when the step began.
    case leaderChanged
    /// The leader's term is higher than when the step began.
    case termGrew
    /// The node is down (or up).
    case node(String, up: Bool)
    /// Every running node's log and commit index equal the leader's.
    case caughtUp
    /// The node's log is shorter than the leader's.
    case behind(String)
    /// The node's log reaches index `index` (a number or a `{capture}`).
    case reaches(String, index: String)
    /// Garbage (bytes no live key points at) is less than `percent` of the node's SQL
    /// storage on disk: what compaction brings about.
    case garbage(String, below: Int)
    /// Remembers a fact as `{name}`, when the check runs (`atStart`: when the step begins).
    case capture(name: String, fact: CaptureFact, atStart: Bool)

    /// What a capture remembers.
    public enum CaptureFact: String, Sendable, Hashable {
        /// The current session's open transaction (its version, for `AS OF SYSTEM TIME`).
        case txn
        /// The node that leads (`n2`).
        case leader
        /// A running node that does not lead (the first, by id).
        case follower
        /// Another one (the second, by id).
        case follower2
        /// The first cell of the last query's first row.
        case value
        /// The leader's last log index.
        case log
    }

    /// Parses one check line.
    public static func parse(_ line: String) throws(ShellError) -> LessonCheck {
        var text = line
        var atStart = false
        if text.hasPrefix("at start:") {
            atStart = true
            text = String(text.dropFirst("at start:".count)).trimmingWhitespace()
            guard text.hasPrefix("capture ") else { throw ShellError("'at start:' goes before a capture") }
        }
        let words = text.split(separator: " ").map(String.init)
        func number(_ word: String) throws(ShellError) -> Int {
            guard let n = Int(word), n >= 0 else { throw ShellError("'\(word)' is not a count") }
            return n
        }
        switch words {
        case let w where w.count == 2 && w[0] == "rows": return .rows(try number(w[1]), atLeast: false)
        case let w where w.count == 3 && w[0] == "rows" && w[1] == ">=": return .rows(try number(w[2]), atLeast: true)
        case let w where w.count >= 2 && w[0] == "value":
            return .value(String(text.dropFirst("value ".count)), present: true)
        case let w where w.count >= 3 && w[0] == "no" && w[1] == "value":
            return .value(String(text.dropFirst("no value ".count)), present: false)
        case ["succeeded"]: return .succeeded
        case let w where w.count == 2 && w[0] == "failed": return .failed(w[1].lowercased(), count: 1)
        case let w where w.count == 3 && w[0] == "failed": return .failed(w[1].lowercased(), count: try number(w[2]))
        case let w where w.count == 2 && w[0] == "table": return .table(w[1], exists: true)
        case let w where w.count == 3 && w[0] == "no" && w[1] == "table": return .table(w[2], exists: false)
        case let w where w.count == 2 && w[0] == "session": return .session(w[1])
        case ["transaction", "open"]: return .transaction(open: true)
        case ["no", "transaction"]: return .transaction(open: false)
        case let w where w.count == 5 && (w[0] == "visible" || w[0] == "invisible") && w[3] == "to":
            return .visibility(table: w[1], key: w[2], session: w[4], visible: w[0] == "visible")
        case let w where w.count == 2 && w[0] == "ran" && w[1].hasPrefix("."): return .ran(String(w[1].dropFirst()))
        case let w where w.count == 2 && w[0] == "plan": return .plan(w[1])
        case ["leader"]: return .leader(exists: true)
        case ["no", "leader"]: return .leader(exists: false)
        case ["leader", "changed"]: return .leaderChanged
        case ["term", "grew"]: return .termGrew
        case let w where w.count == 3 && w[0] == "node" && (w[2] == "up" || w[2] == "down"): return .node(w[1], up: w[2] == "up")
        case ["caught", "up"]: return .caughtUp
        case let w where w.count == 3 && w[0] == "log" && w[2] == "behind": return .behind(w[1])
        case let w where w.count == 4 && w[0] == "log" && w[2] == ">=": return .reaches(w[1], index: w[3])
        case let w where w.count == 4 && w[0] == "garbage" && w[2] == "below" && w[3].hasSuffix("%"):
            return .garbage(w[1], below: try number(String(w[3].dropLast())))
        case let w where w.count == 4 && w[0] == "capture" && w[2] == "=":
            guard let fact = CaptureFact(rawValue: w[3]) else {
                throw ShellError("a capture remembers txn, leader, follower, follower2, value or log, not '\(w[3])'")
            }
            return .capture(name: w[1], fact: fact, atStart: atStart)
        default: throw ShellError("unknown check (lessons/README.md lists them)")
        }
    }

    /// What the check looks for, in words, for a failing `.check`.
    public var expectation: String {
        switch self {
        case let .rows(n, atLeast): "a query result with \(atLeast ? "at least " : "")\(n) row\(n == 1 ? "" : "s")"
        case let .value(text, present): present ? "a result showing \(text)" : "a result without \(text)"
        case .succeeded: "the last statement to succeed"
        case let .failed(kind, count):
            count == 1 ? "a statement of this step to fail with a \(kind) error"
                       : "\(count) statements of this step to fail with a \(kind) error"
        case let .table(name, exists): exists ? "a table \(name)" : "no table \(name)"
        case let .session(name): "to be in session \(name)"
        case let .transaction(open): open ? "an open transaction in this session" : "no open transaction in this session"
        case let .visibility(table, key, session, visible):
            "the newest version of row \(key) in \(table) to be \(visible ? "visible" : "invisible") to \(session)"
        case let .ran(command): "you to run .\(command)"
        case let .plan(pass): "the \(pass) pass to change the plan of the statement you .explain-ed last"
        case let .leader(exists): exists ? "a leader" : "no leader"
        case .leaderChanged: "a new leader (or a new term) since the step began"
        case .termGrew: "a higher term than when the step began"
        case let .node(node, up): "\(node) to be \(up ? "up" : "down")"
        case .caughtUp: "every running node's log and commit index to equal the leader's"
        case let .behind(node): "\(node)'s log to be shorter than the leader's"
        case let .reaches(node, index): "\(node)'s log to reach index \(index)"
        case let .garbage(node, percent): "garbage below \(percent)% of \(node)'s SQL storage on disk"
        case let .capture(name, fact, _): "something to remember as {\(name)}: the \(fact.rawValue)"
        }
    }
}
